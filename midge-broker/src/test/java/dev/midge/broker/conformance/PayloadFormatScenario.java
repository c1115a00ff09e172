package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.MqttConfig;
import dev.midge.broker.metrics.DisconnectCause;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Pubcomp;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Pubrec;
import dev.midge.codec.packet.Pubrel;
import dev.midge.codec.packet.Will;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.ConnackReasonCode;
import dev.midge.codec.reason.DisconnectReasonCode;
import dev.midge.codec.reason.PubackReasonCode;
import dev.midge.codec.reason.PubcompReasonCode;
import dev.midge.codec.reason.PubrecReasonCode;
import dev.midge.testkit.RawMqttConnection;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * MQTT 5 Payload Format Indicator (§3.3.2.3.2, §3.1.3.2.3): forwarded unaltered (MQTT-3.3.2-4);
 * with {@code mqtt.payload-format-validation: true} a payload that says it is UTF-8 (indicator 1)
 * and is not gets 0x99 — PUBACK or PUBREC at QoS 1 or 2, DISCONNECT at QoS 0, CONNACK for a will —
 * is not routed, and is counted as {@code midge.messages.refused{cause="payload-format-invalid"}}.
 * MQTT 5 only: 3.x has no indicator.
 */
@DisplayName("Payload Format Indicator (MQTT 5 §3.3.2.3.2, MQTT-3.3.2-4): validation and 0x99")
class PayloadFormatScenario extends ConformanceScenario {
  private static final MqttVersion V5 = MqttVersion.V5;
  /** "(" after a lead byte that wants a continuation: not UTF-8. */
  private static final byte[] NOT_UTF8 = {'a', (byte) 0xC3, '(', 'b'};
  private static final Properties UTF8 = Properties.builder().payloadFormatIndicator(1).build();
  private static final String REFUSED = "payload-format-invalid";

  private void startValidating() {
    startBroker(config().withMqtt(MqttConfig.DEFAULTS.withPayloadFormatValidation(true)));
  }

  private static Publish declaredUtf8(String topic, MqttQos qos, int packetId, byte[] payload) {
    return new Publish(topic, qos, false, false, qos == MqttQos.AT_MOST_ONCE ? 0 : packetId,
        payload, UTF8);
  }

  private double refusedCount() {
    return counter("midge.messages.refused", "cause", REFUSED);
  }

  @Test
  @DisplayName("§3.3.2.3.2: QoS 1, indicator 1, not UTF-8 → PUBACK 0x99 with a Reason String; not"
      + " routed; the connection goes on")
  void publishQos1_whenNotUtf8_thenPuback0x99AndNotRouted() {
    startValidating();
    RawMqttConnection sub = subscriber(V5, "sub", "pf/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(V5, "pub");

    pub.send(declaredUtf8("pf/a", MqttQos.AT_LEAST_ONCE, 1, NOT_UTF8));

    Puback ack = pub.expect(Puback.class, WAIT);
    assertThat(ack.packetId()).isEqualTo(1);
    assertThat(ack.reasonCode()).isEqualTo(PubackReasonCode.PAYLOAD_FORMAT_INVALID);
    assertThat(ack.properties().reasonString()).contains("not UTF-8");
    publishFully(pub, publish("pf/a", MqttQos.AT_LEAST_ONCE, 2, "next"));
    assertThat(payloads(drain(sub))).containsExactly("next");
    assertThat(refusedCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("§3.3.2.3.2, MQTT-4.3.3-4: QoS 2, not UTF-8 → PUBREC 0x99, which ends the flow: a"
      + " PUBREL for it finds no identifier (PUBCOMP 0x92), and the identifier is free again")
  void publishQos2_whenNotUtf8_thenPubrec0x99AndFlowEnded() {
    startValidating();
    RawMqttConnection sub = subscriber(V5, "sub", "pf/#", MqttQos.EXACTLY_ONCE);
    RawMqttConnection pub = client(V5, "pub");

    pub.send(declaredUtf8("pf/b", MqttQos.EXACTLY_ONCE, 5, NOT_UTF8));

    Pubrec rec = pub.expect(Pubrec.class, WAIT);
    assertThat(rec.packetId()).isEqualTo(5);
    assertThat(rec.reasonCode()).isEqualTo(PubrecReasonCode.PAYLOAD_FORMAT_INVALID);
    assertThat(rec.properties().reasonString()).contains("not UTF-8");
    pub.send(new Pubrel(5));
    assertThat(pub.expect(Pubcomp.class, WAIT).reasonCode())
        .isEqualTo(PubcompReasonCode.PACKET_IDENTIFIER_NOT_FOUND);
    publishFully(pub, publish("pf/b", MqttQos.EXACTLY_ONCE, 5, "valid"));
    assertThat(payloads(drain(sub))).containsExactly("valid");
  }

  @Test
  @DisplayName("§3.3.2.3.2, §4.13: QoS 0, not UTF-8 → DISCONNECT 0x99 with a Reason String, then"
      + " closed")
  void publishQos0_whenNotUtf8_thenDisconnect0x99() {
    startValidating();
    RawMqttConnection sub = subscriber(V5, "sub", "pf/#", MqttQos.AT_MOST_ONCE);
    RawMqttConnection pub = client(V5, "pub");

    pub.send(declaredUtf8("pf/c", MqttQos.AT_MOST_ONCE, 0, NOT_UTF8));

    Disconnect d = pub.expect(Disconnect.class, WAIT);
    assertThat(d.reasonCode()).isEqualTo(DisconnectReasonCode.PAYLOAD_FORMAT_INVALID);
    assertThat(d.properties().reasonString()).contains("not UTF-8");
    pub.expectClosed(WAIT);
    awaitDisconnects(DisconnectCause.PROTOCOL_ERROR, 1);
    assertThat(drain(sub)).isEmpty();
    assertThat(refusedCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("§3.3.2.3.2, MQTT-3.3.1-5: a refused retained message is not retained")
  void publishRetained_whenNotUtf8_thenNotRetained() {
    startValidating();
    RawMqttConnection pub = client(V5, "pub");
    publishFully(pub, publish("pf/r", MqttQos.AT_LEAST_ONCE, 1, "kept").withRetain(true));

    pub.send(declaredUtf8("pf/r", MqttQos.AT_LEAST_ONCE, 2, NOT_UTF8).withRetain(true));
    assertThat(pub.expect(Puback.class, WAIT).reasonCode())
        .isEqualTo(PubackReasonCode.PAYLOAD_FORMAT_INVALID);

    RawMqttConnection late = subscriber(V5, "late", "pf/#", MqttQos.AT_LEAST_ONCE);
    assertThat(payloads(drain(late))).containsExactly("kept");
  }

  @Test
  @DisplayName("MQTT-3.3.2-4: well-formed UTF-8 (U+0000 and 4-byte forms included) with indicator"
      + " 1, and any bytes with indicator 0, are routed with the indicator unaltered")
  void publish_whenWellFormedOrUnspecified_thenRoutedWithIndicatorUnaltered() {
    startValidating();
    RawMqttConnection sub = subscriber(V5, "sub", "pf/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(V5, "pub");
    byte[] text = "a\u0000é€😀".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    Properties binary = Properties.builder().payloadFormatIndicator(0).build();

    publishFully(pub, declaredUtf8("pf/text", MqttQos.AT_LEAST_ONCE, 1, text));
    publishFully(pub, declaredUtf8("pf/bytes", MqttQos.AT_LEAST_ONCE, 2, NOT_UTF8)
        .withProperties(binary));
    publishFully(pub, declaredUtf8("pf/none", MqttQos.AT_LEAST_ONCE, 3, NOT_UTF8)
        .withProperties(Properties.EMPTY));

    List<Publish> got = drain(sub);
    assertThat(topics(got)).containsExactly("pf/text", "pf/bytes", "pf/none");
    assertThat(got.get(0).payload()).isEqualTo(text);
    assertThat(got.get(0).properties().payloadFormatIndicator()).isEqualTo(1);
    assertThat(got.get(1).properties().payloadFormatIndicator()).isEqualTo(0);
    assertThat(got.get(2).properties().payloadFormatIndicator()).isNull();
    assertThat(refusedCount()).isZero();
  }

  @Test
  @DisplayName("MQTT-3.3.2-4: with validation off (the default) a payload that is not UTF-8 is"
      + " routed as it came, indicator included")
  void publish_whenValidationOff_thenRoutedUnaltered() {
    startBroker();
    RawMqttConnection sub = subscriber(V5, "sub", "pf/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(V5, "pub");

    publishFully(pub, declaredUtf8("pf/a", MqttQos.AT_LEAST_ONCE, 1, NOT_UTF8));

    List<Publish> got = drain(sub);
    assertThat(got).hasSize(1);
    assertThat(got.get(0).payload()).isEqualTo(NOT_UTF8);
    assertThat(got.get(0).properties().payloadFormatIndicator()).isEqualTo(1);
  }

  @Test
  @DisplayName("§3.1.3.2.3: a will with indicator 1 whose payload is not UTF-8 → CONNACK 0x99 with"
      + " a Reason String, then closed")
  void connect_whenWillNotUtf8_thenConnack0x99() {
    startValidating();
    RawMqttConnection c = open(V5);
    Will will = new Will("pf/will", NOT_UTF8, MqttQos.AT_LEAST_ONCE, false, UTF8);

    Connack ack = c.connect("bad-will", 0, true, will);

    assertThat(ack.reasonCode()).isEqualTo(ConnackReasonCode.PAYLOAD_FORMAT_INVALID);
    assertThat(ack.sessionPresent()).isFalse();
    assertThat(ack.properties().reasonString()).contains("will").contains("not UTF-8");
    c.expectClosed(WAIT);
    awaitDisconnects(DisconnectCause.CONNECT_REFUSED, 1);
    assertThat(refusedCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("§3.1.3.2.3: a will with a well-formed UTF-8 payload is accepted and published with"
      + " its indicator")
  void connect_whenWillUtf8_thenAcceptedAndPublishedWithIndicator() {
    startValidating();
    RawMqttConnection watcher = subscriber(V5, "watcher", "pf/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection c = client(V5, "good-will", 0,
        new Will("pf/will", bytes("adieu"), MqttQos.AT_LEAST_ONCE, false, UTF8));

    c.abort();

    List<Publish> got = drain(watcher);
    assertThat(payloads(got)).containsExactly("adieu");
    assertThat(got.get(0).properties().payloadFormatIndicator()).isEqualTo(1);
  }

  @Test
  @DisplayName("§3.1.3.2.3: with validation off a will that is not UTF-8 is accepted")
  void connect_whenValidationOffAndWillNotUtf8_thenAccepted() {
    startBroker(BrokerConfig.defaults().withListeners(config().listeners()));
    client(V5, "lenient", 0, new Will("pf/will", NOT_UTF8, MqttQos.AT_LEAST_ONCE, false, UTF8));
  }
}
