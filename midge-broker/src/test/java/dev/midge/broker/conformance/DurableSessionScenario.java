package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.LimitsConfig;
import dev.midge.broker.config.MqttConfig;
import dev.midge.broker.config.SessionConfig;
import dev.midge.broker.config.StorageConfig;
import dev.midge.broker.session.Session;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Pubcomp;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Pubrec;
import dev.midge.codec.packet.Pubrel;
import dev.midge.codec.packet.Suback;
import dev.midge.codec.packet.Subscribe;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.packet.Will;
import dev.midge.codec.reason.PubackReasonCode;
import dev.midge.codec.property.Properties;
import dev.midge.testkit.RawMqttConnection;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Durable sessions: a broker with a data directory (RocksDB, {@code sync: always}) stopped and
 * started again keeps retained messages, persistent sessions with their subscriptions, queued and
 * in-flight messages, inbound QoS 2 packet identifiers, session expiry deadlines and delayed
 * wills, and of MQTT 5: message deadlines (Message Expiry Interval), Subscription Identifiers and
 * shared subscriptions with the messages held for them. Crashes (kill -9 of a broker process) are
 * in {@code store.CrashTest}.
 *
 * <p>Deadlines are stored on the broker's wall clock; the scenarios move that clock between
 * restarts instead of waiting.
 */
@DisplayName("Durable sessions: state kept across a broker restart (RocksDB)")
class DurableSessionScenario extends ConformanceScenario {
  @TempDir Path dataDir;

  private BrokerConfig durable() {
    return config().withStorage(StorageConfig.DEFAULTS.withDataDir(dataDir));
  }

  /** Restarts the broker with its wall clock moved on by {@code later}. */
  private void restartLater(Duration later) {
    clock = Clock.fixed(Instant.now().plus(later), ZoneOffset.UTC);
    restartBroker();
  }

  private RawMqttConnection resume(Connect connect, boolean expectPresent) {
    RawMqttConnection c = open(connect.version());
    Connack ack = c.connect(connect);
    assertAccepted(ack);
    // MQTT 3.1 has no session present flag (its CONNACK byte 1 is reserved).
    assertThat(ack.sessionPresent()).as("session present of " + connect.clientId())
        .isEqualTo(expectPresent && connect.version() != MqttVersion.V3_1);
    return c;
  }

  private RawMqttConnection resume(MqttVersion version, String clientId, boolean expectPresent) {
    return resume(persistent(version, clientId), expectPresent);
  }

  private static Connect v5Session(String clientId, long expirySeconds, @org.jspecify.annotations.Nullable Will will) {
    return Connect.builder(MqttVersion.V5).clientId(clientId).keepAlive(0).cleanStart(false)
        .will(will)
        .properties(Properties.builder().sessionExpiryInterval(expirySeconds).build()).build();
  }

  private void leaveSubscribed(Connect connect, String filter, MqttQos qos) {
    RawMqttConnection c = resume(connect, false);
    c.subscribe(1, filter, qos);
    c.disconnect();
    c.expectClosed(WAIT);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.3.1-5 (3.1.1) / MQTT-3.3.1-5 (5.0): retained messages outlive a broker"
      + " restart, and a new subscription gets them with RETAIN set")
  void retained_whenBrokerRestarts_thenStillRetained(MqttVersion version) {
    startBroker(durable());
    RawMqttConnection pub = client(version, "pub");
    publishFully(pub, retained("r/1", MqttQos.AT_LEAST_ONCE, 1, "kept"));
    publishFully(pub, retained("r/2", MqttQos.AT_MOST_ONCE, 0, "gone"));
    publishFully(pub, retained("r/2", MqttQos.AT_MOST_ONCE, 0, "")); // clears r/2

    restartBroker();

    RawMqttConnection sub = client(version, "sub");
    sub.subscribe(1, "r/#", MqttQos.AT_LEAST_ONCE);
    List<Publish> got = drain(sub);
    assertThat(payloads(got)).containsExactly("kept");
    assertThat(got.get(0).retain()).isTrue();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.2-4 (3.1.1) / MQTT-3.1.2-5 (5.0): a persistent session outlives a"
      + " broker restart with its subscriptions and its queued QoS 1 and 2 messages, delivered"
      + " once, in order")
  void persistentSession_whenBrokerRestarts_thenSubscriptionsAndQueueKept(MqttVersion version) {
    startBroker(durable());
    leaveSubscribed(persistent(version, "away"), "q/#", MqttQos.EXACTLY_ONCE);
    RawMqttConnection pub = client(version, "pub");
    publishFully(pub, publish("q/a", MqttQos.AT_LEAST_ONCE, 1, "one"));
    publishFully(pub, publish("q/a", MqttQos.AT_MOST_ONCE, 0, "zero"));
    publishFully(pub, publish("q/a", MqttQos.EXACTLY_ONCE, 2, "two"));

    restartBroker();

    RawMqttConnection c = resume(version, "away", true);
    assertThat(payloads(drain(c))).containsExactly("one", "two");
    // The subscription is routed again, not only remembered.
    publishFully(client(version, "pub2"), publish("q/b", MqttQos.AT_LEAST_ONCE, 1, "after"));
    assertThat(payloads(drain(c))).containsExactly("after");
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-4.4.0-1: messages in flight when the broker stopped are sent again after"
      + " it restarts, PUBLISH with DUP and its packet identifier, PUBREL where PUBREC had"
      + " arrived, in the order first sent")
  void inflight_whenBrokerRestarts_thenResentWithTheirPacketIds(MqttVersion version) {
    startBroker(durable());
    RawMqttConnection sub = resume(version, "slow", false);
    sub.subscribe(1, "f/#", MqttQos.EXACTLY_ONCE);
    RawMqttConnection pub = client(version, "pub");
    publishFully(pub, publish("f/1", MqttQos.AT_LEAST_ONCE, 1, "a"));
    publishFully(pub, publish("f/2", MqttQos.EXACTLY_ONCE, 2, "b"));
    publishFully(pub, publish("f/3", MqttQos.EXACTLY_ONCE, 3, "c"));
    Publish a = sub.expect(Publish.class, WAIT);
    Publish b = sub.expect(Publish.class, WAIT);
    Publish c = sub.expect(Publish.class, WAIT);
    sub.send(new Pubrec(c.packetId()));
    assertThat(sub.expect(Pubrel.class, WAIT).packetId()).isEqualTo(c.packetId());

    restartBroker();

    RawMqttConnection again = resume(version, "slow", true);
    Publish a2 = again.expect(Publish.class, WAIT);
    Publish b2 = again.expect(Publish.class, WAIT);
    Pubrel rel = again.expect(Pubrel.class, WAIT);
    assertThat(List.of(a2.packetId(), b2.packetId(), rel.packetId()))
        .containsExactly(a.packetId(), b.packetId(), c.packetId());
    assertThat(a2.dup()).isTrue();
    assertThat(b2.dup()).isTrue();
    assertThat(text(a2.payload()) + text(b2.payload())).isEqualTo("ab");
    again.send(new Puback(a2.packetId()));
    again.send(new Pubrec(b2.packetId()));
    assertThat(again.expect(Pubrel.class, WAIT).packetId()).isEqualTo(b2.packetId());
    again.send(new Pubcomp(b2.packetId()));
    again.send(new Pubcomp(rel.packetId()));
    again.expectNothing(QUIET);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-4.3.3-2 (3.1.1) / MQTT-4.3.3-9 (5.0): a QoS 2 PUBLISH received (PUBREC"
      + " sent) before the broker restarts is not delivered again when the publisher sends it"
      + " again with DUP after the restart; PUBREL then completes it: exactly once")
  void inboundQos2_whenBrokerRestartsBeforePubrel_thenResendNotDeliveredAgain(
      MqttVersion version) {
    startBroker(durable());
    leaveSubscribed(persistent(version, "sub"), "x/#", MqttQos.EXACTLY_ONCE);
    RawMqttConnection pub = resume(version, "pub", false);
    Publish once = publish("x/1", MqttQos.EXACTLY_ONCE, 5, "once");
    pub.send(once);
    assertThat(pub.expect(Pubrec.class, WAIT).packetId()).isEqualTo(5);

    restartBroker();

    RawMqttConnection pub2 = resume(version, "pub", true);
    pub2.send(once.withDup(true));
    assertThat(pub2.expect(Pubrec.class, WAIT).packetId()).isEqualTo(5);
    pub2.send(new Pubrel(5));
    assertThat(pub2.expect(Pubcomp.class, WAIT).packetId()).isEqualTo(5);
    RawMqttConnection sub = resume(version, "sub", true);
    assertThat(payloads(drain(sub))).containsExactly("once");
  }

  @Test
  @DisplayName("MQTT 5 §3.1.2.11.2: a session whose expiry passes while the broker is down is"
      + " ended at start-up (session present 0); one with time left is kept")
  void sessionExpiry_whenItPassesWhileBrokerIsDown_thenEndedAtStartUp() {
    startBroker(durable());
    leaveSubscribed(v5Session("short", 600, null), "s/#", MqttQos.AT_LEAST_ONCE);
    leaveSubscribed(v5Session("long", 7200, null), "s/#", MqttQos.AT_LEAST_ONCE);
    publishFully(client(MqttVersion.V5, "pub"), publish("s/1", MqttQos.AT_LEAST_ONCE, 1, "m"));

    restartLater(Duration.ofHours(1));

    assertThat(broker.services().sessions().get("short")).as("ended at start-up").isNull();
    RawMqttConnection longLived = resume(v5Session("long", 7200, null), true);
    assertThat(payloads(drain(longLived))).containsExactly("m");
    RawMqttConnection shortLived = resume(v5Session("short", 600, null), false);
    assertThat(drain(shortLived)).isEmpty();
  }

  @Test
  @DisplayName("sessions.max-expiry-interval lowered across a restart holds for stored sessions:"
      + " one offline for longer than the new maximum is ended at start-up, and one that never"
      + " expired (MQTT 3.1.1 clean session 0) now expires after the maximum")
  void maxExpiryInterval_whenLoweredAcrossARestart_thenStoredSessionsAreHeldToIt() {
    startBroker(durable());
    leaveSubscribed(v5Session("v5", 86_400, null), "m/#", MqttQos.AT_LEAST_ONCE);
    leaveSubscribed(persistent(MqttVersion.V3_1_1, "v3"), "m/#", MqttQos.AT_LEAST_ONCE);

    clock = Clock.fixed(Instant.now().plus(Duration.ofMinutes(2)), ZoneOffset.UTC);
    restartBroker(durable().withSessions(SessionConfig.DEFAULTS.withMaxExpiryInterval(60)));

    assertThat(broker.services().sessions().get("v5")).as("offline 2 min, 1 min allowed")
        .isNull();
    Session v3 = broker.services().sessions().get("v3");
    assertThat(v3).isNotNull();
    assertThat(v3.expiryInterval()).isEqualTo(60);
  }

  @Test
  @DisplayName("MQTT-3.1.3-9, MQTT-3.1.2-8 (5.0): a will held for its Will Delay Interval when"
      + " the broker stops is still held after it restarts, and published once the delay has"
      + " passed")
  void delayedWill_whenBrokerRestarts_thenPublishedWhenTheDelayEnds() {
    startBroker(durable());
    leaveSubscribed(v5Session("watcher", 86_400, null), "wills/#", MqttQos.AT_LEAST_ONCE);
    Will will = new Will("wills/dev", bytes("gone"), MqttQos.AT_LEAST_ONCE, false,
        Properties.builder().willDelayInterval(3600).build());
    RawMqttConnection dev = resume(v5Session("dev", 86_400, will), false);
    dev.abort(); // no DISCONNECT: the will is held for an hour
    awaitHeldWills(1);

    restartBroker();
    assertThat(broker.services().wills().size()).as("still held after the restart").isEqualTo(1);

    restartLater(Duration.ofSeconds(3601));

    RawMqttConnection watcher = resume(v5Session("watcher", 86_400, null), true);
    assertThat(payloads(drain(watcher))).containsExactly("gone");
    assertThat(broker.services().wills().size()).isZero();
  }

  @Test
  @DisplayName("MQTT-3.1.2-8 (5.0): a held will whose session expires while the broker is down"
      + " is published at start-up, when the session is ended")
  void delayedWill_whenItsSessionExpiredWhileBrokerWasDown_thenPublishedAtStartUp() {
    startBroker(durable());
    leaveSubscribed(v5Session("watcher", 86_400, null), "wills/#", MqttQos.AT_LEAST_ONCE);
    Will will = new Will("wills/dev", bytes("ended"), MqttQos.AT_LEAST_ONCE, false,
        Properties.builder().willDelayInterval(3600).build());
    RawMqttConnection dev = resume(v5Session("dev", 60, will), false);
    dev.abort();
    awaitHeldWills(1);

    restartLater(Duration.ofSeconds(120));

    assertThat(broker.services().sessions().get("dev")).isNull();
    RawMqttConnection watcher = resume(v5Session("watcher", 86_400, null), true);
    assertThat(payloads(drain(watcher))).containsExactly("ended");
  }

  @Test
  @DisplayName("A resumed session's will is not kept: the session was resumed before its delay"
      + " ended (MQTT-3.1.3-9), so a restart does not bring it back")
  void delayedWill_whenCancelledByAResume_thenNotBackAfterRestart() {
    startBroker(durable());
    Will will = new Will("wills/dev", bytes("never"), MqttQos.AT_LEAST_ONCE, false,
        Properties.builder().willDelayInterval(3600).build());
    RawMqttConnection dev = resume(v5Session("dev", 86_400, will), false);
    dev.abort();
    awaitHeldWills(1);
    RawMqttConnection back = resume(v5Session("dev", 86_400, null), true);
    back.disconnect();
    back.expectClosed(WAIT);

    restartLater(Duration.ofSeconds(3601));

    assertThat(broker.services().wills().size()).isZero();
  }

  private static Publish expiring(String topic, int packetId, String payload, long seconds) {
    return publish(topic, MqttQos.AT_LEAST_ONCE, packetId, payload)
        .withProperties(Properties.builder().messageExpiryInterval(seconds).build());
  }

  @Test
  @DisplayName("MQTT-3.3.2-5, MQTT-3.3.2-6: queued messages keep their deadlines across a restart:"
      + " one whose Message Expiry Interval ran out while the broker was down is not sent, one"
      + " with time left is sent with what is left")
  void messageExpiry_whenDeadlinePassesWhileBrokerIsDown_thenExpiredOneNotSent() {
    startBroker(durable());
    leaveSubscribed(v5Session("away", 86_400, null), "e/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(MqttVersion.V5, "pub");
    publishFully(pub, expiring("e/1", 1, "short", 60));
    publishFully(pub, expiring("e/2", 2, "long", 7200));
    publishFully(pub, publish("e/3", MqttQos.AT_LEAST_ONCE, 3, "forever"));

    restartLater(Duration.ofHours(1));

    List<Publish> got = drain(resume(v5Session("away", 86_400, null), true));
    assertThat(payloads(got)).containsExactly("long", "forever");
    assertThat(got.get(0).properties().messageExpiryInterval()).isBetween(3590L, 3600L);
    assertThat(got.get(1).properties().messageExpiryInterval()).isNull();
    assertThat(counter("midge.messages.dropped", "cause", "expired")).isEqualTo(1);
  }

  @Test
  @DisplayName("MQTT 5 §3.3.2.3.3 (retained): a retained message whose Message Expiry Interval"
      + " ran out while the broker was down is removed at start-up, from disk too; one with time"
      + " left is kept and sent with what is left (MQTT-3.3.2-6)")
  void retainedExpiry_whenDeadlinePassesWhileBrokerIsDown_thenRemovedAtStartUp() {
    startBroker(durable());
    RawMqttConnection pub = client(MqttVersion.V5, "pub");
    publishFully(pub, expiring("r/short", 1, "short", 60).withRetain(true));
    publishFully(pub, expiring("r/long", 2, "long", 7200).withRetain(true));

    restartLater(Duration.ofHours(1));

    assertThat(broker.services().retained().size()).as("removed at start-up").isEqualTo(1);
    RawMqttConnection sub = client(MqttVersion.V5, "sub");
    sub.subscribe(1, "r/#", MqttQos.AT_LEAST_ONCE);
    List<Publish> got = drain(sub);
    assertThat(payloads(got)).containsExactly("long");
    assertThat(got.get(0).properties().messageExpiryInterval()).isBetween(3590L, 3600L);

    // With the clock back where it was, the short one would not have expired: it is gone from
    // disk, not only skipped.
    clock = Clock.systemUTC();
    restartBroker();
    assertThat(broker.services().retained().size()).isEqualTo(1);
  }

  @Test
  @DisplayName("MQTT 5 §3.8.2.1.2: a subscription's Subscription Identifier, or its absence, is"
      + " session state: after a restart the PUBLISH packets the subscription causes carry it as"
      + " before (MQTT-3.3.4-3)")
  void subscriptionIdentifier_whenBrokerRestarts_thenMessagesStillCarryIt() {
    startBroker(durable());
    RawMqttConnection c = resume(v5Session("ids", 86_400, null), false);
    c.send(new Subscribe(1, List.of(new Subscription("id/#", MqttQos.AT_LEAST_ONCE)),
        Properties.builder().subscriptionIdentifier(42).build()));
    c.expect(Suback.class, WAIT);
    c.send(new Subscribe(2, List.of(new Subscription("plain/#", MqttQos.AT_LEAST_ONCE)),
        Properties.builder().subscriptionIdentifier(7).build()));
    c.expect(Suback.class, WAIT);
    // Subscribing again without one replaces it: the absence is stored (§3.8.2.1.2).
    c.send(new Subscribe(3, List.of(new Subscription("plain/#", MqttQos.AT_LEAST_ONCE)),
        Properties.EMPTY));
    c.expect(Suback.class, WAIT);
    c.disconnect();
    c.expectClosed(WAIT);

    restartBroker();

    RawMqttConnection back = resume(v5Session("ids", 86_400, null), true);
    RawMqttConnection pub = client(MqttVersion.V5, "pub");
    publishFully(pub, publish("id/1", MqttQos.AT_LEAST_ONCE, 1, "with"));
    publishFully(pub, publish("plain/1", MqttQos.AT_LEAST_ONCE, 2, "without"));
    List<Publish> got = drain(back);
    assertThat(payloads(got)).containsExactly("with", "without");
    assertThat(got.get(0).properties().subscriptionIdentifiers()).containsExactly(42);
    assertThat(got.get(1).properties().subscriptionIdentifiers()).isEmpty();
  }

  @Test
  @DisplayName("MQTT 5 §4.8.2: shared subscriptions come back after a restart with their groups,"
      + " and the messages a member held for its group go to another member when that member's"
      + " session ends at start-up")
  void sharedSubscription_whenBrokerRestarts_thenGroupRebuiltAndHeldMessagesHandedOn() {
    startBroker(durable());
    leaveSubscribed(v5Session("m1", 60, null), "$share/g/sh/#", MqttQos.AT_LEAST_ONCE);
    leaveSubscribed(v5Session("m2", 86_400, null), "$share/g/sh/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(MqttVersion.V5, "pub");
    for (int i = 1; i <= 4; i++) {
      publishFully(pub, publish("sh/" + i, MqttQos.AT_LEAST_ONCE, i, "m" + i));
    }
    awaitQueued("m1", 2); // one each in turn (round robin)

    restartLater(Duration.ofSeconds(120)); // m1 expires while the broker is down, m2 does not

    assertThat(broker.services().sessions().get("m1")).isNull();
    awaitQueued("m2", 4);
    RawMqttConnection m2 = resume(v5Session("m2", 86_400, null), true);
    assertThat(payloads(drain(m2))).containsExactlyInAnyOrder("m1", "m2", "m3", "m4");
    publishFully(client(MqttVersion.V5, "pub2"), publish("sh/5", MqttQos.AT_LEAST_ONCE, 1, "m5"));
    assertThat(payloads(drain(m2))).as("still a member").containsExactly("m5");
  }

  @Test
  @DisplayName("MQTT 5 §4.8.2: a QoS 1 message a member had not acknowledged when its connection"
      + " closed goes to another member, and is gone from the first member's session for good:"
      + " not sent to it again after a restart")
  void sharedSubscription_whenHandedOffThenBrokerRestarts_thenNotBackWithTheFirstMember() {
    startBroker(durable());
    Connect m1Connect = v5Session("h1", 86_400, null);
    RawMqttConnection m1 = resume(m1Connect, false);
    m1.subscribe(1, "$share/g/h/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection m2 = resume(v5Session("h2", 86_400, null), false);
    m2.subscribe(1, "$share/g/h/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(MqttVersion.V5, "pub");
    publishFully(pub, publish("h/1", MqttQos.AT_LEAST_ONCE, 1, "first"));
    publishFully(pub, publish("h/2", MqttQos.AT_LEAST_ONCE, 2, "second"));
    Publish held = m1.expect(Publish.class, WAIT); // not acknowledged
    Publish own = m2.expect(Publish.class, WAIT);
    m2.send(new Puback(own.packetId()));

    m1.abort(); // its session stays; what it held for the group goes to m2
    Publish handed = m2.expect(Publish.class, WAIT);
    assertThat(text(handed.payload())).isEqualTo(text(held.payload()));
    m2.send(new Puback(handed.packetId()));
    m2.expectNothing(QUIET);

    restartBroker();

    assertThat(drain(resume(m1Connect, true))).as("not sent to the first member again").isEmpty();
    assertThat(drain(resume(v5Session("h2", 86_400, null), true))).isEmpty();
  }

  @Test
  @DisplayName("MQTT-4.6.0-2 (and MQTT 5 §4.13): with a durable store, PUBACKs still go in the"
      + " order the PUBLISH packets came, refusals included (0x97 retained quota, 0x99 payload"
      + " format), and only accepted messages are kept")
  void acknowledgements_whenSomeAreRefused_thenAllInOrderAndOnlyAcceptedKept() {
    startBroker(durable().withLimits(LimitsConfig.DEFAULTS.withMaxRetainedMessages(1))
        .withMqtt(MqttConfig.DEFAULTS.withPayloadFormatValidation(true)));
    leaveSubscribed(v5Session("sub", 86_400, null), "o/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(MqttVersion.V5, "pub");
    pub.send(retained("o/1", MqttQos.AT_LEAST_ONCE, 1, "kept"));
    pub.send(retained("o/2", MqttQos.AT_LEAST_ONCE, 2, "over the quota"));
    pub.send(new Publish("o/3", MqttQos.AT_LEAST_ONCE, false, false, 3, new byte[] {(byte) 0xFF},
        Properties.builder().payloadFormatIndicator(1).build()));
    pub.send(publish("o/4", MqttQos.AT_LEAST_ONCE, 4, "last"));
    List<Puback> acks = List.of(pub.expect(Puback.class, WAIT), pub.expect(Puback.class, WAIT),
        pub.expect(Puback.class, WAIT), pub.expect(Puback.class, WAIT));
    assertThat(acks).extracting(Puback::packetId).containsExactly(1, 2, 3, 4);
    assertThat(acks).extracting(Puback::reasonCode).containsExactly(PubackReasonCode.SUCCESS,
        PubackReasonCode.QUOTA_EXCEEDED, PubackReasonCode.PAYLOAD_FORMAT_INVALID,
        PubackReasonCode.SUCCESS);

    restartBroker();

    assertThat(broker.services().retained().size()).isEqualTo(1);
    assertThat(payloads(drain(resume(v5Session("sub", 86_400, null), true))))
        .containsExactly("kept", "last");
  }

  private void awaitQueued(String clientId, int n) {
    org.awaitility.Awaitility.await("messages queued for " + clientId).atMost(WAIT).until(() -> {
      Session s = broker.services().sessions().get(clientId);
      return s != null && s.state().queuedCount() == n;
    });
  }

  private void awaitHeldWills(int n) {
    org.awaitility.Awaitility.await("held wills").atMost(WAIT)
        .until(() -> broker.services().wills().size() == n);
  }
}
