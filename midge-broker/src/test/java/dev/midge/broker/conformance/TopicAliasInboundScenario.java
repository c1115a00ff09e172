package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.broker.config.MqttConfig;
import dev.midge.broker.metrics.DisconnectCause;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.DisconnectReasonCode;
import dev.midge.testkit.RawMqttConnection;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * MQTT 5 Topic Aliases from client to broker (§3.3.2.3.4): CONNACK announces a Topic Alias
 * Maximum of mqtt.topic-alias-maximum (10 by default; other values and 0 are in {@link
 * CapabilitiesScenario}); a PUBLISH with a topic and an alias sets
 * the alias on this connection, one with an empty topic uses it; an alias of 0, above the maximum,
 * or not set on this connection is DISCONNECT 0x94. The alias is never forwarded. MQTT 5 only.
 */
@DisplayName("Topic aliases, client to broker (MQTT 5 §3.3.2.3.4)")
class TopicAliasInboundScenario extends ConformanceScenario {
  private static final MqttVersion V5 = MqttVersion.V5;
  private static final int MAX = MqttConfig.DEFAULTS.topicAliasMaximum();

  @BeforeEach
  void start() {
    startBroker();
  }

  private static Publish aliased(String topic, int alias, String payload) {
    return new Publish(topic, MqttQos.AT_LEAST_ONCE, false, false, 1, bytes(payload),
        Properties.builder().topicAlias(alias).build());
  }

  private void assertTopicAliasInvalid(RawMqttConnection c) {
    assertThat(c.expect(Disconnect.class, WAIT).reasonCode())
        .isEqualTo(DisconnectReasonCode.TOPIC_ALIAS_INVALID);
    c.expectClosed(WAIT);
    awaitDisconnects(DisconnectCause.PROTOCOL_ERROR, 1);
  }

  @Test
  @DisplayName("§3.2.2.3.8: CONNACK announces the Topic Alias Maximum")
  void connack_whenV5_thenAnnouncesTopicAliasMaximum() {
    Connack ack = open(V5).connect("alias-max", 0, true);
    assertAccepted(ack);
    assertThat(ack.properties().topicAliasMaximum()).isEqualTo(MAX);
  }

  @Test
  @DisplayName("§3.3.2.3.4: topic + alias sets it, empty topic + alias uses it; alias not forwarded")
  void publish_whenAliasSetThenUsed_thenDeliveredOnFullTopicWithoutAlias() {
    RawMqttConnection sub = subscriber(V5, "alias-sub", "alias/#", MqttQos.AT_MOST_ONCE);
    RawMqttConnection pub = client(V5, "alias-pub");
    publishFully(pub, aliased("alias/a", 1, "one"));
    publishFully(pub, aliased("", 1, "two"));
    publishFully(pub, aliased("alias/b", 1, "three")); // the alias now maps to another topic
    publishFully(pub, aliased("", 1, "four"));
    publishFully(pub, aliased("alias/c", MAX, "five"));
    publishFully(pub, aliased("", MAX, "six"));
    var got = drain(sub);
    assertThat(topics(got)).containsExactly(
        "alias/a", "alias/a", "alias/b", "alias/b", "alias/c", "alias/c");
    assertThat(payloads(got)).containsExactly("one", "two", "three", "four", "five", "six");
    assertThat(got).allSatisfy(p -> assertThat(p.properties().topicAlias()).isNull());
  }

  @Test
  @DisplayName("§3.3.2.3.4: empty topic with an alias never set → DISCONNECT 0x94")
  void publish_whenUnknownAliasWithEmptyTopic_thenDisconnect0x94() {
    RawMqttConnection pub = client(V5, "alias-unknown");
    pub.send(aliased("", 3, "x"));
    assertTopicAliasInvalid(pub);
  }

  @Test
  @DisplayName("MQTT-3.3.2-9, §3.3.2.3.4: alias above the Topic Alias Maximum → DISCONNECT 0x94")
  void publish_whenAliasAboveMaximum_thenDisconnect0x94() {
    RawMqttConnection pub = client(V5, "alias-above");
    pub.send(aliased("alias/a", MAX + 1, "x"));
    assertTopicAliasInvalid(pub);
  }

  @Test
  @DisplayName("MQTT-3.3.2-8, §3.3.2.3.4: alias 0 → DISCONNECT 0x94")
  void publish_whenAliasZero_thenDisconnect0x94() {
    RawMqttConnection pub = client(V5, "alias-zero");
    pub.send(aliased("alias/a", 0, "x"));
    assertTopicAliasInvalid(pub);
  }

  @Test
  @DisplayName("MQTT-3.3.2-7: aliases are not carried to a new connection")
  void publish_whenAliasFromEarlierConnection_thenDisconnect0x94() {
    Connect connect = persistent(V5, "alias-reconnect");
    RawMqttConnection first = client(connect);
    publishFully(first, aliased("alias/a", 1, "x"));
    first.disconnect();
    first.expectClosed(WAIT);
    awaitDisconnects(DisconnectCause.CLIENT_DISCONNECT, 1);
    RawMqttConnection second = client(connect);
    second.send(aliased("", 1, "y"));
    assertTopicAliasInvalid(second);
  }
}
