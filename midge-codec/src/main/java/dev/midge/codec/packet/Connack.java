package dev.midge.codec.packet;

import dev.midge.codec.MqttPacketType;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.ConnackReasonCode;
import java.util.Objects;

/**
 * CONNACK: the server's answer to CONNECT. The outcome is an MQTT 5.0 reason code whatever the
 * version; for 3.1 / 3.1.1 the codec maps it to a return code (see {@link
 * dev.midge.codec.reason.ConnectReturnCode#fromReasonCode}).
 */
public record Connack(boolean sessionPresent, ConnackReasonCode reasonCode, Properties properties)
    implements MqttPacket {

  public Connack {
    Objects.requireNonNull(reasonCode, "reasonCode");
    Objects.requireNonNull(properties, "properties");
  }

  /** A CONNACK without properties. */
  public Connack(boolean sessionPresent, ConnackReasonCode reasonCode) {
    this(sessionPresent, reasonCode, Properties.EMPTY);
  }

  @Override
  public MqttPacketType type() {
    return MqttPacketType.CONNACK;
  }
}
