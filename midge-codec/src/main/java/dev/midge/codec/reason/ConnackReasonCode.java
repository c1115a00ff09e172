package dev.midge.codec.reason;

import org.jspecify.annotations.Nullable;

/** Reason codes a CONNACK may carry in MQTT 5.0 (section 3.2.2.2); see {@link ConnectReturnCode} for 3.1 / 3.1.1. */
public enum ConnackReasonCode implements PacketReasonCode {
  SUCCESS(0x00),
  UNSPECIFIED_ERROR(0x80),
  MALFORMED_PACKET(0x81),
  PROTOCOL_ERROR(0x82),
  IMPLEMENTATION_SPECIFIC_ERROR(0x83),
  UNSUPPORTED_PROTOCOL_VERSION(0x84),
  CLIENT_IDENTIFIER_NOT_VALID(0x85),
  BAD_USER_NAME_OR_PASSWORD(0x86),
  NOT_AUTHORIZED(0x87),
  SERVER_UNAVAILABLE(0x88),
  SERVER_BUSY(0x89),
  BANNED(0x8A),
  BAD_AUTHENTICATION_METHOD(0x8C),
  TOPIC_NAME_INVALID(0x90),
  PACKET_TOO_LARGE(0x95),
  QUOTA_EXCEEDED(0x97),
  PAYLOAD_FORMAT_INVALID(0x99),
  RETAIN_NOT_SUPPORTED(0x9A),
  QOS_NOT_SUPPORTED(0x9B),
  USE_ANOTHER_SERVER(0x9C),
  SERVER_MOVED(0x9D),
  CONNECTION_RATE_EXCEEDED(0x9F);

  private static final ReasonCodeTable<ConnackReasonCode> TABLE =
      new ReasonCodeTable<>(values(), ConnackReasonCode::value);

  private final int value;

  ConnackReasonCode(int value) {
    this.value = value;
  }

  @Override
  public int value() {
    return value;
  }

  /** The code with this byte, or null where this packet may not carry that byte. O(1). */
  public static @Nullable ConnackReasonCode of(int value) {
    return TABLE.get(value);
  }

  /**
   * The code of this packet with the same byte as a general reason code, or null where this
   * packet may not carry it.
   */
  public static @Nullable ConnackReasonCode of(ReasonCode code) {
    return TABLE.get(code.value());
  }
}
