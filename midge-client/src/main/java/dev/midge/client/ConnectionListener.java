package dev.midge.client;

import java.time.Duration;

/**
 * Observes a client's connection: when it comes up, when it is lost and why, when the client will
 * try again, and how long the broker takes to answer a PINGREQ.
 *
 * <p>Every method has an empty default, so implement only what you need. Calls arrive on the
 * client's callback executor, never on the I/O thread, one at a time and in the order they
 * happened, interleaved in order with message deliveries.
 *
 * <pre>{@code
 * MqttClient.builder().connectionListener(new ConnectionListener() {
 *   public void connectionLost(Throwable cause) { log.warn("lost: {}", cause.getMessage()); }
 *   public void reconnecting(Duration delay, int attempt) { log.info("retry in {}", delay); }
 * })
 * }</pre>
 */
public interface ConnectionListener {
  /** The broker accepted a connection: the first one, or one after a loss. */
  default void connected(ConnectResult result) {}

  /**
   * An established connection ended without {@link MqttClient#disconnect()}: the broker closed it
   * (perhaps after an MQTT 5.0 DISCONNECT), the network failed, or no packet arrived in time
   * after a PINGREQ ({@link PingTimeoutException}). Also called when a reconnection attempt fails.
   *
   * @param cause why; its message is meant for people
   */
  default void connectionLost(Throwable cause) {}

  /**
   * The client will try to connect again after {@code delay} (exponential backoff with full
   * jitter, see {@link MqttClient.Builder#reconnectDelay}).
   *
   * @param attempt 1 for the first retry after a loss, then 2, 3, ...
   */
  default void reconnecting(Duration delay, int attempt) {}

  /** A PINGRESP arrived, {@code roundTrip} after its PINGREQ was written. */
  default void pingRoundTrip(Duration roundTrip) {}
}
