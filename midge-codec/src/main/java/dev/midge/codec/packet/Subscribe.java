package dev.midge.codec.packet;

import dev.midge.codec.MqttPacketType;
import dev.midge.codec.property.Properties;
import java.util.List;
import java.util.Objects;

/** SUBSCRIBE: one or more topic filters with their options, under one packet identifier. */
public record Subscribe(int packetId, List<Subscription> subscriptions, Properties properties)
    implements MqttPacket {

  public Subscribe {
    subscriptions = List.copyOf(subscriptions);
    Objects.requireNonNull(properties, "properties");
    if (packetId < 1 || packetId > 0xFFFF) {
      throw new IllegalArgumentException("packet id must be 1 to 65535, was " + packetId);
    }
  }

  @Override
  public MqttPacketType type() {
    return MqttPacketType.SUBSCRIBE;
  }
}
