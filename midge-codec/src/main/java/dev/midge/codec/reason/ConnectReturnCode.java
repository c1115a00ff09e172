package dev.midge.codec.reason;

import org.jspecify.annotations.Nullable;

/**
 * The CONNACK return codes of MQTT 3.1 and 3.1.1 (3.1.1 section 3.2.2.3), and their counterparts
 * among the reason codes of MQTT 5.0.
 *
 * <p>Midge carries CONNACK outcomes as {@link ConnackReasonCode}s whatever the version; the codec
 * maps them to these six codes when it writes a CONNACK for a 3.x client, and back when it reads
 * one.
 */
public enum ConnectReturnCode {
  ACCEPTED(0, ConnackReasonCode.SUCCESS),
  UNACCEPTABLE_PROTOCOL_VERSION(1, ConnackReasonCode.UNSUPPORTED_PROTOCOL_VERSION),
  IDENTIFIER_REJECTED(2, ConnackReasonCode.CLIENT_IDENTIFIER_NOT_VALID),
  SERVER_UNAVAILABLE(3, ConnackReasonCode.SERVER_UNAVAILABLE),
  BAD_USER_NAME_OR_PASSWORD(4, ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD),
  NOT_AUTHORIZED(5, ConnackReasonCode.NOT_AUTHORIZED);

  private static final ConnectReturnCode[] BY_VALUE = values();

  private final int value;
  private final ConnackReasonCode v5;

  ConnectReturnCode(int value, ConnackReasonCode v5) {
    this.value = value;
    this.v5 = v5;
  }

  /** The byte on the wire. */
  public int value() {
    return value;
  }

  /** The MQTT 5.0 reason code that means the same. */
  public ConnackReasonCode toReasonCode() {
    return v5;
  }

  /** The return code for a byte, or null for the reserved values 6 to 255. */
  public static @Nullable ConnectReturnCode of(int value) {
    return value >= 0 && value < BY_VALUE.length ? BY_VALUE[value] : null;
  }

  /**
   * The 3.x return code closest to an MQTT 5.0 reason code, the way Mosquitto and HiveMQ map them:
   * codes with an exact counterpart map to it; authentication failures to {@link #NOT_AUTHORIZED}
   * or {@link #BAD_USER_NAME_OR_PASSWORD}; everything else to {@link #SERVER_UNAVAILABLE}.
   */
  public static ConnectReturnCode fromReasonCode(ConnackReasonCode code) {
    return switch (code) {
      case SUCCESS -> ACCEPTED;
      case UNSUPPORTED_PROTOCOL_VERSION -> UNACCEPTABLE_PROTOCOL_VERSION;
      case CLIENT_IDENTIFIER_NOT_VALID -> IDENTIFIER_REJECTED;
      case BAD_USER_NAME_OR_PASSWORD, BAD_AUTHENTICATION_METHOD -> BAD_USER_NAME_OR_PASSWORD;
      case NOT_AUTHORIZED, BANNED -> NOT_AUTHORIZED;
      default -> SERVER_UNAVAILABLE;
    };
  }
}
