package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.PacketEncoder;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.property.Properties;
import dev.midge.testkit.RawMqttConnection;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The client's Maximum Packet Size (MQTT 5 §3.1.2.11.4): the broker sends no packet larger
 * (MQTT-3.1.2-24); a message too large for a subscriber is not sent to it, counted as {@code
 * midge.messages.dropped{cause="packet-too-large"}}, and, for QoS 1 and 2, takes no place in the
 * in-flight window (MQTT-3.1.2-25: as if its delivery were complete). MQTT 5 only.
 */
@DisplayName("Maximum Packet Size of the client (MQTT 5 MQTT-3.1.2-24, MQTT-3.1.2-25)")
class MaximumPacketSizeScenario extends ConformanceScenario {
  private static final MqttVersion V5 = MqttVersion.V5;
  private static final String TOO_LARGE = "packet-too-large";

  @BeforeEach
  void start() {
    startBroker();
  }

  /** A subscriber to {@code filter} allowing packets up to {@code max} bytes, receive maximum 1. */
  private RawMqttConnection subscriber(String clientId, long max, String filter, MqttQos qos) {
    RawMqttConnection c = client(Connect.builder(V5).clientId(clientId).keepAlive(0)
        .cleanStart(true)
        .properties(Properties.builder().maximumPacketSize(max).receiveMaximum(1).build())
        .build());
    c.subscribe(1, filter, qos);
    return c;
  }

  /** The size of the PUBLISH a subscriber gets for {@code topic} with {@code payload}. */
  private static int sizeOf(String topic, MqttQos qos, String payload) {
    return PacketEncoder.encodedSize(publish(topic, qos, 1, payload), V5);
  }

  @Test
  @DisplayName("MQTT-3.1.2-24/-25: QoS 1 too large is dropped, counted, not left in flight")
  void deliver_whenQos1TooLarge_thenDroppedCountedAndWindowFree() {
    int max = sizeOf("mps/q1", MqttQos.AT_LEAST_ONCE, "x".repeat(50));
    RawMqttConnection sub = subscriber("mps-q1", max, "mps/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(V5, "mps-q1-pub");
    publishFully(pub, publish("mps/q1", MqttQos.AT_LEAST_ONCE, 1, "x".repeat(51)));
    publishFully(pub, publish("mps/q1", MqttQos.AT_LEAST_ONCE, 2, "x".repeat(50)));
    publishFully(pub, publish("mps/q1", MqttQos.EXACTLY_ONCE, 3, "y".repeat(100)));
    publishFully(pub, publish("mps/q1", MqttQos.AT_LEAST_ONCE, 4, "small"));
    // Receive Maximum 1: had a dropped message kept a place in flight, "small" would never come.
    List<Publish> got = drain(sub);
    assertThat(payloads(got)).containsExactly("x".repeat(50), "small");
    assertThat(got.get(0).packetId()).as("no packet id spent on the dropped one").isEqualTo(1);
    assertThat(counter("midge.messages.dropped", "cause", TOO_LARGE)).isEqualTo(2);
  }

  @Test
  @DisplayName("MQTT-3.1.2-24/-25: QoS 0 too large is dropped and counted; others still go")
  void deliver_whenQos0TooLarge_thenDroppedAndCounted() {
    RawMqttConnection sub = subscriber("mps-q0", 64, "mps/#", MqttQos.AT_MOST_ONCE);
    RawMqttConnection pub = client(V5, "mps-q0-pub");
    publishFully(pub, publish("mps/q0", MqttQos.AT_MOST_ONCE, 0, "z".repeat(200)));
    publishFully(pub, publish("mps/q0", MqttQos.AT_MOST_ONCE, 0, "fits"));
    assertThat(payloads(drain(sub))).containsExactly("fits");
    assertThat(counter("midge.messages.dropped", "cause", TOO_LARGE)).isEqualTo(1);
  }

  @Test
  @DisplayName("MQTT-3.1.2-24: a subscriber without a maximum gets it; queued messages checked")
  void deliver_whenQueuedWhileWindowFull_thenCheckedWhenSent() {
    int max = sizeOf("mps/qq", MqttQos.AT_LEAST_ONCE, "a");
    RawMqttConnection small = subscriber("mps-small", max, "mps/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection any = subscriber(V5, "mps-any", "mps/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(V5, "mps-qq-pub");
    publishFully(pub, publish("mps/qq", MqttQos.AT_LEAST_ONCE, 1, "a")); // fills the window of 1
    publishFully(pub, publish("mps/qq", MqttQos.AT_LEAST_ONCE, 2, "bb")); // queued, too large
    publishFully(pub, publish("mps/qq", MqttQos.AT_LEAST_ONCE, 3, "c")); // queued
    Publish first = small.expect(Publish.class, WAIT);
    small.expectNothing(QUIET);
    small.send(new Puback(first.packetId()));
    assertThat(payloads(drain(small))).containsExactly("c");
    assertThat(payloads(drain(any))).containsExactly("a", "bb", "c");
    assertThat(counter("midge.messages.dropped", "cause", TOO_LARGE)).isEqualTo(1);
  }
}
