package dev.midge.codec.reason;

import org.jspecify.annotations.Nullable;

/** Reason codes an UNSUBACK may carry in MQTT 5.0, one per topic filter (section 3.11.3). */
public enum UnsubackReasonCode implements PacketReasonCode {
  SUCCESS(0x00),
  NO_SUBSCRIPTION_EXISTED(0x11),
  UNSPECIFIED_ERROR(0x80),
  IMPLEMENTATION_SPECIFIC_ERROR(0x83),
  NOT_AUTHORIZED(0x87),
  TOPIC_FILTER_INVALID(0x8F),
  PACKET_IDENTIFIER_IN_USE(0x91);

  private static final ReasonCodeTable<UnsubackReasonCode> TABLE =
      new ReasonCodeTable<>(values(), UnsubackReasonCode::value);

  private final int value;

  UnsubackReasonCode(int value) {
    this.value = value;
  }

  @Override
  public int value() {
    return value;
  }

  /** The code with this byte, or null where this packet may not carry that byte. O(1). */
  public static @Nullable UnsubackReasonCode of(int value) {
    return TABLE.get(value);
  }

  /**
   * The code of this packet with the same byte as a general reason code, or null where this
   * packet may not carry it.
   */
  public static @Nullable UnsubackReasonCode of(ReasonCode code) {
    return TABLE.get(code.value());
  }
}
