package dev.midge.codec.packet;

import dev.midge.codec.MqttPacketType;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.PubrecReasonCode;
import java.util.Objects;

/**
 * PUBREC: a step of the QoS 2 flow for the message with this packet identifier. In MQTT 3.x only the
 * packet identifier is on the wire; the reason code is then always {@link PubrecReasonCode#SUCCESS}.
 */
public record Pubrec(int packetId, PubrecReasonCode reasonCode, Properties properties)
    implements MqttPacket {

  public Pubrec {
    Objects.requireNonNull(reasonCode, "reasonCode");
    Objects.requireNonNull(properties, "properties");
    if (packetId < 1 || packetId > 0xFFFF) {
      throw new IllegalArgumentException("packet id must be 1 to 65535, was " + packetId);
    }
  }

  /** A successful PUBREC without properties. */
  public Pubrec(int packetId) {
    this(packetId, PubrecReasonCode.SUCCESS, Properties.EMPTY);
  }

  @Override
  public MqttPacketType type() {
    return MqttPacketType.PUBREC;
  }
}
