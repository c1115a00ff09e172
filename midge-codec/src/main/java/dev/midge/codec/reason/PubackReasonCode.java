package dev.midge.codec.reason;

import org.jspecify.annotations.Nullable;

/** Reason codes a PUBACK may carry in MQTT 5.0 (section 3.4.2.1). */
public enum PubackReasonCode implements PacketReasonCode {
  SUCCESS(0x00),
  NO_MATCHING_SUBSCRIBERS(0x10),
  UNSPECIFIED_ERROR(0x80),
  IMPLEMENTATION_SPECIFIC_ERROR(0x83),
  NOT_AUTHORIZED(0x87),
  TOPIC_NAME_INVALID(0x90),
  PACKET_IDENTIFIER_IN_USE(0x91),
  QUOTA_EXCEEDED(0x97),
  PAYLOAD_FORMAT_INVALID(0x99);

  private static final ReasonCodeTable<PubackReasonCode> TABLE =
      new ReasonCodeTable<>(values(), PubackReasonCode::value);

  private final int value;

  PubackReasonCode(int value) {
    this.value = value;
  }

  @Override
  public int value() {
    return value;
  }

  /** The code with this byte, or null where this packet may not carry that byte. O(1). */
  public static @Nullable PubackReasonCode of(int value) {
    return TABLE.get(value);
  }

  /**
   * The code of this packet with the same byte as a general reason code, or null where this
   * packet may not carry it.
   */
  public static @Nullable PubackReasonCode of(ReasonCode code) {
    return TABLE.get(code.value());
  }
}
