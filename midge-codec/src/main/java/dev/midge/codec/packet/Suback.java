package dev.midge.codec.packet;

import dev.midge.codec.MqttPacketType;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.SubackReasonCode;
import java.util.List;
import java.util.Objects;

/**
 * SUBACK: one reason code per filter of the SUBSCRIBE, in the same order. For MQTT 3.x the encoder
 * writes every failure as 0x80.
 */
public record Suback(int packetId, List<SubackReasonCode> reasonCodes, Properties properties)
    implements MqttPacket {

  public Suback {
    reasonCodes = List.copyOf(reasonCodes);
    Objects.requireNonNull(properties, "properties");
    if (packetId < 1 || packetId > 0xFFFF) {
      throw new IllegalArgumentException("packet id must be 1 to 65535, was " + packetId);
    }
  }

  @Override
  public MqttPacketType type() {
    return MqttPacketType.SUBACK;
  }
}
