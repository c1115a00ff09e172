package dev.midge.broker.config;

import java.time.Duration;

/**
 * A listener's keep-alive policy: which keep alive a client gets, how silence is measured, and how
 * long a socket may stay without CONNECT.
 *
 * @param minimum the smallest keep alive accepted, in seconds (0 to 65535)
 * @param maximum the largest keep alive accepted, in seconds (0 to 65535, at least {@code
 *     minimum}); MQTT 5 clients asking for more are told the maximum through Server Keep Alive
 * @param outOfRange what to do with an MQTT 3.x client whose keep alive is outside the range (or 0
 *     when 0 is not allowed): clamp it into the range, or refuse the connection
 * @param allowZero whether a client may turn keep alive off by asking for 0; when false, an MQTT 5
 *     client asking 0 gets {@code maximum}, and an MQTT 3.x client is clamped or refused
 * @param counting what counts as a sign of life: any byte received, or only whole packets
 * @param maxPacketArrival how long one packet may take to arrive once its first byte is in, so
 *     that a client trickling bytes cannot hold a connection forever
 * @param connectTimeout how long a new socket may stay without sending CONNECT
 */
public record KeepAliveConfig(
    int minimum,
    int maximum,
    OutOfRange outOfRange,
    boolean allowZero,
    Counting counting,
    Duration maxPacketArrival,
    Duration connectTimeout) {

  /** The defaults: every keep alive from 0 to 65535 s accepted, bytes count, 120 s, 10 s. */
  public static final KeepAliveConfig DEFAULTS =
      new KeepAliveConfig(
          0, 65535, OutOfRange.CLAMP, true, Counting.BYTES, Duration.ofSeconds(120),
          Duration.ofSeconds(10));

  public KeepAliveConfig {
    if (minimum < 0 || minimum > 65535 || maximum < 0 || maximum > 65535) {
      throw new IllegalArgumentException("keep alive bounds must be 0 to 65535 s");
    }
    if (minimum > maximum) {
      throw new IllegalArgumentException("keep alive minimum " + minimum + " > maximum " + maximum);
    }
    if (maxPacketArrival.isNegative() || maxPacketArrival.isZero()) {
      throw new IllegalArgumentException("max packet arrival must be positive");
    }
    if (connectTimeout.isNegative() || connectTimeout.isZero()) {
      throw new IllegalArgumentException("connect timeout must be positive");
    }
  }

  /** What to do with an MQTT 3.x client whose keep alive falls outside the policy. */
  public enum OutOfRange {
    /** Use the nearest value in range; the client is not told (3.x cannot be). */
    CLAMP,
    /** Refuse with CONNACK 0x02 (identifier rejected, the only code 3.x has), logging why. */
    REFUSE
  }

  /** What resets the keep-alive deadline. */
  public enum Counting {
    /** Any byte received: a large packet still arriving over a slow link is not silence. */
    BYTES,
    /** Only a whole packet received, as the specification words it. */
    PACKETS
  }
}
