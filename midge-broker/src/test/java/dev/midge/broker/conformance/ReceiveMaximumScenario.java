package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.broker.config.MqttConfig;
import dev.midge.broker.metrics.DisconnectCause;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Pubcomp;
import dev.midge.codec.packet.Pubrec;
import dev.midge.codec.packet.Pubrel;
import dev.midge.codec.reason.DisconnectReasonCode;
import dev.midge.testkit.RawMqttConnection;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * MQTT 5 Receive Maximum, client to broker (§3.2.2.3.3, §3.3.4, §4.9): CONNACK announces
 * mqtt.receive-maximum (here {@value #MAX}); a client with that many QoS 1 and 2 PUBLISHes
 * unacknowledged (QoS 2: until PUBCOMP) that sends one more gets DISCONNECT 0x93. MQTT 5 only.
 */
@DisplayName("Receive Maximum, client to broker (MQTT 5 MQTT-3.3.4-7, §3.3.4)")
class ReceiveMaximumScenario extends ConformanceScenario {
  private static final MqttVersion V5 = MqttVersion.V5;
  private static final int MAX = 20;

  @BeforeEach
  void start() {
    startBroker(config().withMqtt(MqttConfig.DEFAULTS.withReceiveMaximum(MAX)));
  }

  /** Sends QoS 2 PUBLISHes with packet ids {@code from} to {@code to}, each answered by PUBREC. */
  private static void qos2Unreleased(RawMqttConnection c, int from, int to) {
    for (int id = from; id <= to; id++) {
      c.send(publish("rm/t", MqttQos.EXACTLY_ONCE, id, "m"));
    }
    for (int id = from; id <= to; id++) {
      assertThat(c.expect(Pubrec.class, WAIT).packetId()).isEqualTo(id);
    }
  }

  private void assertReceiveMaximumExceeded(RawMqttConnection c) {
    assertThat(c.expect(Disconnect.class, WAIT).reasonCode())
        .isEqualTo(DisconnectReasonCode.RECEIVE_MAXIMUM_EXCEEDED);
    c.expectClosed(WAIT);
    awaitDisconnects(DisconnectCause.PROTOCOL_ERROR, 1);
  }

  @Test
  @DisplayName("§3.2.2.3.3: CONNACK announces the Receive Maximum")
  void connack_whenV5_thenAnnouncesReceiveMaximum() {
    Connack ack = open(V5).connect("rm-connack", 0, true);
    assertAccepted(ack);
    assertThat(ack.properties().receiveMaximum()).isEqualTo(MAX);
  }

  @Test
  @DisplayName("MQTT-3.3.4-7, §3.3.4: one QoS 2 PUBLISH past the Receive Maximum → DISCONNECT 0x93")
  void publish_whenQos2BeyondReceiveMaximum_thenDisconnect0x93() {
    RawMqttConnection c = client(V5, "rm-qos2");
    qos2Unreleased(c, 1, MAX);
    c.send(publish("rm/t", MqttQos.EXACTLY_ONCE, MAX + 1, "m"));
    assertReceiveMaximumExceeded(c);
  }

  @Test
  @DisplayName("MQTT-3.3.4-7, §3.3.4: a QoS 1 PUBLISH past the Receive Maximum → DISCONNECT 0x93")
  void publish_whenQos1BeyondReceiveMaximum_thenDisconnect0x93() {
    RawMqttConnection c = client(V5, "rm-qos1");
    qos2Unreleased(c, 1, MAX);
    c.send(publish("rm/t", MqttQos.AT_LEAST_ONCE, MAX + 1, "m"));
    assertReceiveMaximumExceeded(c);
  }

  @Test
  @DisplayName("§4.9: PUBCOMP frees a place; a DUP resend of an unreleased QoS 2 counts once")
  void publish_whenFlowsCompleteOrResent_thenWithinReceiveMaximum() {
    RawMqttConnection c = client(V5, "rm-within");
    qos2Unreleased(c, 1, MAX);
    // A resend of one still awaiting PUBREL takes no new place.
    c.send(publish("rm/t", MqttQos.EXACTLY_ONCE, 7, "m").withDup(true));
    assertThat(c.expect(Pubrec.class, WAIT).packetId()).isEqualTo(7);
    c.send(new Pubrel(1));
    assertThat(c.expect(Pubcomp.class, WAIT).packetId()).isEqualTo(1);
    c.send(publish("rm/t", MqttQos.AT_LEAST_ONCE, MAX + 1, "m"));
    assertThat(c.expect(Puback.class, WAIT).packetId()).isEqualTo(MAX + 1);
    c.send(publish("rm/t", MqttQos.EXACTLY_ONCE, MAX + 2, "m"));
    assertThat(c.expect(Pubrec.class, WAIT).packetId()).isEqualTo(MAX + 2);
    c.expectNothing(QUIET);
    assertThat(metrics().disconnects(DisconnectCause.PROTOCOL_ERROR)).isZero();
  }
}
