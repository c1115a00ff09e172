package dev.midge.codec.reason;

import org.jspecify.annotations.Nullable;

/** Reason codes an AUTH packet may carry (MQTT 5.0 section 3.15.2.1). */
public enum AuthReasonCode implements PacketReasonCode {
  SUCCESS(0x00),
  CONTINUE_AUTHENTICATION(0x18),
  RE_AUTHENTICATE(0x19);

  private static final ReasonCodeTable<AuthReasonCode> TABLE =
      new ReasonCodeTable<>(values(), AuthReasonCode::value);

  private final int value;

  AuthReasonCode(int value) {
    this.value = value;
  }

  @Override
  public int value() {
    return value;
  }

  /** The code with this byte, or null where this packet may not carry that byte. O(1). */
  public static @Nullable AuthReasonCode of(int value) {
    return TABLE.get(value);
  }

  /**
   * The code of this packet with the same byte as a general reason code, or null where this
   * packet may not carry it.
   */
  public static @Nullable AuthReasonCode of(ReasonCode code) {
    return TABLE.get(code.value());
  }
}
