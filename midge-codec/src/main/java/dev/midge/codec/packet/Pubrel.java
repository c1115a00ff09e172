package dev.midge.codec.packet;

import dev.midge.codec.MqttPacketType;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.PubrelReasonCode;
import java.util.Objects;

/**
 * PUBREL: a step of the QoS 2 flow for the message with this packet identifier. In MQTT 3.x only the
 * packet identifier is on the wire; the reason code is then always {@link PubrelReasonCode#SUCCESS}.
 */
public record Pubrel(int packetId, PubrelReasonCode reasonCode, Properties properties)
    implements MqttPacket {

  public Pubrel {
    Objects.requireNonNull(reasonCode, "reasonCode");
    Objects.requireNonNull(properties, "properties");
    if (packetId < 1 || packetId > 0xFFFF) {
      throw new IllegalArgumentException("packet id must be 1 to 65535, was " + packetId);
    }
  }

  /** A successful PUBREL without properties. */
  public Pubrel(int packetId) {
    this(packetId, PubrelReasonCode.SUCCESS, Properties.EMPTY);
  }

  @Override
  public MqttPacketType type() {
    return MqttPacketType.PUBREL;
  }
}
