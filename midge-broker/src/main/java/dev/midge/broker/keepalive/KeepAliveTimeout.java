package dev.midge.broker.keepalive;

/**
 * The user event {@link KeepAliveHandler} fires down the pipeline when a connection has been
 * silent too long, or when one packet has taken too long to arrive. The connection turns it into
 * the one disconnect path that every other cause uses.
 *
 * @param kind which limit was passed
 * @param silenceMillis how long since the last sign of life (or since the packet started)
 * @param limitMillis the limit that was passed
 */
public record KeepAliveTimeout(Kind kind, long silenceMillis, long limitMillis) {

  /** Which limit a connection passed. */
  public enum Kind {
    /** Nothing arrived for 1.5 × the keep alive (MQTT-3.1.2-24 in 3.1.1, MQTT-3.1.2-22 in 5.0). */
    SILENCE,
    /** A packet whose first bytes arrived did not complete within the configured bound. */
    SLOW_PACKET
  }
}
