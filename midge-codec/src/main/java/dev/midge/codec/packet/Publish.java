package dev.midge.codec.packet;

import dev.midge.codec.MqttPacketType;
import dev.midge.codec.MqttQos;
import dev.midge.codec.property.Properties;
import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * PUBLISH: an application message on its way from a client to the server or from the server to a
 * subscriber.
 *
 * <p>The payload is a plain array that the decoder copied out of the network buffer, so nothing
 * downstream handles reference counts. It is shared, never copied, when one message goes to many
 * subscribers ({@link #withPacketId}, {@link #withQos} and friends keep the same array) and when
 * the encoder writes it; so nobody may change it once it is in a {@code Publish}.
 *
 * <p>{@code packetId} is 0 for QoS 0 and 1 to 65535 otherwise. In MQTT 5.0 the topic may be empty
 * when the properties carry a Topic Alias.
 */
public record Publish(
    String topic,
    MqttQos qos,
    boolean retain,
    boolean dup,
    int packetId,
    byte[] payload,
    Properties properties)
    implements MqttPacket {

  public Publish {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(qos, "qos");
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(properties, "properties");
    if (packetId < 0 || packetId > 0xFFFF) {
      throw new IllegalArgumentException("packet id must be 0 to 65535, was " + packetId);
    }
  }

  /** A QoS 0 message without properties. */
  public static Publish atMostOnce(String topic, byte[] payload) {
    return new Publish(topic, MqttQos.AT_MOST_ONCE, false, false, 0, payload, Properties.EMPTY);
  }

  @Override
  public MqttPacketType type() {
    return MqttPacketType.PUBLISH;
  }

  public Publish withTopic(String newTopic) {
    return new Publish(newTopic, qos, retain, dup, packetId, payload, properties);
  }

  public Publish withQos(MqttQos newQos) {
    return new Publish(topic, newQos, retain, dup, packetId, payload, properties);
  }

  public Publish withRetain(boolean newRetain) {
    return new Publish(topic, qos, newRetain, dup, packetId, payload, properties);
  }

  public Publish withDup(boolean newDup) {
    return new Publish(topic, qos, retain, newDup, packetId, payload, properties);
  }

  public Publish withPacketId(int newPacketId) {
    return new Publish(topic, qos, retain, dup, newPacketId, payload, properties);
  }

  public Publish withProperties(Properties newProperties) {
    return new Publish(topic, qos, retain, dup, packetId, payload, newProperties);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Publish p
        && topic.equals(p.topic)
        && qos == p.qos
        && retain == p.retain
        && dup == p.dup
        && packetId == p.packetId
        && Arrays.equals(payload, p.payload)
        && properties.equals(p.properties);
  }

  @Override
  public int hashCode() {
    return Objects.hash(topic, qos, retain, dup, packetId, Arrays.hashCode(payload), properties);
  }

  @Override
  public String toString() {
    return "Publish[topic=" + topic + ", qos=" + qos.value() + ", retain=" + retain + ", dup="
        + dup + ", packetId=" + packetId + ", payload=" + payload.length + " bytes, properties="
        + properties + "]";
  }
}
