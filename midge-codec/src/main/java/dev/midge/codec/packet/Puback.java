package dev.midge.codec.packet;

import dev.midge.codec.MqttPacketType;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.PubackReasonCode;
import java.util.Objects;

/**
 * PUBACK: a step of the QoS 1 flow for the message with this packet identifier. In MQTT 3.x only the
 * packet identifier is on the wire; the reason code is then always {@link PubackReasonCode#SUCCESS}.
 */
public record Puback(int packetId, PubackReasonCode reasonCode, Properties properties)
    implements MqttPacket {

  public Puback {
    Objects.requireNonNull(reasonCode, "reasonCode");
    Objects.requireNonNull(properties, "properties");
    if (packetId < 1 || packetId > 0xFFFF) {
      throw new IllegalArgumentException("packet id must be 1 to 65535, was " + packetId);
    }
  }

  /** A successful PUBACK without properties. */
  public Puback(int packetId) {
    this(packetId, PubackReasonCode.SUCCESS, Properties.EMPTY);
  }

  @Override
  public MqttPacketType type() {
    return MqttPacketType.PUBACK;
  }
}
