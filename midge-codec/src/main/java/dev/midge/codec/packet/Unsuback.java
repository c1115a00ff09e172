package dev.midge.codec.packet;

import dev.midge.codec.MqttPacketType;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.UnsubackReasonCode;
import java.util.List;
import java.util.Objects;

/**
 * UNSUBACK: in MQTT 5.0 one reason code per filter of the UNSUBSCRIBE; MQTT 3.x has no payload, so
 * the list is empty when decoded from a 3.x peer and ignored when encoded for one.
 */
public record Unsuback(int packetId, List<UnsubackReasonCode> reasonCodes, Properties properties)
    implements MqttPacket {

  public Unsuback {
    reasonCodes = List.copyOf(reasonCodes);
    Objects.requireNonNull(properties, "properties");
    if (packetId < 1 || packetId > 0xFFFF) {
      throw new IllegalArgumentException("packet id must be 1 to 65535, was " + packetId);
    }
  }

  @Override
  public MqttPacketType type() {
    return MqttPacketType.UNSUBACK;
  }
}
