package dev.midge.codec.packet;

import dev.midge.codec.MqttPacketType;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.AuthReasonCode;
import java.util.Objects;

/** AUTH (MQTT 5.0 only): a step of enhanced authentication. */
public record Auth(AuthReasonCode reasonCode, Properties properties) implements MqttPacket {

  public Auth {
    Objects.requireNonNull(reasonCode, "reasonCode");
    Objects.requireNonNull(properties, "properties");
  }

  @Override
  public MqttPacketType type() {
    return MqttPacketType.AUTH;
  }
}
