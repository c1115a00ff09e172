package dev.midge.client;

import dev.midge.codec.packet.Connack;
import java.time.Duration;

/**
 * What the broker said when a connection was accepted.
 *
 * @param sessionPresent whether the broker still had the session (MQTT 3.1.1 Session Present,
 *     MQTT 5.0 the same flag): if so, subscriptions and in-flight messages carried over; if not,
 *     the client subscribes again by itself
 * @param keepAlive the keep alive in effect: the broker's Server Keep Alive when it sent one (MQTT
 *     5.0), otherwise the one the client asked for; {@link Duration#ZERO} when off
 * @param clientId the client identifier in use, which the broker may have assigned (MQTT 5.0)
 * @param connack the CONNACK packet itself, with its MQTT 5.0 properties
 */
public record ConnectResult(
    boolean sessionPresent, Duration keepAlive, String clientId, Connack connack) {}
