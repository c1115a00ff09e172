package dev.midge.broker.connection;

import org.jspecify.annotations.Nullable;

/**
 * What the admin API shows of one connected client: a snapshot taken on its connection's event
 * loop. Times are epoch milliseconds on the broker's clock; durations are named by their unit.
 *
 * @param clientId the client identifier
 * @param address the client's address
 * @param protocolVersion {@code 3.1}, {@code 3.1.1} or {@code 5.0}
 * @param keepAliveRequested the keep alive in CONNECT, in seconds
 * @param keepAliveEffective the keep alive enforced (after the listener's policy), in seconds; 0:
 *     none, and no deadline
 * @param connectedSince when the connection was accepted
 * @param lastPacketIn when the last whole packet arrived from the client
 * @param lastPacketOut when the last packet was written to the client; null before any
 * @param nextDeadline when the connection times out (1.5 × keep alive after the last sign of life)
 *     unless something arrives; null without keep alive
 * @param millisToDeadline the time left until {@code nextDeadline}; null without keep alive
 * @param lastPingAt when the last PINGREQ arrived; null before any
 * @param lastPingResponseMicros the broker's share of the client's last ping round trip: from the
 *     PINGREQ's arrival until its PINGRESP was written to the socket; null before any
 * @param tcpRoundTripMicros the network round trip as the kernel measures it (TCP_INFO, smoothed),
 *     with the epoll transport only; null otherwise
 * @param inflight QoS 1 and 2 messages sent to the client and not yet acknowledged
 * @param queued messages waiting for the client
 * @param subscriptions the session's subscriptions
 * @param sessionExpiryInterval seconds the session outlives the connection (4294967295: never)
 */
public record ClientInfo(
    String clientId,
    String address,
    String protocolVersion,
    int keepAliveRequested,
    int keepAliveEffective,
    long connectedSince,
    long lastPacketIn,
    @Nullable Long lastPacketOut,
    @Nullable Long nextDeadline,
    @Nullable Long millisToDeadline,
    @Nullable Long lastPingAt,
    @Nullable Long lastPingResponseMicros,
    @Nullable Long tcpRoundTripMicros,
    int inflight,
    int queued,
    int subscriptions,
    long sessionExpiryInterval) {}
