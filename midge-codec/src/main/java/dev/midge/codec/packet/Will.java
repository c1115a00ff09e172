package dev.midge.codec.packet;

import dev.midge.codec.MqttQos;
import dev.midge.codec.property.Properties;
import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The will of a CONNECT: the message the server publishes when the connection ends without a
 * DISCONNECT. The payload array is owned by the record; do not change it.
 */
public record Will(
    String topic, byte[] payload, MqttQos qos, boolean retain, Properties properties) {

  public Will {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(qos, "qos");
    Objects.requireNonNull(properties, "properties");
  }

  /** A will without properties. */
  public Will(String topic, byte[] payload, MqttQos qos, boolean retain) {
    this(topic, payload, qos, retain, Properties.EMPTY);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Will w
        && topic.equals(w.topic)
        && Arrays.equals(payload, w.payload)
        && qos == w.qos
        && retain == w.retain
        && properties.equals(w.properties);
  }

  @Override
  public int hashCode() {
    return Objects.hash(topic, Arrays.hashCode(payload), qos, retain, properties);
  }

  @Override
  public String toString() {
    return "Will[topic=" + topic + ", payload=" + payload.length + " bytes, qos=" + qos.value()
        + ", retain=" + retain + ", properties=" + properties + "]";
  }
}
