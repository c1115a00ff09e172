package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.broker.config.LimitsConfig;
import dev.midge.broker.config.MqttConfig;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.PacketEncoder;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Pubcomp;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Pubrec;
import dev.midge.codec.packet.Pubrel;
import dev.midge.codec.packet.Suback;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.packet.Unsuback;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.ConnackReasonCode;
import dev.midge.codec.reason.DisconnectReasonCode;
import dev.midge.codec.reason.PubackReasonCode;
import dev.midge.codec.reason.PubcompReasonCode;
import dev.midge.codec.reason.PubrecReasonCode;
import dev.midge.codec.reason.PubrelReasonCode;
import dev.midge.codec.reason.SubackReasonCode;
import dev.midge.codec.reason.UnsubackReasonCode;
import dev.midge.testkit.Frame;
import dev.midge.testkit.RawMqttConnection;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * MQTT 5 Reason Strings and Request Problem Information (§3.1.2.11.7): the broker's error answers
 * carry the text it logs for the cause — CONNACK refusals, PUBACK / PUBREC / PUBREL / PUBCOMP
 * errors, SUBACK refusals, server DISCONNECT — unless the client asked for no problem information
 * (then only CONNACK and DISCONNECT carry one, MQTT-3.1.2-29) or the Reason String would make the
 * packet larger than the client's Maximum Packet Size (then the packet goes without it:
 * MQTT-3.2.2-19, MQTT-3.4.2-2, MQTT-3.5.2-2, MQTT-3.6.2-2, MQTT-3.7.2-2, MQTT-3.9.2-1,
 * MQTT-3.11.2-1, MQTT-3.14.2-3). The broker sends no User Properties on these packets. MQTT 5
 * only.
 */
@DisplayName("Reason Strings and Request Problem Information (MQTT 5 §3.1.2.11.7)")
class ProblemInformationScenario extends ConformanceScenario {
  private static final MqttVersion V5 = MqttVersion.V5;
  private static final byte[] NOT_UTF8 = {(byte) 0xFF};

  private void startValidating() {
    startBroker(config().withMqtt(MqttConfig.DEFAULTS.withPayloadFormatValidation(true)));
  }

  /** A connected MQTT 5 client with Request Problem Information and Maximum Packet Size as given. */
  private RawMqttConnection client(String clientId, @Nullable Integer requestProblemInformation,
      @Nullable Long maximumPacketSize) {
    Properties.Builder p = Properties.builder();
    if (requestProblemInformation != null) {
      p.requestProblemInformation(requestProblemInformation);
    }
    if (maximumPacketSize != null) {
      p.maximumPacketSize(maximumPacketSize);
    }
    return client(Connect.builder(V5).clientId(clientId).keepAlive(0).cleanStart(true)
        .properties(p.build()).build());
  }

  private static Publish badPayload(int packetId) {
    return new Publish("pi/t", MqttQos.AT_LEAST_ONCE, false, false, packetId, NOT_UTF8,
        Properties.builder().payloadFormatIndicator(1).build());
  }

  /** The last frame received, for its exact size on the wire. */
  private static int lastSize(RawMqttConnection c) {
    var frames = c.received();
    Frame last = frames.get(frames.size() - 1);
    return last.bytes().length;
  }

  @Test
  @DisplayName("§3.4.2.2.2, §3.7.2.2.2, §3.9.2.1.2, §3.11.2.1.2: by default (Request Problem"
      + " Information absent = 1) PUBACK, PUBCOMP, SUBACK and UNSUBACK errors carry a Reason"
      + " String, and no User Property")
  void acks_whenProblemInformationRequested_thenReasonStrings() {
    startValidating();
    RawMqttConnection c = client("curious", null, null);

    c.send(badPayload(1));
    Puback ack = c.expect(Puback.class, WAIT);
    assertThat(ack.reasonCode()).isEqualTo(PubackReasonCode.PAYLOAD_FORMAT_INVALID);
    assertThat(ack.properties().reasonString()).isNotBlank();
    assertThat(ack.properties().userProperties()).isEmpty();

    c.send(new Pubrel(9));
    Pubcomp comp = c.expect(Pubcomp.class, WAIT);
    assertThat(comp.reasonCode()).isEqualTo(PubcompReasonCode.PACKET_IDENTIFIER_NOT_FOUND);
    assertThat(comp.properties().reasonString()).contains("9");

    Suback suback = c.subscribe(2, new Subscription("ok/#", MqttQos.AT_MOST_ONCE),
        new Subscription("a/#/b", MqttQos.AT_MOST_ONCE));
    assertThat(suback.reasonCodes()).containsExactly(SubackReasonCode.GRANTED_QOS_0,
        SubackReasonCode.TOPIC_FILTER_INVALID);
    assertThat(suback.properties().reasonString()).contains("a/#/b");

    Unsuback unsuback = c.unsubscribe(3, "ok/#", "x+y");
    assertThat(unsuback.reasonCodes()).containsExactly(UnsubackReasonCode.SUCCESS,
        UnsubackReasonCode.TOPIC_FILTER_INVALID);
    assertThat(unsuback.properties().reasonString()).contains("x+y");
  }

  @Test
  @DisplayName("MQTT-3.1.2-29: Request Problem Information 0 → no Reason String on PUBACK, PUBCOMP,"
      + " SUBACK or UNSUBACK; the reason codes stay")
  void acks_whenProblemInformationNotRequested_thenNoReasonStrings() {
    startValidating();
    RawMqttConnection c = client("quiet", 0, null);

    c.send(badPayload(1));
    Puback ack = c.expect(Puback.class, WAIT);
    assertThat(ack.reasonCode()).isEqualTo(PubackReasonCode.PAYLOAD_FORMAT_INVALID);
    assertThat(ack.properties().isEmpty()).isTrue();

    c.send(new Pubrel(9));
    Pubcomp comp = c.expect(Pubcomp.class, WAIT);
    assertThat(comp.reasonCode()).isEqualTo(PubcompReasonCode.PACKET_IDENTIFIER_NOT_FOUND);
    assertThat(comp.properties().isEmpty()).isTrue();

    Suback suback = c.subscribe(2, "a/#/b", MqttQos.AT_MOST_ONCE);
    assertThat(suback.reasonCodes()).containsExactly(SubackReasonCode.TOPIC_FILTER_INVALID);
    assertThat(suback.properties().isEmpty()).isTrue();

    Unsuback unsuback = c.unsubscribe(3, "x+y");
    assertThat(unsuback.reasonCodes()).containsExactly(UnsubackReasonCode.TOPIC_FILTER_INVALID);
    assertThat(unsuback.properties().isEmpty()).isTrue();
  }

  @Test
  @DisplayName("MQTT-3.1.2-29, §3.14.2.2.3: a server DISCONNECT carries the cause as its Reason"
      + " String, also when Request Problem Information is 0")
  void disconnect_whenProtocolError_thenReasonStringEvenIfNotRequested() {
    startBroker();
    for (Integer asked : new Integer[] {null, 0}) {
      RawMqttConnection c = client("alias-" + asked, asked, null);
      c.send(new Publish("pi/t", MqttQos.AT_MOST_ONCE, false, false, 0, bytes("x"),
          Properties.builder().topicAlias(11).build()));
      Disconnect d = c.expect(Disconnect.class, WAIT);
      assertThat(d.reasonCode()).isEqualTo(DisconnectReasonCode.TOPIC_ALIAS_INVALID);
      assertThat(d.properties().reasonString())
          .isEqualTo("topic alias 11 outside 1 to the topic alias maximum 10");
      c.expectClosed(WAIT);
    }
  }

  @Test
  @DisplayName("MQTT-3.1.2-29, §3.2.2.3.9: a CONNACK refusal carries the reason, also when Request"
      + " Problem Information is 0")
  void connack_whenRefused_thenReasonString() {
    startBroker(config(new LimitsConfig(LimitsConfig.DEFAULTS.maxPacketSize(), 23)));
    RawMqttConnection c = open(V5);
    Connack ack = c.connect(Connect.builder(V5).clientId("x".repeat(24)).keepAlive(0)
        .cleanStart(true).properties(Properties.builder().requestProblemInformation(0).build())
        .build());
    assertThat(ack.reasonCode()).isEqualTo(ConnackReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
    assertThat(ack.properties().reasonString()).contains("limits.max-client-id-length");
    c.expectClosed(WAIT);
  }

  @Test
  @DisplayName("MQTT-3.2.2-19: a CONNACK refusal whose Reason String would exceed the client's"
      + " Maximum Packet Size goes without it")
  void connack_whenReasonWouldNotFit_thenLeftOut() {
    startBroker(config(new LimitsConfig(LimitsConfig.DEFAULTS.maxPacketSize(), 23)));
    RawMqttConnection c = open(V5);
    Connack ack = c.connect(Connect.builder(V5).clientId("x".repeat(24)).keepAlive(0)
        .cleanStart(true).properties(Properties.builder().maximumPacketSize(20).build()).build());
    assertThat(ack.reasonCode()).isEqualTo(ConnackReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
    assertThat(ack.properties().isEmpty()).isTrue();
    assertThat(lastSize(c)).isLessThanOrEqualTo(20);
  }

  @Test
  @DisplayName("MQTT-3.4.2-2, MQTT-3.5.2-2, MQTT-3.6.2-2, MQTT-3.7.2-2, MQTT-3.9.2-1,"
      + " MQTT-3.11.2-1, MQTT-3.14.2-3: acknowledgements and DISCONNECT whose Reason String would"
      + " exceed the client's Maximum Packet Size go without it")
  void acksAndDisconnect_whenReasonWouldNotFit_thenLeftOut() {
    startValidating();
    long max = 32; // room for CONNACK, and the others with reason codes, not for their text
    RawMqttConnection c = client("tiny", null, max);

    c.send(badPayload(1));
    Puback ack = c.expect(Puback.class, WAIT);
    assertThat(ack.reasonCode()).isEqualTo(PubackReasonCode.PAYLOAD_FORMAT_INVALID);
    assertThat(ack.properties().isEmpty()).isTrue();
    assertThat(lastSize(c)).isLessThanOrEqualTo((int) max);

    c.send(badPayload(2).withQos(MqttQos.EXACTLY_ONCE));
    Pubrec rec = c.expect(Pubrec.class, WAIT);
    assertThat(rec.reasonCode()).isEqualTo(PubrecReasonCode.PAYLOAD_FORMAT_INVALID);
    assertThat(rec.properties().isEmpty()).isTrue();

    c.send(new Pubrel(3));
    Pubcomp comp = c.expect(Pubcomp.class, WAIT);
    assertThat(comp.reasonCode()).isEqualTo(PubcompReasonCode.PACKET_IDENTIFIER_NOT_FOUND);
    assertThat(comp.properties().isEmpty()).isTrue();

    c.send(new Pubrec(4));
    Pubrel rel = c.expect(Pubrel.class, WAIT);
    assertThat(rel.reasonCode()).isEqualTo(PubrelReasonCode.PACKET_IDENTIFIER_NOT_FOUND);
    assertThat(rel.properties().isEmpty()).isTrue();

    Suback suback = c.subscribe(5, "a/#/b", MqttQos.AT_MOST_ONCE);
    assertThat(suback.reasonCodes()).containsExactly(SubackReasonCode.TOPIC_FILTER_INVALID);
    assertThat(suback.properties().isEmpty()).isTrue();

    Unsuback unsuback = c.unsubscribe(6, "x+y");
    assertThat(unsuback.reasonCodes()).containsExactly(UnsubackReasonCode.TOPIC_FILTER_INVALID);
    assertThat(unsuback.properties().isEmpty()).isTrue();
    assertThat(c.received()).allSatisfy(f -> assertThat(f.bytes().length)
        .as("%s", f).isLessThanOrEqualTo((int) max));

    c.send(new Publish("pi/t", MqttQos.AT_MOST_ONCE, false, false, 0, bytes("x"),
        Properties.builder().topicAlias(0).build()));
    Disconnect d = c.expect(Disconnect.class, WAIT);
    assertThat(d.reasonCode()).isEqualTo(DisconnectReasonCode.TOPIC_ALIAS_INVALID);
    assertThat(d.properties().isEmpty()).isTrue();
    assertThat(lastSize(c)).isLessThanOrEqualTo((int) max);
  }

  @Test
  @DisplayName("MQTT-3.4.2-2: a Reason String that fits the client's Maximum Packet Size exactly"
      + " is sent")
  void puback_whenReasonFitsExactly_thenSent() {
    startValidating();
    RawMqttConnection probe = client("probe", null, null);
    probe.send(badPayload(1));
    Puback full = probe.expect(Puback.class, WAIT);
    int exact = PacketEncoder.encodedSize(full, V5);

    RawMqttConnection c = client("exact", null, (long) exact);
    c.send(badPayload(1));
    assertThat(c.expect(Puback.class, WAIT).properties().reasonString())
        .isEqualTo(full.properties().reasonString());
  }
}
