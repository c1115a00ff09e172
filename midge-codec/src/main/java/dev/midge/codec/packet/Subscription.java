package dev.midge.codec.packet;

import dev.midge.codec.MqttQos;
import java.util.Objects;

/**
 * One topic filter of a SUBSCRIBE with its options. In MQTT 3.x only the filter and the maximum
 * QoS exist; the other options then keep their defaults (false, false, send on subscribe).
 */
public record Subscription(
    String topicFilter,
    MqttQos qos,
    boolean noLocal,
    boolean retainAsPublished,
    RetainHandling retainHandling) {

  public Subscription {
    Objects.requireNonNull(topicFilter, "topicFilter");
    Objects.requireNonNull(qos, "qos");
    Objects.requireNonNull(retainHandling, "retainHandling");
  }

  /** A subscription with the MQTT 3.x options only. */
  public Subscription(String topicFilter, MqttQos qos) {
    this(topicFilter, qos, false, false, RetainHandling.SEND_ON_SUBSCRIBE);
  }
}
