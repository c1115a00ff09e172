package dev.midge.codec.packet;

import dev.midge.codec.MqttPacketType;
import dev.midge.codec.property.Properties;
import java.util.List;
import java.util.Objects;

/** UNSUBSCRIBE: one or more topic filters to remove, under one packet identifier. */
public record Unsubscribe(int packetId, List<String> topicFilters, Properties properties)
    implements MqttPacket {

  public Unsubscribe {
    topicFilters = List.copyOf(topicFilters);
    Objects.requireNonNull(properties, "properties");
    if (packetId < 1 || packetId > 0xFFFF) {
      throw new IllegalArgumentException("packet id must be 1 to 65535, was " + packetId);
    }
  }

  @Override
  public MqttPacketType type() {
    return MqttPacketType.UNSUBSCRIBE;
  }
}
