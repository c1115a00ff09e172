package dev.midge.codec.reason;

/**
 * What the per-packet reason code enums share: a byte, whether it reports a failure, and the
 * same code in the table of all reason codes.
 */
public interface PacketReasonCode {
  /** The byte on the wire. */
  int value();

  /** Whether this code reports a failure (0x80 and above, MQTT 5.0 section 2.4). */
  default boolean isError() {
    return value() >= 0x80;
  }

  /** The same code in the table of all reason codes, with its description. */
  default ReasonCode reasonCode() {
    ReasonCode code = ReasonCode.of(value());
    if (code == null) {
      throw new IllegalStateException("no general reason code for " + this);
    }
    return code;
  }
}
