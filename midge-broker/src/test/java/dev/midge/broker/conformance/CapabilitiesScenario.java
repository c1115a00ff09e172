package dev.midge.broker.conformance;

import static dev.midge.broker.conformance.Frames.assertClosedSilently;
import static dev.midge.broker.conformance.Frames.expectHexWithoutReasonString;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.MqttConfig;
import dev.midge.broker.config.SessionConfig;
import dev.midge.broker.metrics.DisconnectCause;
import dev.midge.broker.session.Session;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Suback;
import dev.midge.codec.packet.Subscribe;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.packet.Will;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.DisconnectReasonCode;
import dev.midge.codec.reason.SubackReasonCode;
import dev.midge.testkit.RawMqttConnection;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the broker offers, told truthfully in MQTT 5 CONNACK (§3.2.2.3) and held to for every
 * version: mqtt.maximum-qos, retain-available, wildcard-subscriptions, topic-alias-maximum,
 * receive-maximum and sessions.max-expiry-interval. A client that asks for more than was offered
 * is refused with the reason code the specification names (MQTT 5) or, for MQTT 3.x, which was
 * told nothing, disconnected the way Mosquitto does it.
 */
@DisplayName("Capabilities: told in CONNACK, held to (MQTT 5 §3.2.2.3)")
class CapabilitiesScenario extends ConformanceScenario {
  private static final MqttVersion V5 = MqttVersion.V5;
  private static final Will WILL = new Will("will/cap", bytes("gone"), MqttQos.AT_MOST_ONCE, false);

  /** Defaults with these MQTT features. */
  private static BrokerConfig features(UnaryOperator<MqttConfig> change) {
    return config().withMqtt(change.apply(MqttConfig.DEFAULTS));
  }

  /** Defaults with sessions.max-expiry-interval {@code seconds}. */
  private static BrokerConfig maxExpiry(long seconds) {
    return config(SessionConfig.DEFAULTS.withMaxExpiryInterval(seconds));
  }

  private static Connect v5(String clientId, long sessionExpiry) {
    return Connect.builder(V5).clientId(clientId).keepAlive(0).cleanStart(true)
        .properties(Properties.builder().sessionExpiryInterval(sessionExpiry).build()).build();
  }

  /** Asserts that a watcher subscribed to everything got the will {@link #WILL} and nothing else. */
  private static void assertOnlyWillPublished(RawMqttConnection watcher) {
    List<Publish> got = drain(watcher);
    assertThat(topics(got)).containsExactly(WILL.topic());
  }

  // ---- CONNACK ----

  @Test
  @DisplayName("§3.2.2.3: by default CONNACK leaves out Maximum QoS, Retain Available and Wildcard"
      + " Subscription Available (absent: all supported) and says Topic Alias Maximum 10 and"
      + " Receive Maximum 1024")
  void connack_whenDefaults_thenEverythingAvailable() {
    startBroker();
    Connack ack = open(V5).connect(v5("defaults", 300));
    assertAccepted(ack);
    Properties p = ack.properties();
    assertThat(p.maximumQos()).isNull();
    assertThat(p.retainAvailable()).isNull();
    assertThat(p.wildcardSubscriptionAvailable()).isNull();
    assertThat(p.sessionExpiryInterval()).as("granted as asked: not repeated").isNull();
    assertThat(p.topicAliasMaximum()).isEqualTo(10);
    assertThat(p.receiveMaximum()).isEqualTo(1024);
  }

  @Test
  @DisplayName("MQTT-3.2.2-9, §3.2.2.3.2-.5, .8, .11: CONNACK tells every configured limit:"
      + " Maximum QoS 1, Retain Available 0, Wildcard Subscription Available 0, Topic Alias"
      + " Maximum 5, Receive Maximum 20, and Session Expiry Interval 60 for 300 asked")
  void connack_whenRestricted_thenTellsEveryLimit() {
    startBroker(features(m -> m.withMaximumQos(1).withRetainAvailable(false)
        .withWildcardSubscriptions(false).withTopicAliasMaximum(5).withReceiveMaximum(20))
        .withSessions(maxExpiry(60).sessions()));
    Connack ack = open(V5).connect(v5("restricted", 300));
    assertAccepted(ack);
    Properties p = ack.properties();
    assertThat(p.maximumQos()).isEqualTo(1);
    assertThat(p.retainAvailable()).isEqualTo(0);
    assertThat(p.wildcardSubscriptionAvailable()).isEqualTo(0);
    assertThat(p.topicAliasMaximum()).isEqualTo(5);
    assertThat(p.receiveMaximum()).isEqualTo(20);
    assertThat(p.sessionExpiryInterval()).isEqualTo(60);
  }

  @ParameterizedTest(name = "maximum QoS {0}")
  @ValueSource(ints = {0, 1})
  @DisplayName("MQTT-3.2.2-9: a server not supporting QoS 1 or 2 sends Maximum QoS in CONNACK")
  void connack_whenMaximumQosBelow2_thenSaysIt(int maximum) {
    startBroker(features(m -> m.withMaximumQos(maximum)));
    Connack ack = open(V5).connect("max-qos", 0, true);
    assertAccepted(ack);
    assertThat(ack.properties().maximumQos()).isEqualTo(maximum);
  }

  // ---- Topic Alias Maximum ----

  @Test
  @DisplayName("MQTT-3.2.2-18: topic-alias-maximum 0 sends no Topic Alias Maximum, and alias 1"
      + " gets DISCONNECT 0x94")
  void topicAlias_whenMaximum0_thenAbsentAndAnyAliasRefused() {
    startBroker(features(m -> m.withTopicAliasMaximum(0)));
    RawMqttConnection c = open(V5);
    Connack ack = c.connect("no-alias", 0, true);
    assertAccepted(ack);
    assertThat(ack.properties().topicAliasMaximum()).isNull();

    c.send(publish("a/b", MqttQos.AT_MOST_ONCE, 0, "x")
        .withProperties(Properties.builder().topicAlias(1).build()));

    assertThat(expectHexWithoutReasonString(c, Disconnect.class, WAIT)).isEqualTo("e0 01 94");
    c.expectClosed(WAIT);
  }

  @Test
  @DisplayName("MQTT-3.2.2-17, MQTT-3.3.2-9: topic-alias-maximum 5: alias 5 is used, alias 6 gets"
      + " DISCONNECT 0x94")
  void topicAlias_whenMaximum5_thenAlias5UsedAnd6Refused() {
    startBroker(features(m -> m.withTopicAliasMaximum(5)));
    RawMqttConnection sub = subscriber(V5, "alias-sub", "a/#", MqttQos.AT_MOST_ONCE);
    RawMqttConnection pub = client(V5, "alias-pub");
    publishFully(pub, publish("a/five", MqttQos.AT_LEAST_ONCE, 1, "set")
        .withProperties(Properties.builder().topicAlias(5).build()));
    publishFully(pub, publish("", MqttQos.AT_LEAST_ONCE, 2, "used")
        .withProperties(Properties.builder().topicAlias(5).build()));
    assertThat(topics(drain(sub))).containsExactly("a/five", "a/five");

    pub.send(publish("a/six", MqttQos.AT_MOST_ONCE, 0, "x")
        .withProperties(Properties.builder().topicAlias(6).build()));

    assertThat(pub.expect(Disconnect.class, WAIT).reasonCode())
        .isEqualTo(DisconnectReasonCode.TOPIC_ALIAS_INVALID);
    pub.expectClosed(WAIT);
  }

  // ---- Maximum QoS ----

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.2.2-11, §3.2.2.3.4: a PUBLISH above the Maximum QoS is DISCONNECT 0x9B"
      + " (MQTT 3.x: closed, as Mosquitto does); nothing is delivered and the will goes")
  void publish_whenQosAboveMaximum_thenDisconnectedAndWillPublished(MqttVersion version) {
    startBroker(features(m -> m.withMaximumQos(1)));
    RawMqttConnection watcher = subscriber(version, "watcher", "#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection c = client(version, "too-high", 0, WILL);

    c.send(publish("q/2", MqttQos.EXACTLY_ONCE, 1, "x"));

    if (version.isV5()) {
      assertThat(expectHexWithoutReasonString(c, Disconnect.class, WAIT)).isEqualTo("e0 01 9b");
      c.expectClosed(WAIT);
    } else {
      assertClosedSilently(c, 1, WAIT);
    }
    assertOnlyWillPublished(watcher);
    awaitDisconnects(DisconnectCause.PROTOCOL_ERROR, 1);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.2.2-11: a PUBLISH at the Maximum QoS is accepted and delivered")
  void publish_whenQosAtMaximum_thenAccepted(MqttVersion version) {
    startBroker(features(m -> m.withMaximumQos(1)));
    RawMqttConnection sub = subscriber(version, "sub", "q/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(version, "pub");
    publishFully(pub, publish("q/1", MqttQos.AT_LEAST_ONCE, 1, "fine"));
    assertThat(payloads(drain(sub))).containsExactly("fine");
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.2.2-12: a will above the Maximum QoS is refused with CONNACK 0x9B and the"
      + " connection closed (MQTT 3.x, with no return code for it: closed without CONNACK)")
  void will_whenQosAboveMaximum_thenRefused(MqttVersion version) {
    startBroker(features(m -> m.withMaximumQos(0)));
    RawMqttConnection c = open(version);

    c.send(Connect.builder(version).clientId("will-qos").keepAlive(0).cleanStart(true)
        .will(new Will("will/q", bytes("w"), MqttQos.AT_LEAST_ONCE, false)).build());

    if (version.isV5()) {
      assertThat(expectHexWithoutReasonString(c, Connack.class, WAIT)).isEqualTo("20 03 00 9b 00");
      c.expectClosed(WAIT);
    } else {
      assertClosedSilently(c, 0, WAIT);
    }
    awaitDisconnects(DisconnectCause.CONNECT_REFUSED, 1);
    assertThat(broker.services().sessions().get("will-qos")).isNull();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.2.2-10, MQTT-3.8.4-7 (5.0) / MQTT-3.8.4-6 (3.1.1): SUBSCRIBE asking for"
      + " more than the Maximum QoS is accepted and granted the maximum")
  void subscribe_whenQosAboveMaximum_thenGrantedMaximum(MqttVersion version) {
    startBroker(features(m -> m.withMaximumQos(1)));
    RawMqttConnection c = client(version, "greedy");

    Suback suback = c.subscribe(1, new Subscription("g/2", MqttQos.EXACTLY_ONCE),
        new Subscription("g/1", MqttQos.AT_LEAST_ONCE), new Subscription("g/0", MqttQos.AT_MOST_ONCE));

    assertThat(suback.reasonCodes()).containsExactly(SubackReasonCode.GRANTED_QOS_1,
        SubackReasonCode.GRANTED_QOS_1, SubackReasonCode.GRANTED_QOS_0);
    Session s = broker.services().sessions().get("greedy");
    assertThat(s.subscription("g/2").qos()).as("kept at the granted QoS")
        .isEqualTo(MqttQos.AT_LEAST_ONCE);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.2.2-10, MQTT-3.8.4-8: with Maximum QoS 0, a QoS 2 subscription is granted"
      + " QoS 0 and its retained and live messages arrive at QoS 0")
  void subscribe_whenMaximumQos0_thenEverythingAtQos0(MqttVersion version) {
    startBroker(features(m -> m.withMaximumQos(0)));
    RawMqttConnection pub = client(version, "pub");
    publishFully(pub, retained("z/r", MqttQos.AT_MOST_ONCE, 0, "kept"));
    RawMqttConnection sub = client(version, "sub");

    assertThat(sub.subscribe(1, "z/#", MqttQos.EXACTLY_ONCE).reasonCodes())
        .containsExactly(SubackReasonCode.GRANTED_QOS_0);
    publishFully(pub, publish("z/live", MqttQos.AT_MOST_ONCE, 0, "now"));

    List<Publish> got = drain(sub);
    assertThat(payloads(got)).containsExactly("kept", "now");
    assertThat(got).extracting(Publish::qos).containsOnly(MqttQos.AT_MOST_ONCE);
  }

  // ---- Retain Available ----

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.2.2-14, §3.2.2.3.5: a retained PUBLISH when retained messages are off is"
      + " DISCONNECT 0x9A (MQTT 3.x: closed, as Mosquitto does); nothing is kept or delivered and"
      + " the will goes")
  void publish_whenRetainedAndRetainUnavailable_thenDisconnectedAndWillPublished(
      MqttVersion version) {
    startBroker(features(m -> m.withRetainAvailable(false)));
    RawMqttConnection watcher = subscriber(version, "watcher", "#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection c = client(version, "retainer", 0, WILL);
    publishFully(c, publish("r/plain", MqttQos.AT_LEAST_ONCE, 1, "not retained: fine"));

    c.send(retained("r/kept", MqttQos.AT_LEAST_ONCE, 2, "x"));

    if (version.isV5()) {
      assertThat(expectHexWithoutReasonString(c, Disconnect.class, WAIT)).isEqualTo("e0 01 9a");
      c.expectClosed(WAIT);
    } else {
      assertClosedSilently(c, 2, WAIT); // CONNACK, PUBACK
    }
    assertThat(topics(drain(watcher))).containsExactly("r/plain", WILL.topic());
    assertThat(broker.services().retained().size()).isZero();
    awaitDisconnects(DisconnectCause.PROTOCOL_ERROR, 1);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.2.2-13: a retained will when retained messages are off is refused with"
      + " CONNACK 0x9A and the connection closed (MQTT 3.x: closed without CONNACK)")
  void will_whenRetainedAndRetainUnavailable_thenRefused(MqttVersion version) {
    startBroker(features(m -> m.withRetainAvailable(false)));
    RawMqttConnection c = open(version);

    c.send(Connect.builder(version).clientId("will-retain").keepAlive(0).cleanStart(true)
        .will(new Will("will/r", bytes("w"), MqttQos.AT_MOST_ONCE, true)).build());

    if (version.isV5()) {
      assertThat(expectHexWithoutReasonString(c, Connack.class, WAIT)).isEqualTo("20 03 00 9a 00");
      c.expectClosed(WAIT);
    } else {
      assertClosedSilently(c, 0, WAIT);
    }
    awaitDisconnects(DisconnectCause.CONNECT_REFUSED, 1);
  }

  // ---- Wildcard Subscription Available ----

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("§3.2.2.3.11, MQTT-3.8.4-6, -7 (5.0) / MQTT-3.9.3-2 (3.1.1): with wildcards off, a"
      + " filter with + or # gets SUBACK 0xA2 (MQTT 3.x: 0x80); the others in the same SUBSCRIBE"
      + " are granted and the connection stays")
  void subscribe_whenWildcardsUnavailable_thenRefusedPerFilter(MqttVersion version) {
    startBroker(features(m -> m.withWildcardSubscriptions(false)));
    RawMqttConnection c = client(version, "wild");

    c.send(new Subscribe(1, List.of(
        new Subscription("w/+", MqttQos.AT_LEAST_ONCE),
        new Subscription("w/exact", MqttQos.AT_LEAST_ONCE),
        new Subscription("#", MqttQos.AT_MOST_ONCE)), Properties.EMPTY));

    assertThat(expectHexWithoutReasonString(c, Suback.class, WAIT)).isEqualTo(version.isV5()
        ? "90 06 00 01 00 a2 01 a2" : "90 05 00 01 80 01 80");
    RawMqttConnection pub = client(version, "pub");
    publishFully(pub, publish("w/exact", MqttQos.AT_LEAST_ONCE, 1, "in"));
    publishFully(pub, publish("w/other", MqttQos.AT_LEAST_ONCE, 2, "out"));
    assertThat(payloads(drain(c))).containsExactly("in");
    assertThat(broker.services().router().size()).isEqualTo(1);
  }

  // ---- sessions.max-expiry-interval ----

  @ParameterizedTest(name = "{0} s asked")
  @ValueSource(longs = {30, 60})
  @DisplayName("§3.2.2.3.2: a Session Expiry Interval within sessions.max-expiry-interval is"
      + " granted as asked, and CONNACK does not repeat it")
  void connack_whenExpiryWithinMaximum_thenNotRepeated(long asked) {
    startBroker(maxExpiry(60));
    Connack ack = open(V5).connect(v5("modest", asked));
    assertAccepted(ack);
    assertThat(ack.properties().sessionExpiryInterval()).isNull();
    assertThat(broker.services().sessions().get("modest").expiryInterval()).isEqualTo(asked);
  }

  @Test
  @DisplayName("§3.2.2.3.2, §3.1.2.11.2: an MQTT 5 client asking more than"
      + " sessions.max-expiry-interval is told the maximum in CONNACK, and its session ends after"
      + " it")
  void session_whenV5AsksMoreThanMaximum_thenToldAndEndsAfterMaximum() {
    startBroker(maxExpiry(3));
    Connect connect = Connect.builder(V5).clientId("long-lived").keepAlive(0).cleanStart(false)
        .properties(Properties.builder().sessionExpiryInterval(Session.NEVER_EXPIRES).build())
        .build();
    RawMqttConnection first = open(V5);
    Connack ack = first.connect(connect);
    assertAccepted(ack);
    assertThat(ack.properties().sessionExpiryInterval()).isEqualTo(3);
    first.subscribe(1, "e/#", MqttQos.AT_LEAST_ONCE);
    first.disconnect();
    first.expectClosed(WAIT);

    RawMqttConnection again = open(V5);
    assertThat(again.connect(connect).sessionPresent()).as("kept within the 3 s").isTrue();
    again.disconnect();
    again.expectClosed(WAIT);
    await("session ended").atMost(WAIT.plusSeconds(3))
        .until(() -> broker.services().sessions().get("long-lived") == null);

    RawMqttConnection late = open(V5);
    assertThat(late.connect(connect).sessionPresent()).isFalse();
    assertThat(broker.services().router().size()).isZero();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(value = MqttVersion.class, names = {"V3_1", "V3_1_1"})
  @DisplayName("§3.1.2.4 (3.1.1): a persistent session (clean session 0), which 3.x keeps for"
      + " ever, ends after sessions.max-expiry-interval")
  void session_when3xPersistent_thenEndsAfterMaximum(MqttVersion version) {
    startBroker(maxExpiry(1));
    RawMqttConnection first = client(persistent(version, "old-school"));
    first.subscribe(1, "e/#", MqttQos.AT_LEAST_ONCE);
    assertThat(broker.services().sessions().get("old-school").expiryInterval()).isEqualTo(1);
    first.disconnect();
    first.expectClosed(WAIT);

    await("session ended").atMost(WAIT)
        .until(() -> broker.services().sessions().get("old-school") == null);
    assertThat(broker.services().router().size()).isZero();
    RawMqttConnection late = client(persistent(version, "old-school"));
    assertThat(late.received().get(0).hex()).as("session present 0").startsWith("20 02 00 00");
  }

  @Test
  @DisplayName("§3.14.2.2.2: a Session Expiry Interval set on DISCONNECT is held to"
      + " sessions.max-expiry-interval too")
  void disconnect_whenExpiryAboveMaximum_thenCapped() {
    startBroker(maxExpiry(60));
    RawMqttConnection c = client(v5("changer", 10));
    Session s = broker.services().sessions().get("changer");

    c.send(new Disconnect(DisconnectReasonCode.NORMAL_DISCONNECTION,
        Properties.builder().sessionExpiryInterval(Session.NEVER_EXPIRES).build()));
    c.expectClosed(WAIT);

    awaitDisconnects(DisconnectCause.CLIENT_DISCONNECT, 1);
    assertThat(s.expiryInterval()).isEqualTo(60);
  }
}
