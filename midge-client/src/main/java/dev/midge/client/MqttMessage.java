package dev.midge.client;

import dev.midge.codec.MqttQos;
import dev.midge.codec.property.Properties;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An application message received from the broker.
 *
 * <p>The payload array is the client's copy, handed to you and not used again: keep it or change
 * it as you like. {@code properties} are the MQTT 5.0 PUBLISH properties, empty for MQTT 3.1.1.
 *
 * @param topic the topic the message was published to
 * @param payload the payload bytes
 * @param qos the QoS it was delivered with (the lower of the publisher's and the subscription's)
 * @param retain whether it is a retained message sent because of a new subscription
 * @param dup whether the broker marked it as a possible redelivery
 * @param properties the MQTT 5.0 properties of the PUBLISH, {@link Properties#EMPTY} for 3.1.1
 */
public record MqttMessage(
    String topic, byte[] payload, MqttQos qos, boolean retain, boolean dup,
    Properties properties) {

  public MqttMessage {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(qos, "qos");
    Objects.requireNonNull(properties, "properties");
  }

  /** The payload decoded as UTF-8 (malformed sequences replaced, never thrown). */
  public String payloadAsString() {
    return new String(payload, StandardCharsets.UTF_8);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof MqttMessage m && topic.equals(m.topic) && Arrays.equals(payload, m.payload)
        && qos == m.qos && retain == m.retain && dup == m.dup && properties.equals(m.properties);
  }

  @Override
  public int hashCode() {
    return Objects.hash(topic, Arrays.hashCode(payload), qos, retain, dup, properties);
  }

  @Override
  public String toString() {
    return "MqttMessage[topic=" + topic + ", qos=" + qos.value() + ", retain=" + retain
        + ", dup=" + dup + ", payload=" + payload.length + " bytes]";
  }
}
