package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.broker.config.MqttConfig;
import dev.midge.broker.metrics.DisconnectCause;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Suback;
import dev.midge.codec.packet.Subscribe;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.DisconnectReasonCode;
import dev.midge.codec.reason.SubackReasonCode;
import dev.midge.testkit.RawMqttConnection;
import dev.midge.testkit.RawPackets;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * MQTT 5 Subscription Identifiers (§3.8.2.1.2, §3.3.4): the identifier a SUBSCRIBE carries is
 * stored with each subscription it creates or replaces (its absence too), is part of the session
 * state, and comes back on every PUBLISH those subscriptions cause, retained messages included; a
 * client's PUBLISH may carry none. Subscribers are MQTT 5 (3.x SUBSCRIBE and PUBLISH have no
 * properties); publishers are of every version. With {@code mqtt.subscription-identifiers: false}
 * CONNACK says they are not available and a SUBSCRIBE with one is DISCONNECT 0xA1.
 */
@DisplayName("Subscription identifiers (MQTT 5 §3.8.2.1.2, §3.3.4)")
class SubscriptionIdentifierScenario extends ConformanceScenario {
  private static final MqttVersion V5 = MqttVersion.V5;

  /** SUBSCRIBE of {@code subscriptions} with Subscription Identifier {@code id} (0: none). */
  private static Subscribe subscribe(int packetId, int id, Subscription... subscriptions) {
    Properties p = id == 0 ? Properties.EMPTY
        : Properties.builder().subscriptionIdentifier(id).build();
    return new Subscribe(packetId, List.of(subscriptions), p);
  }

  private static Subscription sub(String filter) {
    return new Subscription(filter, MqttQos.AT_LEAST_ONCE);
  }

  /** Subscribes and asserts every filter was granted QoS 1. */
  private static void subscribeOk(RawMqttConnection c, int packetId, int id,
      Subscription... subscriptions) {
    c.send(subscribe(packetId, id, subscriptions));
    Suback ack = c.expect(Suback.class, WAIT);
    assertThat(ack.packetId()).isEqualTo(packetId);
    assertThat(ack.reasonCodes()).containsOnly(SubackReasonCode.GRANTED_QOS_1);
  }

  private static List<Integer> ids(Publish p) {
    return p.properties().subscriptionIdentifiers();
  }

  private void assertProtocolError(RawMqttConnection c, DisconnectReasonCode code) {
    assertThat(c.expect(Disconnect.class, WAIT).reasonCode()).isEqualTo(code);
    c.expectClosed(WAIT);
    awaitDisconnects(DisconnectCause.PROTOCOL_ERROR, 1);
  }

  @Test
  @DisplayName("MQTT 5 §3.2.2.3.12: CONNACK says Subscription Identifiers Available 1 by default")
  void connack_whenDefaults_thenSubscriptionIdentifiersAvailable() {
    startBroker();
    Connack ack = open(V5).connect("sid-connack", 0, true);
    assertAccepted(ack);
    assertThat(ack.properties().subscriptionIdentifierAvailable()).isEqualTo(1);
  }

  @ParameterizedTest(name = "publisher MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.3.4-3: a message caused by a subscription with an identifier carries it;"
      + " one without an identifier carries none (MQTT-3.3.4-6: only identifiers of the"
      + " subscriber's own SUBSCRIBE)")
  void publish_whenSubscribedWithIdentifier_thenDeliveredWithIt(MqttVersion publisher) {
    startBroker();
    RawMqttConnection with = client(V5, "sid-with");
    subscribeOk(with, 1, 42, sub("sid/#"));
    RawMqttConnection without = client(V5, "sid-without");
    subscribeOk(without, 1, 0, sub("sid/#"));
    RawMqttConnection pub = client(publisher, "sid-pub");

    publishFully(pub, publish("sid/a", MqttQos.AT_LEAST_ONCE, 1, "x"));

    assertThat(ids(drain(with).get(0))).containsExactly(42);
    assertThat(ids(drain(without).get(0))).isEmpty();
  }

  @Test
  @DisplayName("MQTT-3.3.4-3, MQTT-3.3.4-4: overlapping subscriptions give one copy carrying the"
      + " identifiers of all matching subscriptions that have one, an identifier used twice"
      + " appearing twice")
  void publish_whenOverlappingSubscriptions_thenOneCopyWithEveryIdentifier() {
    startBroker();
    RawMqttConnection c = client(V5, "sid-overlap");
    subscribeOk(c, 1, 1, sub("o/#"));
    subscribeOk(c, 2, 2, sub("o/+/x"));
    subscribeOk(c, 3, 0, sub("o/a/+"));
    subscribeOk(c, 4, 2, sub("+/a/x"));
    subscribeOk(c, 5, 9, sub("p/#")); // does not match
    RawMqttConnection pub = client(V5, "sid-pub");

    publishFully(pub, publish("o/a/x", MqttQos.AT_LEAST_ONCE, 1, "x"));

    List<Publish> got = drain(c);
    assertThat(got).hasSize(1);
    assertThat(ids(got.get(0))).containsExactlyInAnyOrder(1, 2, 2);
  }

  @Test
  @DisplayName("MQTT 5 §3.8.2.1.2, MQTT-3.8.4-3: one identifier goes with every filter of its"
      + " SUBSCRIBE; subscribing to the same filter again replaces it, and without one clears it")
  void subscribe_whenFilterSubscribedAgain_thenIdentifierReplacedOrCleared() {
    startBroker();
    RawMqttConnection c = client(V5, "sid-replace");
    RawMqttConnection pub = client(V5, "sid-pub");
    subscribeOk(c, 1, 5, sub("r/1"), sub("r/2"));
    publishFully(pub, publish("r/1", MqttQos.AT_LEAST_ONCE, 1, "a"));
    publishFully(pub, publish("r/2", MqttQos.AT_LEAST_ONCE, 2, "b"));
    assertThat(drain(c)).extracting(SubscriptionIdentifierScenario::ids)
        .containsExactly(List.of(5), List.of(5));

    subscribeOk(c, 2, 6, sub("r/1"));
    subscribeOk(c, 3, 0, sub("r/2"));
    publishFully(pub, publish("r/1", MqttQos.AT_LEAST_ONCE, 3, "c"));
    publishFully(pub, publish("r/2", MqttQos.AT_LEAST_ONCE, 4, "d"));
    assertThat(drain(c)).extracting(SubscriptionIdentifierScenario::ids)
        .containsExactly(List.of(6), List.of());
  }

  @Test
  @DisplayName("MQTT-3.3.4-3, MQTT-3.3.1-9: retained messages sent on subscribe carry the"
      + " subscription's identifier")
  void subscribe_whenRetainedMessagesExist_thenSentWithIdentifier() {
    startBroker();
    RawMqttConnection pub = client(V5, "sid-pub");
    publishFully(pub, retained("kept/a", MqttQos.AT_LEAST_ONCE, 1, "a"));
    publishFully(pub, retained("kept/b", MqttQos.AT_LEAST_ONCE, 2, "b"));

    RawMqttConnection c = client(V5, "sid-retained");
    subscribeOk(c, 1, 77, sub("kept/#"));

    List<Publish> got = drain(c);
    assertThat(payloads(got)).containsExactlyInAnyOrder("a", "b");
    assertThat(got).allSatisfy(p -> {
      assertThat(p.retain()).isTrue();
      assertThat(ids(p)).containsExactly(77);
    });
  }

  @Test
  @DisplayName("MQTT 5 §3.8.2.1.2, §4.1: identifiers are session state: a resumed session's"
      + " messages, queued while offline, still carry them")
  void resumedSession_whenMessagesQueuedOffline_thenDeliveredWithIdentifier() {
    startBroker();
    Connect connect = persistent(V5, "sid-persistent");
    RawMqttConnection first = client(connect);
    subscribeOk(first, 1, 300, sub("ps/#"));
    first.disconnect();
    first.expectClosed(WAIT);
    awaitDisconnects(DisconnectCause.CLIENT_DISCONNECT, 1);

    RawMqttConnection pub = client(V5, "sid-pub");
    publishFully(pub, publish("ps/x", MqttQos.AT_LEAST_ONCE, 1, "while away"));

    RawMqttConnection back = open(V5);
    assertThat(back.connect(connect).sessionPresent()).isTrue();
    List<Publish> got = drain(back);
    assertThat(payloads(got)).containsExactly("while away");
    assertThat(ids(got.get(0))).containsExactly(300);

    publishFully(pub, publish("ps/y", MqttQos.AT_LEAST_ONCE, 2, "after"));
    assertThat(ids(drain(back).get(0))).containsExactly(300);
  }

  @Test
  @DisplayName("MQTT-3.3.4-6: a PUBLISH from a client carrying a Subscription Identifier →"
      + " DISCONNECT 0x82, and it is not routed")
  void publish_whenClientSendsSubscriptionIdentifier_thenDisconnect0x82() {
    startBroker();
    RawMqttConnection watcher = client(V5, "sid-watcher");
    subscribeOk(watcher, 1, 0, sub("bad/#"));
    RawMqttConnection c = client(V5, "sid-bad-publisher");
    c.send(publish("bad/x", MqttQos.AT_LEAST_ONCE, 1, "x")
        .withProperties(Properties.builder().subscriptionIdentifier(3).build()));
    assertProtocolError(c, DisconnectReasonCode.PROTOCOL_ERROR);
    watcher.expectNothing(QUIET);
  }

  @Test
  @DisplayName("MQTT 5 §3.8.2.1.2: a Subscription Identifier of 0 → DISCONNECT 0x82")
  void subscribe_whenIdentifierZero_thenDisconnect0x82() {
    startBroker();
    RawMqttConnection c = client(V5, "sid-zero");
    // SUBSCRIBE id 1, properties: Subscription Identifier (0x0B) 0; filter "z", QoS 1.
    c.sendRaw(RawPackets.frame(0x82, RawPackets.u16(1), RawPackets.bytes(2, 0x0B, 0x00),
        RawPackets.utf8("z"), RawPackets.bytes(0x01)));
    assertProtocolError(c, DisconnectReasonCode.PROTOCOL_ERROR);
  }

  @Test
  @DisplayName("MQTT 5 §3.8.2.1.2: a Subscription Identifier included twice → DISCONNECT 0x82")
  void subscribe_whenIdentifierTwice_thenDisconnect0x82() {
    startBroker();
    RawMqttConnection c = client(V5, "sid-twice");
    c.sendRaw(RawPackets.frame(0x82, RawPackets.u16(1), RawPackets.bytes(4, 0x0B, 1, 0x0B, 2),
        RawPackets.utf8("z"), RawPackets.bytes(0x01)));
    assertProtocolError(c, DisconnectReasonCode.PROTOCOL_ERROR);
  }

  @Test
  @DisplayName("MQTT 5 §3.8.2.1.2: the largest identifier, 268,435,455, comes back whole")
  void subscribe_whenLargestIdentifier_thenDeliveredWhole() {
    startBroker();
    RawMqttConnection c = client(V5, "sid-max");
    subscribeOk(c, 1, 268_435_455, sub("max"));
    publishFully(client(V5, "sid-pub"), publish("max", MqttQos.AT_MOST_ONCE, 0, "x"));
    assertThat(ids(c.expect(Publish.class, WAIT))).containsExactly(268_435_455);
  }

  @Test
  @DisplayName("MQTT 5 §3.2.2.3.12: with mqtt.subscription-identifiers false, CONNACK says not"
      + " available and a SUBSCRIBE with one → DISCONNECT 0xA1; without one it is served")
  void subscribe_whenDisabledByConfig_thenDisconnect0xA1() {
    startBroker(config().withMqtt(MqttConfig.DEFAULTS.withSubscriptionIdentifiers(false)));
    RawMqttConnection plain = open(V5);
    Connack ack = plain.connect("sid-plain", 0, true);
    assertAccepted(ack);
    assertThat(ack.properties().subscriptionIdentifierAvailable()).isEqualTo(0);
    subscribeOk(plain, 1, 0, sub("off/#"));

    RawMqttConnection c = client(V5, "sid-off");
    c.send(subscribe(1, 4, sub("off/#")));
    assertProtocolError(c, DisconnectReasonCode.SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED);

    RawMqttConnection pub = client(V5, "sid-pub");
    pub.send(publish("off/x", MqttQos.AT_LEAST_ONCE, 1, "x"));
    assertThat(pub.expect(Puback.class, WAIT).packetId()).isEqualTo(1);
    assertThat(ids(drain(plain).get(0))).isEmpty();
  }
}
