package dev.midge.codec.reason;

import org.jspecify.annotations.Nullable;

/** Reason codes a DISCONNECT may carry in MQTT 5.0 (section 3.14.2.1). */
public enum DisconnectReasonCode implements PacketReasonCode {
  NORMAL_DISCONNECTION(0x00),
  DISCONNECT_WITH_WILL_MESSAGE(0x04),
  UNSPECIFIED_ERROR(0x80),
  MALFORMED_PACKET(0x81),
  PROTOCOL_ERROR(0x82),
  IMPLEMENTATION_SPECIFIC_ERROR(0x83),
  NOT_AUTHORIZED(0x87),
  SERVER_BUSY(0x89),
  SERVER_SHUTTING_DOWN(0x8B),
  KEEP_ALIVE_TIMEOUT(0x8D),
  SESSION_TAKEN_OVER(0x8E),
  TOPIC_FILTER_INVALID(0x8F),
  TOPIC_NAME_INVALID(0x90),
  RECEIVE_MAXIMUM_EXCEEDED(0x93),
  TOPIC_ALIAS_INVALID(0x94),
  PACKET_TOO_LARGE(0x95),
  MESSAGE_RATE_TOO_HIGH(0x96),
  QUOTA_EXCEEDED(0x97),
  ADMINISTRATIVE_ACTION(0x98),
  PAYLOAD_FORMAT_INVALID(0x99),
  RETAIN_NOT_SUPPORTED(0x9A),
  QOS_NOT_SUPPORTED(0x9B),
  USE_ANOTHER_SERVER(0x9C),
  SERVER_MOVED(0x9D),
  SHARED_SUBSCRIPTIONS_NOT_SUPPORTED(0x9E),
  CONNECTION_RATE_EXCEEDED(0x9F),
  MAXIMUM_CONNECT_TIME(0xA0),
  SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED(0xA1),
  WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED(0xA2);

  private static final ReasonCodeTable<DisconnectReasonCode> TABLE =
      new ReasonCodeTable<>(values(), DisconnectReasonCode::value);

  private final int value;

  DisconnectReasonCode(int value) {
    this.value = value;
  }

  @Override
  public int value() {
    return value;
  }

  /** The code with this byte, or null where this packet may not carry that byte. O(1). */
  public static @Nullable DisconnectReasonCode of(int value) {
    return TABLE.get(value);
  }

  /**
   * The code of this packet with the same byte as a general reason code, or null where this
   * packet may not carry it.
   */
  public static @Nullable DisconnectReasonCode of(ReasonCode code) {
    return TABLE.get(code.value());
  }
}
