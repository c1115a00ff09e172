package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.config.MqttConfig;
import dev.midge.broker.config.MqttConfig.SharedSubscriptionStrategy;
import dev.midge.broker.config.SessionConfig;
import dev.midge.broker.metrics.DisconnectCause;
import dev.midge.broker.session.Session;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.MqttPacket;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Pubcomp;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Pubrec;
import dev.midge.codec.packet.Pubrel;
import dev.midge.codec.packet.Suback;
import dev.midge.codec.packet.Subscribe;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.packet.Unsuback;
import dev.midge.codec.packet.RetainHandling;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.DisconnectReasonCode;
import dev.midge.codec.reason.PubackReasonCode;
import dev.midge.codec.reason.SubackReasonCode;
import dev.midge.codec.reason.UnsubackReasonCode;
import dev.midge.testkit.RawMqttConnection;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Shared subscriptions, {@code $share/{group}/{filter}} (MQTT 5 §4.8.2), from clients of every
 * protocol version (MQTT 3.x has no shared subscriptions in its standard; Midge accepts them from
 * 3.x clients as Mosquitto, HiveMQ and EMQX do): each matching message goes to exactly one member
 * of each group, connected members first, at that member's granted QoS; groups and non-shared
 * subscriptions each get their own copy; no retained messages; messages a member leaves
 * unacknowledged when its session ends or its connection closes go to another member, except a
 * QoS 2 message already sent, whose delivery stays with that member. The default strategy, round
 * robin, makes who gets what predictable: members take turns in the order they joined.
 */
@DisplayName("Shared subscriptions (MQTT 5 §4.8.2, also from MQTT 3.x clients)")
class SharedSubscriptionScenario extends ConformanceScenario {
  private static final MqttVersion V5 = MqttVersion.V5;

  /** A broker whose sessions have one message in flight at a time, so that others queue. */
  private static final SessionConfig WINDOW_OF_ONE = new SessionConfig(1, 1000, false);

  /** A clean client subscribed to {@code filter} at {@code qos}, granted as asked. */
  private RawMqttConnection member(MqttVersion version, String clientId, String filter,
      MqttQos qos) {
    return subscriber(version, clientId, filter, qos);
  }

  /** A client with a session that outlives its connection, subscribed to {@code filter}. */
  private RawMqttConnection persistentMember(MqttVersion version, String clientId, String filter,
      MqttQos qos) {
    RawMqttConnection c = client(persistent(version, clientId));
    assertThat(c.subscribe(1, filter, qos).reasonCodes())
        .containsExactly(SubackReasonCode.of(qos.value()));
    return c;
  }

  private Session session(String clientId) {
    return broker.services().sessions().get(clientId);
  }

  /** Waits until the broker holds {@code clientId}'s session without a connection. */
  private void awaitOffline(String clientId) {
    await("offline session of " + clientId).atMost(WAIT)
        .until(() -> session(clientId), s -> s != null && s.claimedBy() == null);
  }

  /**
   * Exactly {@code n} PUBLISH packets, each acknowledged as its QoS asks, QoS 2 flows completed;
   * each waited for at most {@link #WAIT}.
   */
  private static List<Publish> take(RawMqttConnection c, int n) {
    List<Publish> got = new ArrayList<>();
    Set<Integer> awaitingPubrel = new HashSet<>();
    while (got.size() < n || !awaitingPubrel.isEmpty()) {
      MqttPacket packet = c.receive(WAIT);
      if (packet instanceof Pubrel rel) {
        assertThat(awaitingPubrel.remove(rel.packetId())).isTrue();
        c.send(new Pubcomp(rel.packetId()));
        continue;
      }
      assertThat(packet).as("PUBLISH on " + c).isInstanceOf(Publish.class);
      Publish p = (Publish) packet;
      got.add(p);
      switch (p.qos()) {
        case AT_MOST_ONCE -> { }
        case AT_LEAST_ONCE -> c.send(new Puback(p.packetId()));
        case EXACTLY_ONCE -> {
          awaitingPubrel.add(p.packetId());
          c.send(new Pubrec(p.packetId()));
        }
      }
    }
    return got;
  }

  /** Publishes {@code m1} … {@code mN} on {@code topic}, each fully acknowledged. */
  private static void publishMany(RawMqttConnection pub, String topic, MqttQos qos, int n) {
    for (int i = 1; i <= n; i++) {
      publishFully(pub, publish(topic, qos, i, "m" + i));
    }
  }

  private static List<String> allPayloads(List<List<Publish>> perMember) {
    return perMember.stream().flatMap(List::stream).map(p -> text(p.payload())).toList();
  }

  private static List<String> messages(int n) {
    return IntStream.rangeClosed(1, n).mapToObj(i -> "m" + i).toList();
  }

  // ---- CONNACK, SUBACK ----

  @Test
  @DisplayName("MQTT 5 §3.2.2.3.13: CONNACK says Shared Subscription Available 1 by default")
  void connack_whenDefaults_thenSharedSubscriptionsAvailable() {
    startBroker();
    Connack ack = open(V5).connect("share-connack", 0, true);
    assertAccepted(ack);
    assertThat(ack.properties().sharedSubscriptionAvailable()).isEqualTo(1);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-4.8.2-1, MQTT-4.8.2-2: an empty share name, one with + or #, or no filter"
      + " after it → SUBACK 0x8F (3.x: 0x80), and nothing is subscribed")
  void subscribe_whenShareNameInvalid_thenTopicFilterInvalid(MqttVersion version) {
    startBroker();
    RawMqttConnection c = client(version, "share-bad");
    List<String> filters = List.of("$share//t", "$share/g+/t", "$share/g#/t", "$share/g",
        "$share/g/", "$share/g/a/#/b");
    Suback ack = c.subscribe(1, filters.stream()
        .map(f -> new Subscription(f, MqttQos.AT_LEAST_ONCE)).toArray(Subscription[]::new));
    assertThat(ack.reasonCodes()).hasSize(filters.size()).containsOnly(version.isV5()
        ? SubackReasonCode.TOPIC_FILTER_INVALID : SubackReasonCode.UNSPECIFIED_ERROR);
    assertThat(broker.services().router().sharedGroups()).isZero();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT 5 §3.2.2.3.13, §3.9.3: with mqtt.shared-subscriptions false, CONNACK says"
      + " not available and $share filters get SUBACK 0x9E (3.x: 0x80), other filters granted")
  void subscribe_whenDisabledByConfig_thenSharedSubscriptionsNotSupported(MqttVersion version) {
    startBroker(config().withMqtt(MqttConfig.DEFAULTS.withSharedSubscriptions(false)));
    RawMqttConnection c = open(version);
    Connack connack = c.connect("share-off", 0, true);
    assertAccepted(connack);
    if (version.isV5()) {
      assertThat(connack.properties().sharedSubscriptionAvailable()).isEqualTo(0);
    }
    Suback ack = c.subscribe(1, new Subscription("$share/g/off", MqttQos.AT_LEAST_ONCE),
        new Subscription("off", MqttQos.AT_LEAST_ONCE));
    assertThat(ack.reasonCodes()).containsExactly(version.isV5()
        ? SubackReasonCode.SHARED_SUBSCRIPTIONS_NOT_SUPPORTED : SubackReasonCode.UNSPECIFIED_ERROR,
        SubackReasonCode.GRANTED_QOS_1);
    publishFully(client(version, "share-pub"), publish("off", MqttQos.AT_LEAST_ONCE, 1, "x"));
    assertThat(payloads(drain(c))).containsExactly("x"); // once: no copy for the refused share
  }

  @Test
  @DisplayName("MQTT-3.8.3-4: No Local on a shared subscription → DISCONNECT 0x82")
  void subscribe_whenNoLocalOnSharedSubscription_thenDisconnect0x82() {
    startBroker();
    RawMqttConnection c = client(V5, "share-nolocal");
    c.send(new Subscribe(1, List.of(new Subscription("$share/g/t", MqttQos.AT_LEAST_ONCE, true,
        false, RetainHandling.SEND_ON_SUBSCRIBE)), Properties.EMPTY));
    assertThat(c.expect(Disconnect.class, WAIT).reasonCode())
        .isEqualTo(DisconnectReasonCode.PROTOCOL_ERROR);
    c.expectClosed(WAIT);
    awaitDisconnects(DisconnectCause.PROTOCOL_ERROR, 1);
  }

  // ---- distribution ----

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT 5 §4.8.2: each message goes to exactly one member; round robin gives three"
      + " members two messages each out of six, in turn")
  void publish_whenThreeMembers_thenEachMessageToExactlyOneInTurn(MqttVersion version) {
    startBroker();
    List<RawMqttConnection> members = List.of(
        member(version, "rr-a", "$share/work/jobs/+", MqttQos.AT_LEAST_ONCE),
        member(version, "rr-b", "$share/work/jobs/+", MqttQos.AT_LEAST_ONCE),
        member(version, "rr-c", "$share/work/jobs/+", MqttQos.AT_LEAST_ONCE));
    publishMany(client(version, "rr-pub"), "jobs/x", MqttQos.AT_LEAST_ONCE, 6);

    List<List<Publish>> got = members.stream().map(m -> take(m, 2)).toList();
    members.forEach(m -> m.expectNothing(QUIET));
    assertThat(payloads(got.get(0))).containsExactly("m1", "m4");
    assertThat(payloads(got.get(1))).containsExactly("m2", "m5");
    assertThat(payloads(got.get(2))).containsExactly("m3", "m6");
    assertThat(got).allSatisfy(l -> assertThat(l).allSatisfy(p -> {
      assertThat(p.topic()).isEqualTo("jobs/x");
      assertThat(p.qos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
    }));
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT 5 §4.8.2: two groups on one filter each get a copy, a non-shared subscription"
      + " its own, and a client with both a shared and a non-shared subscription two copies")
  void publish_whenGroupsAndNonSharedOverlap_thenACopyForEach(MqttVersion version) {
    startBroker();
    RawMqttConnection a = member(version, "ov-a", "$share/one/t/#", MqttQos.AT_LEAST_ONCE);
    assertThat(a.subscribe(2, "t/#", MqttQos.AT_LEAST_ONCE).reasonCodes())
        .containsExactly(SubackReasonCode.GRANTED_QOS_1);
    RawMqttConnection b = member(version, "ov-b", "$share/two/t/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection c = member(version, "ov-c", "$share/two/t/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection d = member(version, "ov-d", "t/+", MqttQos.AT_LEAST_ONCE);

    publishMany(client(version, "ov-pub"), "t/x", MqttQos.AT_LEAST_ONCE, 2);

    assertThat(payloads(take(a, 4))).containsExactlyInAnyOrder("m1", "m1", "m2", "m2");
    assertThat(payloads(take(b, 1))).containsExactly("m1");
    assertThat(payloads(take(c, 1))).containsExactly("m2");
    assertThat(payloads(take(d, 2))).containsExactly("m1", "m2");
    Stream.of(a, b, c, d).forEach(x -> x.expectNothing(QUIET));
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-4.8.2-3: each member gets a message at the lower of its QoS and the QoS"
      + " that member was granted")
  void publish_whenMembersGrantedDifferentQos_thenEachGetsItsOwn(MqttVersion version) {
    startBroker();
    RawMqttConnection q0 = member(version, "qos-0", "$share/g/q", MqttQos.AT_MOST_ONCE);
    RawMqttConnection q2 = member(version, "qos-2", "$share/g/q", MqttQos.EXACTLY_ONCE);
    RawMqttConnection pub = client(version, "qos-pub");
    publishMany(pub, "q", MqttQos.EXACTLY_ONCE, 4);
    publishFully(pub, publish("q", MqttQos.AT_LEAST_ONCE, 5, "m5"));
    publishFully(pub, publish("q", MqttQos.AT_LEAST_ONCE, 6, "m6"));

    List<Publish> low = take(q0, 3);
    List<Publish> high = take(q2, 3);
    assertThat(payloads(low)).containsExactly("m1", "m3", "m5");
    assertThat(low).allSatisfy(p -> assertThat(p.qos()).isEqualTo(MqttQos.AT_MOST_ONCE));
    assertThat(payloads(high)).containsExactly("m2", "m4", "m6");
    assertThat(high).extracting(Publish::qos).containsExactly(MqttQos.EXACTLY_ONCE,
        MqttQos.EXACTLY_ONCE, MqttQos.AT_LEAST_ONCE);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT 5 §4.8.2: no retained messages are sent to a shared subscription; later"
      + " messages are")
  void subscribe_whenRetainedMessageExists_thenNotSentToSharedSubscription(MqttVersion version) {
    startBroker();
    RawMqttConnection pub = client(version, "ret-pub");
    publishFully(pub, retained("ret/a", MqttQos.AT_LEAST_ONCE, 1, "old"));
    RawMqttConnection c = member(version, "ret-m", "$share/g/ret/#", MqttQos.AT_LEAST_ONCE);
    c.expectNothing(QUIET);
    publishFully(pub, publish("ret/a", MqttQos.AT_LEAST_ONCE, 2, "new"));
    List<Publish> got = take(c, 1);
    assertThat(payloads(got)).containsExactly("new");
    assertThat(got.get(0).retain()).isFalse();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT 5 §4.8.2: subscribing to the same shared subscription again changes its"
      + " options and adds no second membership")
  void subscribe_whenSameShareTwice_thenOneMembershipWithNewOptions(MqttVersion version) {
    startBroker();
    RawMqttConnection a = member(version, "twice-a", "$share/g/tw", MqttQos.AT_MOST_ONCE);
    assertThat(a.subscribe(2, "$share/g/tw", MqttQos.AT_LEAST_ONCE).reasonCodes())
        .containsExactly(SubackReasonCode.GRANTED_QOS_1);
    RawMqttConnection b = member(version, "twice-b", "$share/g/tw", MqttQos.AT_LEAST_ONCE);
    publishMany(client(version, "twice-pub"), "tw", MqttQos.AT_LEAST_ONCE, 4);

    List<Publish> fromA = take(a, 2);
    assertThat(payloads(fromA)).containsExactly("m1", "m3");
    assertThat(fromA).allSatisfy(p -> assertThat(p.qos()).isEqualTo(MqttQos.AT_LEAST_ONCE));
    assertThat(payloads(take(b, 2))).containsExactly("m2", "m4");
    a.expectNothing(QUIET);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT 5 §4.8.2, MQTT-3.10.4-1: UNSUBSCRIBE of $share/g/f ends that membership"
      + " only: the group goes on with its other member, the client's other group and"
      + " non-shared subscription go on")
  void unsubscribe_whenOneShare_thenOnlyThatMembershipEnds(MqttVersion version) {
    startBroker();
    RawMqttConnection a = member(version, "un-a", "$share/g/u", MqttQos.AT_LEAST_ONCE);
    assertThat(a.subscribe(2, new Subscription("$share/h/u", MqttQos.AT_LEAST_ONCE),
        new Subscription("u", MqttQos.AT_LEAST_ONCE)).reasonCodes())
        .containsExactly(SubackReasonCode.GRANTED_QOS_1, SubackReasonCode.GRANTED_QOS_1);
    RawMqttConnection b = member(version, "un-b", "$share/g/u", MqttQos.AT_LEAST_ONCE);

    Unsuback un = a.unsubscribe(3, "$share/g/u");
    assertThat(un.packetId()).isEqualTo(3);
    if (version.isV5()) {
      assertThat(un.reasonCodes()).containsExactly(UnsubackReasonCode.SUCCESS);
      assertThat(a.unsubscribe(4, "$share/g/u").reasonCodes())
          .containsExactly(UnsubackReasonCode.NO_SUBSCRIPTION_EXISTED);
    }
    publishMany(client(version, "un-pub"), "u", MqttQos.AT_LEAST_ONCE, 2);

    assertThat(payloads(take(b, 2))).containsExactly("m1", "m2");
    assertThat(payloads(take(a, 4))).containsExactlyInAnyOrder("m1", "m1", "m2", "m2");
    a.expectNothing(QUIET);
    b.expectNothing(QUIET);
  }

  @Test
  @DisplayName("MQTT-3.3.4-3, MQTT-3.3.4-5, MQTT 5 §3.3.4: a member gets only the identifier of"
      + " its own shared subscription; its non-shared copy carries the non-shared one's")
  void publish_whenMembersHaveIdentifiers_thenEachGetsItsOwn() {
    startBroker();
    RawMqttConnection a = client(V5, "sid-a");
    a.send(new Subscribe(1, List.of(new Subscription("$share/g/s", MqttQos.AT_LEAST_ONCE)),
        Properties.builder().subscriptionIdentifier(5).build()));
    a.expect(Suback.class, WAIT);
    a.send(new Subscribe(2, List.of(new Subscription("s", MqttQos.AT_LEAST_ONCE)),
        Properties.builder().subscriptionIdentifier(7).build()));
    a.expect(Suback.class, WAIT);
    RawMqttConnection b = client(V5, "sid-b");
    b.send(new Subscribe(1, List.of(new Subscription("$share/g/s", MqttQos.AT_LEAST_ONCE)),
        Properties.builder().subscriptionIdentifier(6).build()));
    b.expect(Suback.class, WAIT);

    publishMany(client(V5, "sid-pub"), "s", MqttQos.AT_LEAST_ONCE, 2);

    List<Publish> toA = take(a, 3); // m1 shared and non-shared, m2 non-shared
    assertThat(toA).filteredOn(p -> text(p.payload()).equals("m1"))
        .extracting(p -> p.properties().subscriptionIdentifiers())
        .containsExactlyInAnyOrder(List.of(5), List.of(7));
    assertThat(toA).filteredOn(p -> text(p.payload()).equals("m2"))
        .extracting(p -> p.properties().subscriptionIdentifiers())
        .containsExactly(List.of(7));
    List<Publish> toB = take(b, 1);
    assertThat(payloads(toB)).containsExactly("m2");
    assertThat(toB.get(0).properties().subscriptionIdentifiers()).containsExactly(6);
  }

  // ---- connected members first, offline members queue ----

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT 5 §4.8.2: an offline member is not picked while another is connected")
  void publish_whenOneMemberOffline_thenConnectedMemberGetsAll(MqttVersion version) {
    startBroker();
    RawMqttConnection a = persistentMember(version, "off-a", "$share/g/o", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection b = member(version, "off-b", "$share/g/o", MqttQos.AT_LEAST_ONCE);
    a.close();
    awaitOffline("off-a");

    publishMany(client(version, "off-pub"), "o", MqttQos.AT_LEAST_ONCE, 4);
    assertThat(payloads(take(b, 4))).containsExactlyElementsOf(messages(4));

    RawMqttConnection back = open(version);
    back.connect(persistent(version, "off-a"));
    back.expectNothing(QUIET);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT 5 §4.8.2: with no member connected, QoS 1 messages are queued to the offline"
      + " members, each to one, and delivered when they come back")
  void publish_whenAllMembersOffline_thenQueuedToOneMemberEach(MqttVersion version) {
    startBroker();
    persistentMember(version, "q-a", "$share/g/q", MqttQos.AT_LEAST_ONCE).close();
    persistentMember(version, "q-b", "$share/g/q", MqttQos.AT_LEAST_ONCE).close();
    awaitOffline("q-a");
    awaitOffline("q-b");

    publishMany(client(version, "q-pub"), "q", MqttQos.AT_LEAST_ONCE, 4);

    List<List<Publish>> got = new ArrayList<>();
    for (String id : List.of("q-a", "q-b")) {
      RawMqttConnection back = open(version);
      back.connect(persistent(version, id));
      got.add(take(back, 2));
      back.expectNothing(QUIET);
    }
    assertThat(allPayloads(got)).containsExactlyInAnyOrderElementsOf(messages(4));
  }

  // ---- a member leaving with messages unacknowledged ----

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT 5 §4.8.2: when a member's session ends, the QoS 1 messages it has in flight"
      + " and queued go to another member")
  void sessionEnd_whenQos1Unacknowledged_thenAnotherMemberGetsThem(MqttVersion version) {
    startBroker(config(WINDOW_OF_ONE));
    RawMqttConnection a = member(version, "end-a", "$share/g/e", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection b = member(version, "end-b", "$share/g/e", MqttQos.AT_LEAST_ONCE);
    publishMany(client(version, "end-pub"), "e", MqttQos.AT_LEAST_ONCE, 4);

    assertThat(text(a.expect(Publish.class, WAIT).payload())).isEqualTo("m1"); // m3 queued
    assertThat(payloads(take(b, 2))).containsExactly("m2", "m4");
    a.abort(); // no PUBACK; clean session: the session ends with the connection

    List<Publish> moved = take(b, 2);
    assertThat(payloads(moved)).containsExactlyInAnyOrder("m1", "m3");
    assertThat(moved).allSatisfy(p -> assertThat(p.dup()).isFalse()); // first time to b
    b.expectNothing(QUIET);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT 5 §4.8.2: when a persistent member's connection closes, its unacknowledged"
      + " QoS 1 messages go to a connected member, and are not sent to it again on its return")
  void connectionClose_whenQos1Unacknowledged_thenConnectedMemberGetsThem(MqttVersion version) {
    startBroker(config(WINDOW_OF_ONE));
    RawMqttConnection a = persistentMember(version, "cl-a", "$share/g/c", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection b = member(version, "cl-b", "$share/g/c", MqttQos.AT_LEAST_ONCE);
    publishMany(client(version, "cl-pub"), "c", MqttQos.AT_LEAST_ONCE, 4);

    assertThat(text(a.expect(Publish.class, WAIT).payload())).isEqualTo("m1");
    assertThat(payloads(take(b, 2))).containsExactly("m2", "m4");
    a.close();

    assertThat(payloads(take(b, 2))).containsExactlyInAnyOrder("m1", "m3");
    awaitOffline("cl-a");
    RawMqttConnection back = open(version);
    Connack ack = back.connect(persistent(version, "cl-a"));
    if (version != MqttVersion.V3_1) {
      assertThat(ack.sessionPresent()).isTrue();
    }
    back.expectNothing(QUIET);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-4.8.2-4: a QoS 2 message sent to a member whose connection then closes is"
      + " completed with that member when it reconnects, not sent to another; its queued ones"
      + " go to another member")
  void connectionClose_whenQos2InFlight_thenCompletedWithSameMemberOnReconnect(
      MqttVersion version) {
    startBroker(config(WINDOW_OF_ONE));
    RawMqttConnection a = persistentMember(version, "q2-a", "$share/g/x", MqttQos.EXACTLY_ONCE);
    RawMqttConnection b = member(version, "q2-b", "$share/g/x", MqttQos.EXACTLY_ONCE);
    publishMany(client(version, "q2-pub"), "x", MqttQos.EXACTLY_ONCE, 4);

    Publish sent = a.expect(Publish.class, WAIT);
    assertThat(text(sent.payload())).isEqualTo("m1"); // no PUBREC; m3 queued
    assertThat(payloads(take(b, 2))).containsExactly("m2", "m4");
    a.close();

    assertThat(payloads(take(b, 1))).containsExactly("m3");
    b.expectNothing(QUIET);
    awaitOffline("q2-a");
    RawMqttConnection back = open(version);
    back.connect(persistent(version, "q2-a"));
    Publish again = back.expect(Publish.class, WAIT);
    assertThat(text(again.payload())).isEqualTo("m1");
    assertThat(again.dup()).isTrue();
    assertThat(again.packetId()).isEqualTo(sent.packetId());
    acknowledge(back, again);
    back.expectNothing(QUIET);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-4.8.2-5: a QoS 2 message sent to a member whose session ends before it"
      + " completes goes to no other member")
  void sessionEnd_whenQos2InFlight_thenNotSentToAnotherMember(MqttVersion version) {
    startBroker();
    RawMqttConnection a = member(version, "q2e-a", "$share/g/y", MqttQos.EXACTLY_ONCE);
    RawMqttConnection b = member(version, "q2e-b", "$share/g/y", MqttQos.EXACTLY_ONCE);
    publishMany(client(version, "q2e-pub"), "y", MqttQos.EXACTLY_ONCE, 2);

    assertThat(text(a.expect(Publish.class, WAIT).payload())).isEqualTo("m1");
    assertThat(payloads(take(b, 1))).containsExactly("m2");
    a.abort();
    awaitDisconnects(DisconnectCause.NETWORK, 1);
    b.expectNothing(QUIET);
  }

  @Test
  @DisplayName("MQTT-4.8.2-6: a message a member refused with PUBACK 0x80 or above is discarded,"
      + " not sent to another member when that member leaves")
  void puback_whenRefused_thenNotSentToAnotherMember() {
    startBroker();
    RawMqttConnection a = member(V5, "ref-a", "$share/g/r", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection b = member(V5, "ref-b", "$share/g/r", MqttQos.AT_LEAST_ONCE);
    publishMany(client(V5, "ref-pub"), "r", MqttQos.AT_LEAST_ONCE, 2);

    Publish refused = a.expect(Publish.class, WAIT);
    a.send(new Puback(refused.packetId(), PubackReasonCode.IMPLEMENTATION_SPECIFIC_ERROR,
        Properties.EMPTY));
    a.ping(WAIT);
    assertThat(payloads(take(b, 1))).containsExactly("m2");
    a.abort();
    awaitDisconnects(DisconnectCause.NETWORK, 1);
    b.expectNothing(QUIET);
  }

  // ---- strategies ----

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT 5 §4.8.2, mqtt.shared-subscription-strategy sticky: one member gets every"
      + " message until it disconnects, then another one does")
  void sticky_whenMemberDisconnects_thenAnotherGetsEverything(MqttVersion version) {
    startBroker(config().withMqtt(MqttConfig.DEFAULTS
        .withSharedSubscriptionStrategy(SharedSubscriptionStrategy.STICKY)));
    RawMqttConnection a = member(version, "st-a", "$share/g/st", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection b = member(version, "st-b", "$share/g/st", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(version, "st-pub");
    publishMany(pub, "st", MqttQos.AT_LEAST_ONCE, 3);
    assertThat(payloads(take(a, 3))).containsExactly("m1", "m2", "m3");
    b.expectNothing(QUIET);

    a.disconnect();
    a.expectClosed(WAIT);
    awaitDisconnects(DisconnectCause.CLIENT_DISCONNECT, 1);
    for (int i = 4; i <= 6; i++) {
      publishFully(pub, publish("st", MqttQos.AT_LEAST_ONCE, i, "m" + i));
    }
    assertThat(payloads(take(b, 3))).containsExactly("m4", "m5", "m6");
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT 5 §4.8.2, mqtt.shared-subscription-strategy random: every message goes to"
      + " exactly one member, and every member gets some")
  void random_whenManyMessages_thenEachToExactlyOneMember(MqttVersion version) {
    startBroker(config().withMqtt(MqttConfig.DEFAULTS
        .withSharedSubscriptionStrategy(SharedSubscriptionStrategy.RANDOM)));
    List<RawMqttConnection> members = List.of(
        member(version, "rnd-a", "$share/g/rnd", MqttQos.AT_MOST_ONCE),
        member(version, "rnd-b", "$share/g/rnd", MqttQos.AT_MOST_ONCE),
        member(version, "rnd-c", "$share/g/rnd", MqttQos.AT_MOST_ONCE));
    // 60 messages: the chance that a member gets none is 3 × (2/3)^60, below 1e-10.
    publishMany(client(version, "rnd-pub"), "rnd", MqttQos.AT_LEAST_ONCE, 60);

    List<List<Publish>> got = members.stream().map(ConformanceScenario::drain).toList();
    assertThat(allPayloads(got)).containsExactlyInAnyOrderElementsOf(messages(60));
    assertThat(got).allSatisfy(l -> assertThat(l).isNotEmpty());
  }
}
