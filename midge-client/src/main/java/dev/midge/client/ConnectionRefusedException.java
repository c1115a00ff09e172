package dev.midge.client;

import dev.midge.codec.reason.ConnackReasonCode;

/** The broker answered CONNECT with a CONNACK that refuses the connection. */
public final class ConnectionRefusedException extends MqttClientException {
  private static final long serialVersionUID = 1L;

  private final ConnackReasonCode reasonCode;

  public ConnectionRefusedException(ConnackReasonCode reasonCode) {
    super("connection refused by the broker: " + reasonCode + " (0x"
        + Integer.toHexString(reasonCode.value()) + ")");
    this.reasonCode = reasonCode;
  }

  /** The CONNACK's reason code (for MQTT 3.1.1, the return code mapped to MQTT 5.0's). */
  public ConnackReasonCode reasonCode() {
    return reasonCode;
  }
}
