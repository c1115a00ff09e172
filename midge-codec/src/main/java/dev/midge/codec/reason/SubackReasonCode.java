package dev.midge.codec.reason;

import org.jspecify.annotations.Nullable;

/** Reason codes a SUBACK may carry, one per topic filter (MQTT 5.0 section 3.9.3; in 3.1.1 only the granted QoS values and 0x80). */
public enum SubackReasonCode implements PacketReasonCode {
  GRANTED_QOS_0(0x00),
  GRANTED_QOS_1(0x01),
  GRANTED_QOS_2(0x02),
  UNSPECIFIED_ERROR(0x80),
  IMPLEMENTATION_SPECIFIC_ERROR(0x83),
  NOT_AUTHORIZED(0x87),
  TOPIC_FILTER_INVALID(0x8F),
  PACKET_IDENTIFIER_IN_USE(0x91),
  QUOTA_EXCEEDED(0x97),
  SHARED_SUBSCRIPTIONS_NOT_SUPPORTED(0x9E),
  SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED(0xA1),
  WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED(0xA2);

  private static final ReasonCodeTable<SubackReasonCode> TABLE =
      new ReasonCodeTable<>(values(), SubackReasonCode::value);

  private final int value;

  SubackReasonCode(int value) {
    this.value = value;
  }

  @Override
  public int value() {
    return value;
  }

  /** The code with this byte, or null where this packet may not carry that byte. O(1). */
  public static @Nullable SubackReasonCode of(int value) {
    return TABLE.get(value);
  }

  /**
   * The code of this packet with the same byte as a general reason code, or null where this
   * packet may not carry it.
   */
  public static @Nullable SubackReasonCode of(ReasonCode code) {
    return TABLE.get(code.value());
  }
}
