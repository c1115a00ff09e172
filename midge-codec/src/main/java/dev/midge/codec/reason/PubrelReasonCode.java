package dev.midge.codec.reason;

import org.jspecify.annotations.Nullable;

/** Reason codes a PUBREL may carry in MQTT 5.0 (section 3.6.2.1). */
public enum PubrelReasonCode implements PacketReasonCode {
  SUCCESS(0x00),
  PACKET_IDENTIFIER_NOT_FOUND(0x92);

  private static final ReasonCodeTable<PubrelReasonCode> TABLE =
      new ReasonCodeTable<>(values(), PubrelReasonCode::value);

  private final int value;

  PubrelReasonCode(int value) {
    this.value = value;
  }

  @Override
  public int value() {
    return value;
  }

  /** The code with this byte, or null where this packet may not carry that byte. O(1). */
  public static @Nullable PubrelReasonCode of(int value) {
    return TABLE.get(value);
  }

  /**
   * The code of this packet with the same byte as a general reason code, or null where this
   * packet may not carry it.
   */
  public static @Nullable PubrelReasonCode of(ReasonCode code) {
    return TABLE.get(code.value());
  }
}
