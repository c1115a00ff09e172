package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Pubcomp;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Pubrec;
import dev.midge.codec.packet.Pubrel;
import dev.midge.codec.reason.PubcompReasonCode;
import dev.midge.codec.reason.PubrelReasonCode;
import dev.midge.testkit.RawMqttConnection;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The QoS 2 acknowledgements for a packet identifier the broker does not know: a PUBREL is still
 * answered with PUBCOMP and a PUBREC with PUBREL, with the same identifier; MQTT 5 says why with
 * 0x92 (Packet Identifier not found) and a Reason String, MQTT 3.x has no reason code to say it.
 */
@DisplayName("QoS 2 acknowledgements for unknown packet identifiers (0x92 in MQTT 5)")
class PacketIdentifierNotFoundScenario extends ConformanceScenario {

  @BeforeEach
  void start() {
    startBroker();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.6.4-1 (3.1.1), MQTT-4.3.3-11, §3.7.2.1 (5.0): PUBREL for an identifier no"
      + " QoS 2 message awaits → PUBCOMP with it (5.0: 0x92 and a Reason String)")
  void pubrel_whenUnknownPacketId_thenPubcompNotFound(MqttVersion version) {
    RawMqttConnection c = client(version, "stray-pubrel");

    c.send(new Pubrel(42));

    Pubcomp comp = c.expect(Pubcomp.class, WAIT);
    assertThat(comp.packetId()).isEqualTo(42);
    if (version.isV5()) {
      assertThat(comp.reasonCode()).isEqualTo(PubcompReasonCode.PACKET_IDENTIFIER_NOT_FOUND);
      assertThat(comp.properties().reasonString()).contains("42");
    } else {
      assertThat(comp.reasonCode()).isEqualTo(PubcompReasonCode.SUCCESS);
    }
    assertBrokerStillServes(version);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-4.3.3-11 (5.0): after PUBCOMP the identifier is unknown again: a second PUBREL"
      + " for it gets 0x92, and a PUBLISH with it is a new message")
  void pubrel_whenRepeatedAfterPubcomp_thenSecondNotFound(MqttVersion version) {
    RawMqttConnection sub = subscriber(version, "sub", "pid/#", MqttQos.EXACTLY_ONCE);
    RawMqttConnection pub = client(version, "pub");
    publishFully(pub, publish("pid/a", MqttQos.EXACTLY_ONCE, 7, "one"));

    pub.send(new Pubrel(7));
    Pubcomp again = pub.expect(Pubcomp.class, WAIT);
    assertThat(again.reasonCode()).isEqualTo(version.isV5()
        ? PubcompReasonCode.PACKET_IDENTIFIER_NOT_FOUND : PubcompReasonCode.SUCCESS);
    publishFully(pub, publish("pid/a", MqttQos.EXACTLY_ONCE, 7, "two"));

    assertThat(payloads(drain(sub))).containsExactly("one", "two");
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-4.3.3-4, §3.6.2.1 (5.0): PUBREC for an identifier no QoS 2 message in flight"
      + " has → PUBREL with it (5.0: 0x92 and a Reason String); a real flow is unaffected")
  void pubrec_whenUnknownPacketId_thenPubrelNotFound(MqttVersion version) {
    RawMqttConnection sub = subscriber(version, "sub", "pid/#", MqttQos.EXACTLY_ONCE);

    sub.send(new Pubrec(99));

    Pubrel rel = sub.expect(Pubrel.class, WAIT);
    assertThat(rel.packetId()).isEqualTo(99);
    if (version.isV5()) {
      assertThat(rel.reasonCode()).isEqualTo(PubrelReasonCode.PACKET_IDENTIFIER_NOT_FOUND);
      assertThat(rel.properties().reasonString()).contains("99");
    } else {
      assertThat(rel.reasonCode()).isEqualTo(PubrelReasonCode.SUCCESS);
    }
    sub.send(new Pubcomp(99)); // completes nothing: the broker has no such message
    publishFully(client(version, "pub"), publish("pid/b", MqttQos.EXACTLY_ONCE, 1, "real"));
    Publish p = sub.expect(Publish.class, WAIT);
    assertThat(text(p.payload())).isEqualTo("real");
    acknowledge(sub, p);
    sub.expectNothing(QUIET);
  }
}
