package dev.midge.codec.packet;

import dev.midge.codec.MqttPacketType;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.PubcompReasonCode;
import java.util.Objects;

/**
 * PUBCOMP: a step of the QoS 2 flow for the message with this packet identifier. In MQTT 3.x only the
 * packet identifier is on the wire; the reason code is then always {@link PubcompReasonCode#SUCCESS}.
 */
public record Pubcomp(int packetId, PubcompReasonCode reasonCode, Properties properties)
    implements MqttPacket {

  public Pubcomp {
    Objects.requireNonNull(reasonCode, "reasonCode");
    Objects.requireNonNull(properties, "properties");
    if (packetId < 1 || packetId > 0xFFFF) {
      throw new IllegalArgumentException("packet id must be 1 to 65535, was " + packetId);
    }
  }

  /** A successful PUBCOMP without properties. */
  public Pubcomp(int packetId) {
    this(packetId, PubcompReasonCode.SUCCESS, Properties.EMPTY);
  }

  @Override
  public MqttPacketType type() {
    return MqttPacketType.PUBCOMP;
  }
}
