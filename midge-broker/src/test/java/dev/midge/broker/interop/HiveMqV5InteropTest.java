package dev.midge.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperty;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckRestrictions;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.pubrec.Mqtt5PubRecReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5RetainHandling;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.unsubscribe.unsuback.Mqtt5UnsubAckReasonCode;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Publish;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The HiveMQ MQTT client's {@code Mqtt5Client} as a real MQTT 5 peer of Midge, for every MQTT 5
 * feature the broker has (docs/mqtt5.md, "Works"): what the client sees in CONNACK, session
 * expiry, wills with a delay, topic aliases both ways, the client's Maximum Packet Size and
 * Receive Maximum, subscription options, PUBLISH properties, reason codes, takeover and the
 * keep-alive timeout. Each assertion is on what the client library reports; a {@link
 * SniffingProxy} shows the packets as sent where the library hides them (Topic Aliases).
 *
 * <p>Not covered with this client: SUBACK 0x8F, since the library validates every topic filter
 * itself and refuses an invalid one before sending it (the raw-bytes conformance scenarios and
 * {@link PahoV5InteropTest} cover it).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HiveMqV5InteropTest {
  private static final Duration WAIT = Inbox.WAIT;

  @RegisterExtension
  final InteropBroker broker = InteropBroker.started("hivemq5");
  private final InteropClients clients = new InteropClients(broker);

  // ---- CONNACK ----

  @Test
  @DisplayName("§3.2.2.3.3, §3.2.2.3.6, §3.2.2.3.8: CONNACK tells the client Receive Maximum 1024,"
      + " Topic Alias Maximum 10 and limits.max-packet-size as Maximum Packet Size")
  void connack_whenV5Client_thenClientSeesBrokerLimits() {
    broker.restart(InteropBroker.maxPacketSize(64 * 1024));

    Mqtt5ConnAck ack = clients.hiveMq5("hivemq5-limits").connectWith().cleanStart(true)
        .send();

    Mqtt5ConnAckRestrictions r = ack.getRestrictions();
    assertThat(r.getReceiveMaximum()).isEqualTo(1024);
    assertThat(r.getTopicAliasMaximum()).isEqualTo(10);
    assertThat(r.getMaximumPacketSize()).isEqualTo(64 * 1024);
    assertThat(r.areSubscriptionIdentifiersAvailable()).isTrue();
    assertThat(r.isSharedSubscriptionAvailable()).isTrue();
  }

  @Test
  @DisplayName("MQTT-3.1.3-6, MQTT-3.1.3-7: a client with an empty client identifier is assigned"
      + " a unique one, returned as Assigned Client Identifier")
  void connack_whenClientIdentifierEmpty_thenAssignedClientIdentifier() {
    Mqtt5BlockingClient first = clients.hiveMq5(null);
    Mqtt5BlockingClient second = clients.hiveMq5(null);

    Mqtt5ConnAck a = first.connectWith().cleanStart(true).send();
    Mqtt5ConnAck b = second.connectWith().cleanStart(true).send();

    assertThat(a.getAssignedClientIdentifier()).isPresent();
    assertThat(b.getAssignedClientIdentifier()).isPresent();
    String idA = a.getAssignedClientIdentifier().get().toString();
    String idB = b.getAssignedClientIdentifier().get().toString();
    assertThat(idA).isNotEmpty().isNotEqualTo(idB);
    assertThat(first.getConfig().getClientIdentifier()).map(Object::toString).hasValue(idA);
    assertThat(broker.services().sessions().get(idA)).isNotNull();
  }

  @ParameterizedTest(
      name = "asks {0} s, listener {1}..{2} s, zero allowed {3}: Server Keep Alive {4}")
  @CsvSource({
      "120, 5, 30, true, 30",
      "2, 5, 30, true, 5",
      "0, 5, 30, false, 30",
      "10, 5, 30, true, -1",
      "0, 5, 30, true, -1"})
  @DisplayName("MQTT-3.2.2-21, §3.2.2.3.14: a keep alive outside the listener's range is answered"
      + " with Server Keep Alive, which the client then uses; one within it gets none")
  void connack_whenKeepAliveOutsideListenerRange_thenServerKeepAlive(int asked, int min, int max,
      boolean allowZero, int expected) {
    broker.restart(InteropBroker.keepAliveRange(min, max, allowZero));
    Mqtt5BlockingClient c = clients.hiveMq5("hivemq5-keepalive");

    Mqtt5ConnAck ack = c.connectWith().cleanStart(true).keepAlive(asked).send();

    if (expected < 0) {
      assertThat(ack.getServerKeepAlive()).isEmpty();
      assertThat(c.getConfig().getConnectionConfig().orElseThrow().getKeepAlive())
          .isEqualTo(asked);
    } else {
      assertThat(ack.getServerKeepAlive()).isEqualTo(OptionalInt.of(expected));
      assertThat(c.getConfig().getConnectionConfig().orElseThrow().getKeepAlive())
          .isEqualTo(expected);
    }
  }

  @Test
  @DisplayName("MQTT-3.2.2-2, MQTT-3.2.2-3: session present is 0 after clean start 1 and 1 when"
      + " clean start 0 finds the session")
  void connack_whenSessionKeptOrNot_thenSessionPresentTellsTheClient() {
    String id = "hivemq5-present";
    Mqtt5BlockingClient c = clients.hiveMq5(id);
    assertThat(c.connectWith().cleanStart(false).sessionExpiryInterval(60).send()
        .isSessionPresent()).as("no session yet").isFalse();
    c.disconnect();
    awaitOffline(id);

    assertThat(c.connectWith().cleanStart(false).sessionExpiryInterval(60).send()
        .isSessionPresent()).as("resumed").isTrue();
    c.disconnect();
    awaitOffline(id);

    assertThat(c.connectWith().cleanStart(true).sessionExpiryInterval(60).send()
        .isSessionPresent()).as("clean start").isFalse();
  }

  // ---- Session Expiry Interval ----

  @Test
  @DisplayName("§3.1.2.11.2: Session Expiry Interval 0 ends the session with the connection —"
      + " subscriptions and messages for it are gone")
  void sessionExpiry_whenZero_thenSessionEndsWithConnection() throws Exception {
    String id = "hivemq5-expiry0";
    Mqtt5BlockingClient c = clients.hiveMq5(id);
    c.connectWith().cleanStart(true).sessionExpiryInterval(0).send();
    c.subscribeWith().topicFilter(broker.topic("t")).qos(MqttQos.AT_LEAST_ONCE).send();
    c.disconnect();
    await().atMost(WAIT).until(() -> broker.services().sessions().get(id) == null);

    assertThat(pubackCode(publisher(), broker.topic("t"), "lost"))
        .as("nobody subscribes any more").isEqualTo(Mqtt5PubAckReasonCode.NO_MATCHING_SUBSCRIBERS);

    Mqtt5BlockingClient back = clients.hiveMq5(id);
    Inbox<Mqtt5Publish> inbox = inbox(back);
    assertThat(back.connectWith().cleanStart(false).send().isSessionPresent()).isFalse();
    assertNothingQueued(back, inbox);
  }

  @Test
  @DisplayName("MQTT-3.1.2-23, MQTT-3.2.2-3: with a Session Expiry Interval the session keeps its"
      + " subscriptions and QoS 1 messages while offline; a clean start 0 reconnect gets them")
  void sessionExpiry_whenSet_thenSubscriptionsAndQueuedMessagesKeptWhileOffline()
      throws Exception {
    String id = "hivemq5-expiry";
    Mqtt5BlockingClient c = clients.hiveMq5(id);
    c.connectWith().cleanStart(true).sessionExpiryInterval(60).send();
    c.subscribeWith().topicFilter(broker.topic("t")).qos(MqttQos.AT_LEAST_ONCE).send();
    c.disconnect();
    awaitOffline(id);

    Mqtt5BlockingClient pub = publisher();
    for (int i = 1; i <= 3; i++) {
      assertThat(pubackCode(pub, broker.topic("t"), "q" + i)).as("the offline session subscribes")
          .isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
    }

    Mqtt5BlockingClient back = clients.hiveMq5(id);
    Inbox<Mqtt5Publish> inbox = inbox(back);
    assertThat(back.connectWith().cleanStart(false).sessionExpiryInterval(60).send()
        .isSessionPresent()).isTrue();
    List<Mqtt5Publish> queued = inbox.next(3);
    assertThat(queued).extracting(HiveMqV5InteropTest::text).containsExactly("q1", "q2", "q3");
    assertThat(queued).extracting(Mqtt5Publish::getQos).containsOnly(MqttQos.AT_LEAST_ONCE);

    pubackCode(pub, broker.topic("t"), "live");
    assertThat(text(inbox.next())).as("the kept subscription still works").isEqualTo("live");
  }

  @Test
  @DisplayName("§3.1.2.11.2, §4.1: a session whose Session Expiry Interval passed is gone — its"
      + " queued messages and subscriptions with it; a later CONNECT gets session present 0")
  void sessionExpiry_whenIntervalPassed_thenSessionGone() throws Exception {
    String id = "hivemq5-expired";
    Mqtt5BlockingClient c = clients.hiveMq5(id);
    c.connectWith().cleanStart(true).sessionExpiryInterval(1).send();
    c.subscribeWith().topicFilter(broker.topic("t")).qos(MqttQos.AT_LEAST_ONCE).send();
    long offlineSince = System.nanoTime(); // before DISCONNECT: the broker cannot start earlier
    c.disconnect();

    Mqtt5BlockingClient pub = publisher();
    assertThat(pubackCode(pub, broker.topic("t"), "queued")).as("still subscribed, offline")
        .isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
    // The subscription goes with the session: the publisher sees it as PUBACK 0x10.
    await().atMost(WAIT).pollInterval(Duration.ofMillis(100))
        .until(() -> pubackCode(pub, broker.topic("fence"), "poll")
            == Mqtt5PubAckReasonCode.NO_MATCHING_SUBSCRIBERS
            && pubackCode(pub, broker.topic("t"), "late")
            == Mqtt5PubAckReasonCode.NO_MATCHING_SUBSCRIBERS);
    assertThat(Duration.ofNanos(System.nanoTime() - offlineSince))
        .as("not before its interval").isGreaterThanOrEqualTo(Duration.ofMillis(900));

    Mqtt5BlockingClient back = clients.hiveMq5(id);
    Inbox<Mqtt5Publish> inbox = inbox(back);
    assertThat(back.connectWith().cleanStart(false).sessionExpiryInterval(1).send()
        .isSessionPresent()).isFalse();
    assertNothingQueued(back, inbox);
  }

  @Test
  @DisplayName("§3.14.2.2.2: DISCONNECT with Session Expiry Interval 0 after 60 in CONNECT ends"
      + " the session at once")
  void sessionExpiry_whenDisconnectSetsZero_thenSessionEndsAtOnce() throws Exception {
    String id = "hivemq5-disconnect0";
    Mqtt5BlockingClient c = clients.hiveMq5(id);
    c.connectWith().cleanStart(true).sessionExpiryInterval(60).send();
    c.subscribeWith().topicFilter(broker.topic("t")).qos(MqttQos.AT_LEAST_ONCE).send();
    c.disconnectWith().sessionExpiryInterval(0).send();
    await().atMost(WAIT).until(() -> broker.services().sessions().get(id) == null);

    assertThat(pubackCode(publisher(), broker.topic("t"), "lost"))
        .isEqualTo(Mqtt5PubAckReasonCode.NO_MATCHING_SUBSCRIBERS);
    Mqtt5BlockingClient back = clients.hiveMq5(id);
    Inbox<Mqtt5Publish> inbox = inbox(back);
    assertThat(back.connectWith().cleanStart(false).send().isSessionPresent()).isFalse();
    assertNothingQueued(back, inbox);
  }

  @Test
  @DisplayName("§3.14.2.2.2: DISCONNECT may shorten the Session Expiry Interval — 300 s in"
      + " CONNECT, 1 s on DISCONNECT: kept for 1 s, then ended")
  void sessionExpiry_whenDisconnectShortensInterval_thenSessionEndsAfterNewInterval()
      throws Exception {
    String id = "hivemq5-disconnect1";
    Mqtt5BlockingClient c = clients.hiveMq5(id);
    c.connectWith().cleanStart(true).sessionExpiryInterval(300).send();
    c.subscribeWith().topicFilter(broker.topic("t")).qos(MqttQos.AT_LEAST_ONCE).send();
    long offlineSince = System.nanoTime(); // before DISCONNECT: the broker cannot start earlier
    c.disconnectWith().sessionExpiryInterval(1).send();

    Mqtt5BlockingClient pub = publisher();
    assertThat(pubackCode(pub, broker.topic("t"), "queued"))
        .isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
    await().atMost(WAIT).pollInterval(Duration.ofMillis(100))
        .until(() -> pubackCode(pub, broker.topic("t"), "poll")
            == Mqtt5PubAckReasonCode.NO_MATCHING_SUBSCRIBERS);
    assertThat(Duration.ofNanos(System.nanoTime() - offlineSince))
        .isGreaterThanOrEqualTo(Duration.ofMillis(900));

    Mqtt5BlockingClient back = clients.hiveMq5(id);
    Inbox<Mqtt5Publish> inbox = inbox(back);
    assertThat(back.connectWith().cleanStart(false).send().isSessionPresent()).isFalse();
    assertNothingQueued(back, inbox);
  }

  @Test
  @DisplayName("§3.1.2.11.2: the interval of the latest CONNECT counts — a session kept with 60 s,"
      + " resumed with 0, ends when that connection closes")
  void sessionExpiry_whenResumedWithZero_thenSessionEndsWithThatConnection() throws Exception {
    String id = "hivemq5-resume0";
    Mqtt5BlockingClient c = clients.hiveMq5(id);
    c.connectWith().cleanStart(true).sessionExpiryInterval(60).send();
    c.subscribeWith().topicFilter(broker.topic("t")).qos(MqttQos.AT_LEAST_ONCE).send();
    c.disconnect();
    awaitOffline(id);

    Mqtt5BlockingClient again = clients.hiveMq5(id);
    assertThat(again.connectWith().cleanStart(false).sessionExpiryInterval(0).send()
        .isSessionPresent()).isTrue();
    again.disconnect();
    await().atMost(WAIT).until(() -> broker.services().sessions().get(id) == null);

    assertThat(pubackCode(publisher(), broker.topic("t"), "lost"))
        .isEqualTo(Mqtt5PubAckReasonCode.NO_MATCHING_SUBSCRIBERS);
    Mqtt5BlockingClient back = clients.hiveMq5(id);
    assertThat(back.connectWith().cleanStart(false).send().isSessionPresent()).isFalse();
  }

  // ---- Will Delay Interval ----

  @Test
  @DisplayName("MQTT-3.1.3-9: a client that comes back (clean start 0) within its Will Delay"
      + " Interval has no will published")
  void willDelay_whenClientReturnsWithinDelay_thenWillNotSent() throws Exception {
    Inbox<Mqtt5Publish> watched = watch(broker.topic("will"));
    String id = "hivemq5-returning";
    SniffingProxy proxy = broker.proxy();
    Mqtt5BlockingClient dying = clients.hiveMq5(id, proxy.port());
    dying.connectWith().cleanStart(true).sessionExpiryInterval(60)
        .willPublish().topic(broker.topic("will")).qos(MqttQos.AT_LEAST_ONCE)
        .payload(bytes("gone")).delayInterval(2).applyWillPublish()
        .send();

    proxy.sever();
    await().atMost(WAIT).until(() -> broker.services().wills().size() == 1);
    Mqtt5BlockingClient back = clients.hiveMq5(id);
    assertThat(back.connectWith().cleanStart(false).sessionExpiryInterval(60).send()
        .isSessionPresent()).isTrue();

    assertThat(broker.services().wills().size()).as("wills pending").isZero();
    watched.expectNothingFor(Duration.ofMillis(2500));
  }

  @Test
  @DisplayName("MQTT-3.1.2-8 (5.0), §3.1.3.2.2: a client that does not come back has its will"
      + " published once the Will Delay Interval has passed, not before, with its properties")
  void willDelay_whenClientDoesNotReturn_thenWillSentAfterDelay() throws Exception {
    Inbox<Mqtt5Publish> watched = watch(broker.topic("will"));
    SniffingProxy proxy = broker.proxy();
    Mqtt5BlockingClient dying = clients.hiveMq5("hivemq5-dying", proxy.port());
    dying.connectWith().cleanStart(true).sessionExpiryInterval(60)
        .willPublish().topic(broker.topic("will")).qos(MqttQos.AT_LEAST_ONCE)
        .payload(bytes("gone")).delayInterval(1)
        .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8).contentType("text/plain")
        .responseTopic(broker.topic("reply")).correlationData(new byte[] {7, 0, (byte) 0xFF})
        .userProperties().add("why", "test").add("why", "again").applyUserProperties()
        .applyWillPublish()
        .send();

    long severed = System.nanoTime();
    proxy.sever();

    Mqtt5Publish will = watched.next();
    assertThat(Duration.ofNanos(System.nanoTime() - severed)).as("held for its delay")
        .isGreaterThanOrEqualTo(Duration.ofMillis(950));
    assertThat(text(will)).isEqualTo("gone");
    assertThat(will.getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
    assertThat(will.getPayloadFormatIndicator()).hasValue(Mqtt5PayloadFormatIndicator.UTF_8);
    assertThat(will.getContentType()).map(Object::toString).hasValue("text/plain");
    assertThat(will.getResponseTopic()).map(Object::toString).hasValue(broker.topic("reply"));
    assertThat(will.getCorrelationData()).map(HiveMqV5InteropTest::array)
        .hasValue(new byte[] {7, 0, (byte) 0xFF});
    assertThat(pairs(will.getUserProperties())).containsExactly("why=test", "why=again");
  }

  @Test
  @DisplayName("MQTT-3.1.2-8 (5.0), §3.1.3.2.2: the will goes when the session ends if that comes"
      + " before the Will Delay Interval — session expiry 1 s, will delay 60 s")
  void willDelay_whenSessionEndsFirst_thenWillSentAtSessionEnd() throws Exception {
    Inbox<Mqtt5Publish> watched = watch(broker.topic("will"));
    SniffingProxy proxy = broker.proxy();
    Mqtt5BlockingClient dying = clients.hiveMq5("hivemq5-short-session", proxy.port());
    dying.connectWith().cleanStart(true).sessionExpiryInterval(1)
        .willPublish().topic(broker.topic("will")).qos(MqttQos.AT_LEAST_ONCE)
        .payload(bytes("gone")).delayInterval(60).applyWillPublish()
        .send();

    long severed = System.nanoTime();
    proxy.sever();

    assertThat(text(watched.next())).isEqualTo("gone");
    assertThat(Duration.ofNanos(System.nanoTime() - severed)).as("held until the session ended")
        .isGreaterThanOrEqualTo(Duration.ofMillis(950));
    assertThat(broker.services().sessions().get("hivemq5-short-session")).isNull();
  }

  @Test
  @DisplayName("MQTT-3.1.2-8 (5.0), §3.14.2.1: DISCONNECT with reason 0x04 (Disconnect with Will"
      + " Message) has the will published")
  void will_whenDisconnectWithWillMessage_thenWillSent() throws Exception {
    Inbox<Mqtt5Publish> watched = watch(broker.topic("will"));
    Mqtt5BlockingClient c = clients.hiveMq5("hivemq5-0x04");
    c.connectWith().cleanStart(true)
        .willPublish().topic(broker.topic("will")).qos(MqttQos.AT_LEAST_ONCE).payload(bytes("bye"))
        .applyWillPublish()
        .send();

    c.disconnectWith().reasonCode(Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE).send();

    assertThat(text(watched.next())).isEqualTo("bye");
  }

  @Test
  @DisplayName("MQTT-3.1.2-8, MQTT-3.1.2-10 (5.0): a normal DISCONNECT (0x00) deletes the will")
  void will_whenNormalDisconnect_thenWillNotSent() throws Exception {
    Inbox<Mqtt5Publish> watched = watch(broker.topic("#"));
    Mqtt5BlockingClient c = clients.hiveMq5("hivemq5-polite");
    c.connectWith().cleanStart(true)
        .willPublish().topic(broker.topic("will")).qos(MqttQos.AT_LEAST_ONCE).payload(bytes("bye"))
        .applyWillPublish()
        .send();

    c.disconnect();
    await().atMost(WAIT).until(() -> broker.services().sessions().get("hivemq5-polite") == null);
    pubackCode(publisher(), broker.topic("fence"), "fence");

    assertThat(watched.until(p -> text(p).equals("fence")))
        .extracting(HiveMqV5InteropTest::text).containsExactly("fence");
  }

  // ---- Topic aliases ----

  @Test
  @DisplayName("MQTT-3.3.2-12, §3.3.2.3.4: the client's own Topic Aliases (up to the 10 CONNACK"
      + " allows) are resolved; subscribers get full topics and never the alias")
  void topicAlias_whenClientSendsAliases_thenBrokerResolvesThem() throws Exception {
    SniffingProxy subProxy = broker.proxy();
    Mqtt5BlockingClient sub = clients.hiveMq5("hivemq5-alias-sub", subProxy.port());
    Inbox<Mqtt5Publish> inbox = inbox(sub);
    sub.connectWith().cleanStart(true).send();
    sub.subscribeWith().topicFilter(broker.topic("#")).qos(MqttQos.AT_LEAST_ONCE).send();

    SniffingProxy pubProxy = broker.proxy();
    Mqtt5BlockingClient pub = clients.hiveMq5("hivemq5-alias-pub", pubProxy.port());
    pub.connectWith().cleanStart(true).restrictions().sendTopicAliasMaximum(10)
        .applyRestrictions().send();
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      String topic = broker.topic(i % 2 == 0 ? "even/topic" : "odd/topic");
      pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(bytes("m" + i)).send();
      sent.add(topic);
    }

    List<Mqtt5Publish> got = inbox.next(sent.size());
    assertThat(got).extracting(p -> p.getTopic().toString()).containsExactlyElementsOf(sent);
    List<Publish> wireIn = pubProxy.toBroker().publishes(MqttVersion.V5);
    assertThat(wireIn).as("the client used aliases")
        .anySatisfy(p -> {
          assertThat(p.topic()).isEmpty();
          assertThat(p.properties().topicAlias()).isBetween(1, 10);
        });
    assertThat(subProxy.toClient().publishes(MqttVersion.V5)).as("as forwarded")
        .hasSize(sent.size())
        .allSatisfy(p -> assertThat(p.properties().topicAlias()).isNull())
        .extracting(Publish::topic).containsExactlyElementsOf(sent);
  }

  @Test
  @DisplayName("MQTT-3.3.2-11, §3.3.2.3.4: a client with Topic Alias Maximum 2 gets aliases 1 and"
      + " 2 for its first two topics (topic and alias once, then the alias alone) and full"
      + " topics beyond; the client resolves every one")
  void topicAlias_whenClientAllowsTwo_thenBrokerSendsAliasesUpToThatMaximum() throws Exception {
    SniffingProxy proxy = broker.proxy();
    Mqtt5BlockingClient sub = clients.hiveMq5("hivemq5-alias-in", proxy.port());
    Inbox<Mqtt5Publish> inbox = inbox(sub);
    sub.connectWith().cleanStart(true).restrictions().topicAliasMaximum(2).applyRestrictions()
        .send();
    sub.subscribeWith().topicFilter(broker.topic("#")).qos(MqttQos.AT_LEAST_ONCE).send();

    Mqtt5BlockingClient pub = publisher();
    List<String> sent = new ArrayList<>();
    for (int round = 0; round < 2; round++) {
      for (String t : List.of("a", "b", "c")) {
        pub.publishWith().topic(broker.topic(t)).qos(MqttQos.AT_LEAST_ONCE)
            .payload(bytes(t + round)).send();
        sent.add(broker.topic(t));
      }
    }

    assertThat(inbox.next(sent.size())).extracting(p -> p.getTopic().toString())
        .containsExactlyElementsOf(sent);
    List<Publish> wire = proxy.toClient().publishes(MqttVersion.V5);
    assertThat(wire).extracting(Publish::topic).containsExactly(
        broker.topic("a"), broker.topic("b"), broker.topic("c"), "", "", broker.topic("c"));
    assertThat(wire).extracting(p -> p.properties().topicAlias())
        .containsExactly(1, 2, null, 1, 2, null);
  }

  // ---- the client's Maximum Packet Size and Receive Maximum ----

  @Test
  @DisplayName("MQTT-3.1.2-24, MQTT-3.1.2-25: a message larger than the subscriber's Maximum"
      + " Packet Size is not sent to it (counted as dropped); the next small one is")
  void maximumPacketSize_whenMessageTooLargeForSubscriber_thenSkippedAndCounted()
      throws Exception {
    Mqtt5BlockingClient small = clients.hiveMq5("hivemq5-small");
    Inbox<Mqtt5Publish> smallInbox = inbox(small);
    small.connectWith().cleanStart(true).restrictions().maximumPacketSize(1024)
        .applyRestrictions().send();
    small.subscribeWith().topicFilter(broker.topic("t")).qos(MqttQos.AT_LEAST_ONCE).send();
    Inbox<Mqtt5Publish> bigInbox = watch(broker.topic("t"));

    Mqtt5BlockingClient pub = publisher();
    byte[] big = new byte[2000];
    java.util.Arrays.fill(big, (byte) 'x');
    pub.publishWith().topic(broker.topic("t")).qos(MqttQos.AT_LEAST_ONCE).payload(big).send();
    pub.publishWith().topic(broker.topic("t")).qos(MqttQos.AT_LEAST_ONCE).payload(bytes("small"))
        .send();

    assertThat(text(smallInbox.next())).as("the first message the limited client gets")
        .isEqualTo("small");
    assertThat(bigInbox.next(2)).extracting(p -> p.getPayloadAsBytes().length)
        .as("a subscriber without a limit gets both").containsExactly(2000, 5);
    await().atMost(WAIT).until(() -> broker.droppedTooLarge() == 1.0);
    assertThat(small.getState().isConnected()).isTrue();
  }

  @Test
  @DisplayName("MQTT-3.1.2-24, MQTT-3.1.2-25: a retained message larger than a new subscriber's"
      + " Maximum Packet Size is not sent on SUBSCRIBE (counted as dropped); a smaller one is")
  void maximumPacketSize_whenRetainedTooLargeForNewSubscriber_thenSkippedAndCounted()
      throws Exception {
    Mqtt5BlockingClient pub = publisher();
    pub.publishWith().topic(broker.topic("big")).qos(MqttQos.AT_LEAST_ONCE).retain(true)
        .payload(new byte[2000]).send();
    pub.publishWith().topic(broker.topic("small")).qos(MqttQos.AT_LEAST_ONCE).retain(true)
        .payload(bytes("small")).send();

    Mqtt5BlockingClient sub = clients.hiveMq5("hivemq5-small-retained");
    Inbox<Mqtt5Publish> inbox = inbox(sub);
    sub.connectWith().cleanStart(true).restrictions().maximumPacketSize(1024)
        .applyRestrictions().send();
    sub.subscribeWith().topicFilter(broker.topic("#")).qos(MqttQos.AT_LEAST_ONCE).send();
    pubackCode(pub, broker.topic("fence"), "fence");

    assertThat(inbox.until(p -> text(p).equals("fence"))).extracting(HiveMqV5InteropTest::text)
        .containsExactly("small", "fence");
    await().atMost(WAIT).until(() -> broker.droppedTooLarge() == 1.0);
  }

  @Test
  @DisplayName("MQTT-3.3.4-9: with Receive Maximum 2 the client never has more than 2"
      + " unacknowledged QoS 1 messages from the broker; each acknowledgement lets one more"
      + " come, and all arrive in order")
  void receiveMaximum_whenClientAllowsTwo_thenAtMostTwoUnacknowledged() throws Exception {
    SniffingProxy proxy = broker.proxy();
    Mqtt5BlockingClient sub = clients.hiveMq5("hivemq5-recvmax", proxy.port());
    Inbox<Mqtt5Publish> inbox = new Inbox<>(HiveMqV5InteropTest::text);
    sub.toAsync().publishes(MqttGlobalPublishFilter.ALL, inbox::add, true);
    sub.connectWith().cleanStart(true).restrictions().receiveMaximum(2).applyRestrictions()
        .send();
    sub.subscribeWith().topicFilter(broker.topic("t")).qos(MqttQos.AT_LEAST_ONCE).send();

    Mqtt5BlockingClient pub = publisher();
    for (int i = 1; i <= 6; i++) {
      assertThat(pubackCode(pub, broker.topic("t"), "m" + i))
          .isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
    }

    List<Mqtt5Publish> got = new ArrayList<>(inbox.next(2));
    inbox.expectNothingFor(Duration.ofMillis(500));
    assertThat(proxy.toClient().count(SniffingProxy.PUBLISH)).as("PUBLISH on the wire")
        .isEqualTo(2);

    got.get(0).acknowledge();
    got.add(inbox.next());
    inbox.expectNothingFor(Duration.ofMillis(300));
    assertThat(proxy.toClient().count(SniffingProxy.PUBLISH)).isEqualTo(3);

    for (int i = 1; i < 6; i++) {
      got.get(i).acknowledge();
      if (got.size() < 6) {
        got.add(inbox.next());
      }
    }
    assertThat(got).extracting(HiveMqV5InteropTest::text)
        .containsExactly("m1", "m2", "m3", "m4", "m5", "m6");
    await().atMost(WAIT).until(() -> proxy.toBroker().count(SniffingProxy.PUBACK) == 6);
  }

  @Test
  @DisplayName("MQTT-3.3.4-9, MQTT-4.4.0-1, §4.9: QoS 1 messages still unacknowledged when a"
      + " session goes offline are resent on reconnect within the new connection's Receive"
      + " Maximum: 5 in flight, back with Receive Maximum 2, at most 2 unacknowledged")
  void receiveMaximum_whenResumedWithSmallerMaximum_thenResendsStayWithinIt() throws Exception {
    String id = "hivemq5-recvmax-resume";
    Mqtt5BlockingClient first = clients.hiveMq5(id);
    Inbox<Mqtt5Publish> firstInbox = new Inbox<>(HiveMqV5InteropTest::text);
    first.toAsync().publishes(MqttGlobalPublishFilter.ALL, firstInbox::add, true);
    first.connectWith().cleanStart(true).sessionExpiryInterval(60).restrictions()
        .receiveMaximum(10).applyRestrictions().send();
    first.subscribeWith().topicFilter(broker.topic("t")).qos(MqttQos.AT_LEAST_ONCE).send();
    Mqtt5BlockingClient pub = publisher();
    for (int i = 1; i <= 5; i++) {
      pubackCode(pub, broker.topic("t"), "m" + i);
    }
    assertThat(firstInbox.next(5)).as("received, never acknowledged").hasSize(5);
    first.disconnect();
    awaitOffline(id);

    SniffingProxy proxy = broker.proxy();
    CompletableFuture<MqttClientDisconnectedContext> gone = new CompletableFuture<>();
    Mqtt5BlockingClient back = client(id, proxy.port(), gone::complete);
    Inbox<Mqtt5Publish> inbox = new Inbox<>(HiveMqV5InteropTest::text);
    back.toAsync().publishes(MqttGlobalPublishFilter.ALL, inbox::add, true);
    assertThat(back.connectWith().cleanStart(false).sessionExpiryInterval(60).restrictions()
        .receiveMaximum(2).applyRestrictions().send().isSessionPresent()).isTrue();

    List<Mqtt5Publish> got = new ArrayList<>(inbox.next(2));
    inbox.expectNothingFor(Duration.ofMillis(500));
    // The HiveMQ client refuses (logs and drops) PUBLISH packets beyond its Receive Maximum, so
    // the wire, not the inbox, shows how many the broker resent before any acknowledgement.
    assertThat(proxy.toClient().count(SniffingProxy.PUBLISH))
        .as("PUBLISH packets resent before any acknowledgement, Receive Maximum 2")
        .isEqualTo(2);
    assertThat(gone).isNotDone();
    for (int i = 0; i < 5; i++) {
      got.get(i).acknowledge();
      if (got.size() < 5) {
        got.add(inbox.next());
      }
    }
    assertThat(got).extracting(HiveMqV5InteropTest::text)
        .containsExactly("m1", "m2", "m3", "m4", "m5");
  }

  // ---- subscription options ----

  @Test
  @DisplayName("MQTT-3.8.3-3: with No Local a client does not get its own messages; others do")
  void noLocal_whenSet_thenOwnMessagesNotReceived() throws Exception {
    Mqtt5BlockingClient self = clients.hiveMq5("hivemq5-nolocal");
    Inbox<Mqtt5Publish> selfInbox = inbox(self);
    self.connectWith().cleanStart(true).send();
    self.subscribeWith().topicFilter(broker.topic("t")).qos(MqttQos.AT_LEAST_ONCE).noLocal(true)
        .send();
    Inbox<Mqtt5Publish> other = watch(broker.topic("t"));

    self.publishWith().topic(broker.topic("t")).qos(MqttQos.AT_LEAST_ONCE).payload(bytes("own"))
        .send();
    pubackCode(publisher(), broker.topic("t"), "theirs");

    assertThat(selfInbox.until(p -> text(p).equals("theirs")))
        .extracting(HiveMqV5InteropTest::text).containsExactly("theirs");
    assertThat(other.next(2)).extracting(HiveMqV5InteropTest::text)
        .containsExactly("own", "theirs");
  }

  @Test
  @DisplayName("MQTT-3.3.1-12, MQTT-3.3.1-13: a retained message goes on with RETAIN 1 to a"
      + " Retain As Published subscription and with RETAIN 0 to others")
  void retainAsPublished_whenSetOrNot_thenRetainFlagKeptOrCleared() throws Exception {
    Mqtt5BlockingClient kept = clients.hiveMq5("hivemq5-rap1");
    Inbox<Mqtt5Publish> keptInbox = inbox(kept);
    kept.connectWith().cleanStart(true).send();
    kept.subscribeWith().topicFilter(broker.topic("t")).qos(MqttQos.AT_LEAST_ONCE)
        .retainAsPublished(true).send();
    Mqtt5BlockingClient cleared = clients.hiveMq5("hivemq5-rap0");
    Inbox<Mqtt5Publish> clearedInbox = inbox(cleared);
    cleared.connectWith().cleanStart(true).send();
    cleared.subscribeWith().topicFilter(broker.topic("t")).qos(MqttQos.AT_LEAST_ONCE)
        .retainAsPublished(false).send();

    Mqtt5BlockingClient pub = publisher();
    pub.publishWith().topic(broker.topic("t")).qos(MqttQos.AT_LEAST_ONCE).retain(true)
        .payload(bytes("retained")).send();
    pub.publishWith().topic(broker.topic("t")).qos(MqttQos.AT_LEAST_ONCE).payload(bytes("plain"))
        .send();

    assertThat(keptInbox.next(2)).extracting(Mqtt5Publish::isRetain).containsExactly(true, false);
    assertThat(clearedInbox.next(2)).extracting(Mqtt5Publish::isRetain)
        .containsExactly(false, false);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "SEND, 1, 1",
      "SEND_IF_SUBSCRIPTION_DOES_NOT_EXIST, 1, 0",
      "DO_NOT_SEND, 0, 0"})
  @DisplayName("MQTT-3.3.1-9, MQTT-3.3.1-10, MQTT-3.3.1-11, MQTT-3.8.4-3, MQTT-3.8.4-4: Retain"
      + " Handling 0 sends the retained message on every SUBSCRIBE (the subscription replaced),"
      + " 1 only when the subscription is new, 2 never")
  void retainHandling_whenSubscribingTwice_thenRetainedSentAsHandlingSays(
      Mqtt5RetainHandling handling, int onFirst, int onSecond) throws Exception {
    Mqtt5BlockingClient pub = publisher();
    pub.publishWith().topic(broker.topic("t")).qos(MqttQos.AT_LEAST_ONCE).retain(true)
        .payload(bytes("retained")).send();
    Mqtt5BlockingClient sub = clients.hiveMq5("hivemq5-rh");
    Inbox<Mqtt5Publish> inbox = inbox(sub);
    sub.connectWith().cleanStart(true).send();

    List<Integer> retainedPerSubscribe = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      sub.subscribeWith().topicFilter(broker.topic("t")).qos(MqttQos.AT_LEAST_ONCE)
          .retainHandling(handling).send();
      pubackCode(pub, broker.topic("t"), "fence" + i);
      String fence = "fence" + i;
      List<Mqtt5Publish> got = inbox.until(p -> text(p).equals(fence));
      assertThat(got.subList(0, got.size() - 1)).allSatisfy(p -> {
        assertThat(text(p)).isEqualTo("retained");
        assertThat(p.isRetain()).as("sent because of the subscription").isTrue();
      });
      retainedPerSubscribe.add(got.size() - 1);
    }
    assertThat(retainedPerSubscribe).containsExactly(onFirst, onSecond);
  }

  @Test
  @DisplayName("MQTT-3.3.2-17, MQTT-3.3.2-18, MQTT-3.3.2-20: a retained message sent to a new"
      + " subscription keeps its properties")
  void retained_whenSentOnSubscribe_thenPropertiesKept() throws Exception {
    publisher().publishWith().topic(broker.topic("t")).qos(MqttQos.AT_LEAST_ONCE).retain(true)
        .contentType("text/plain").responseTopic(broker.topic("reply"))
        .userProperties().add("k", "1").add("k", "2").applyUserProperties()
        .payload(bytes("retained")).send();

    Mqtt5Publish p = watch(broker.topic("t")).next();

    assertThat(p.isRetain()).isTrue();
    assertThat(p.getContentType()).map(Object::toString).hasValue("text/plain");
    assertThat(p.getResponseTopic()).map(Object::toString).hasValue(broker.topic("reply"));
    assertThat(pairs(p.getUserProperties())).containsExactly("k=1", "k=2");
  }

  // ---- PUBLISH properties ----

  @ParameterizedTest(name = "{0}")
  @EnumSource(MqttQos.class)
  @DisplayName("MQTT-3.3.2-4, MQTT-3.3.2-15, MQTT-3.3.2-16, MQTT-3.3.2-17, MQTT-3.3.2-18,"
      + " MQTT-3.3.2-20: Payload Format Indicator, Response Topic, Correlation Data, Content Type"
      + " and User Properties (a name repeated, order kept) are forwarded unaltered")
  void publishProperties_whenForwarded_thenUnalteredAndInOrder(MqttQos qos) throws Exception {
    Inbox<Mqtt5Publish> inbox = watch(broker.topic("t"));
    Mqtt5UserProperties props = Mqtt5UserProperties.builder()
        .add("a", "1").add("dup", "first").add("b", "2").add("dup", "second")
        .add("dup", "third").add("empty", "").add("unicode", "\u00fcber \u2713")
        .build();
    byte[] correlation = {0, 1, 2, (byte) 0xFE, (byte) 0xFF};

    publisher().publishWith().topic(broker.topic("t")).qos(qos)
        .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8)
        .contentType("application/json; charset=utf-8")
        .responseTopic(broker.topic("reply/\u00fc"))
        .correlationData(correlation)
        .userProperties(props)
        .payload(bytes("{\"q\":1}"))
        .send();

    Mqtt5Publish p = inbox.next();
    assertThat(p.getQos()).isEqualTo(qos);
    assertThat(p.getPayloadFormatIndicator()).hasValue(Mqtt5PayloadFormatIndicator.UTF_8);
    assertThat(p.getContentType()).map(Object::toString)
        .hasValue("application/json; charset=utf-8");
    assertThat(p.getResponseTopic()).map(Object::toString).hasValue(broker.topic("reply/\u00fc"));
    assertThat(p.getCorrelationData()).map(HiveMqV5InteropTest::array).hasValue(correlation);
    assertThat(pairs(p.getUserProperties())).containsExactly("a=1", "dup=first", "b=2",
        "dup=second", "dup=third", "empty=", "unicode=\u00fcber \u2713");
  }

  // ---- reason codes ----

  @Test
  @DisplayName("§3.4.2.1: a QoS 1 PUBLISH nobody subscribes to gets PUBACK 0x10 (No matching"
      + " subscribers); with a subscriber 0x00")
  void puback_whenNoMatchingSubscribers_thenReasonCode0x10() throws Exception {
    Mqtt5BlockingClient pub = publisher();
    assertThat(pubackCode(pub, broker.topic("nobody"), "m"))
        .isEqualTo(Mqtt5PubAckReasonCode.NO_MATCHING_SUBSCRIBERS);
    assertThat(Mqtt5PubAckReasonCode.NO_MATCHING_SUBSCRIBERS.getCode()).isEqualTo(0x10);

    watch(broker.topic("nobody"));
    assertThat(pubackCode(pub, broker.topic("nobody"), "m"))
        .isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
  }

  @Test
  @DisplayName("§3.5.2.1: a QoS 2 PUBLISH nobody subscribes to gets PUBREC 0x10 (No matching"
      + " subscribers), and the flow still completes; with a subscriber 0x00")
  void pubrec_whenNoMatchingSubscribers_thenReasonCode0x10() throws Exception {
    Mqtt5BlockingClient pub = publisher();
    Mqtt5PublishResult none = pub.publishWith().topic(broker.topic("nobody"))
        .qos(MqttQos.EXACTLY_ONCE).payload(bytes("m")).send();
    assertThat(none.getError()).isEmpty();
    assertThat(((Mqtt5PublishResult.Mqtt5Qos2Result) none).getPubRec().getReasonCode())
        .isEqualTo(Mqtt5PubRecReasonCode.NO_MATCHING_SUBSCRIBERS);

    Inbox<Mqtt5Publish> inbox = watch(broker.topic("nobody"));
    Mqtt5PublishResult some = pub.publishWith().topic(broker.topic("nobody"))
        .qos(MqttQos.EXACTLY_ONCE).payload(bytes("m")).send();
    assertThat(((Mqtt5PublishResult.Mqtt5Qos2Result) some).getPubRec().getReasonCode())
        .isEqualTo(Mqtt5PubRecReasonCode.SUCCESS);
    assertThat(text(inbox.next())).isEqualTo("m");
  }

  @Test
  @DisplayName("§3.11.3: UNSUBACK has 0x11 (No subscription existed) for a filter not"
      + " subscribed and 0x00 for one that was, in the order of the UNSUBSCRIBE")
  void unsuback_whenNoSubscriptionExisted_thenReasonCode0x11() {
    Mqtt5BlockingClient c = clients.hiveMq5("hivemq5-unsub");
    c.connectWith().cleanStart(true).send();
    c.subscribeWith().topicFilter(broker.topic("yes")).qos(MqttQos.AT_LEAST_ONCE).send();

    List<Mqtt5UnsubAckReasonCode> codes = c.unsubscribeWith()
        .addTopicFilter(broker.topic("never")).addTopicFilter(broker.topic("yes")).send()
        .getReasonCodes();

    assertThat(codes).containsExactly(Mqtt5UnsubAckReasonCode.NO_SUBSCRIPTIONS_EXISTED,
        Mqtt5UnsubAckReasonCode.SUCCESS);
  }

  @Test
  @DisplayName("§3.9.3: SUBACK grants the QoS asked for, one reason code per filter")
  void suback_whenSubscribingAtEachQos_thenGrantedAsAsked() {
    Mqtt5BlockingClient c = clients.hiveMq5("hivemq5-suback");
    c.connectWith().cleanStart(true).send();

    List<Mqtt5SubAckReasonCode> codes = c.subscribeWith()
        .addSubscription().topicFilter(broker.topic("0")).qos(MqttQos.AT_MOST_ONCE)
        .applySubscription()
        .addSubscription().topicFilter(broker.topic("1")).qos(MqttQos.AT_LEAST_ONCE)
        .applySubscription()
        .addSubscription().topicFilter(broker.topic("2")).qos(MqttQos.EXACTLY_ONCE)
        .applySubscription()
        .send().getReasonCodes();

    assertThat(codes).containsExactly(Mqtt5SubAckReasonCode.GRANTED_QOS_0,
        Mqtt5SubAckReasonCode.GRANTED_QOS_1, Mqtt5SubAckReasonCode.GRANTED_QOS_2);
  }

  @Test
  @DisplayName("MQTT-3.1.4-3 (5.0): a second connection with the same client identifier takes"
      + " over; the first client is told by DISCONNECT 0x8E (Session taken over)")
  void takeover_whenSameClientIdConnects_thenFirstDisconnectedWith0x8E() throws Exception {
    CompletableFuture<MqttClientDisconnectedContext> firstGone = new CompletableFuture<>();
    Mqtt5BlockingClient first = client("hivemq5-twin", broker.port(), firstGone::complete);
    first.connectWith().cleanStart(true).send();

    Mqtt5BlockingClient second = clients.hiveMq5("hivemq5-twin");
    Inbox<Mqtt5Publish> inbox = inbox(second);
    second.connectWith().cleanStart(true).send();

    MqttClientDisconnectedContext gone = firstGone.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(gone.getSource()).isEqualTo(MqttDisconnectSource.SERVER);
    assertThat(disconnectReason(gone)).isEqualTo(Mqtt5DisconnectReasonCode.SESSION_TAKEN_OVER);
    assertThat(Mqtt5DisconnectReasonCode.SESSION_TAKEN_OVER.getCode()).isEqualTo(0x8E);

    second.subscribeWith().topicFilter(broker.topic("t")).qos(MqttQos.AT_LEAST_ONCE).send();
    pubackCode(publisher(), broker.topic("t"), "still works");
    assertThat(text(inbox.next())).isEqualTo("still works");
  }

  @Test
  @DisplayName("§4.13, §3.14.2.1: a broker that shuts down tells its MQTT 5 clients with DISCONNECT"
      + " 0x8B (Server shutting down)")
  void shutdown_whenBrokerCloses_thenClientGetsDisconnect0x8B() throws Exception {
    CompletableFuture<MqttClientDisconnectedContext> gone = new CompletableFuture<>();
    Mqtt5BlockingClient c = client("hivemq5-shutdown", broker.port(), gone::complete);
    c.connectWith().cleanStart(true).send();

    broker.close();

    MqttClientDisconnectedContext ctx = gone.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(ctx.getSource()).isEqualTo(MqttDisconnectSource.SERVER);
    assertThat(disconnectReason(ctx)).isEqualTo(Mqtt5DisconnectReasonCode.SERVER_SHUTTING_DOWN);
  }

  // ---- keep alive ----

  @Test
  @DisplayName("MQTT-3.1.2-22, §4.13: when nothing from the client reaches the broker for 1.5 x"
      + " the keep alive, the client gets DISCONNECT 0x8D (Keep Alive timeout) before the close")
  void keepAlive_whenBrokerHearsNothing_thenClientGetsDisconnect0x8D() throws Exception {
    SniffingProxy proxy = broker.proxy();
    CompletableFuture<MqttClientDisconnectedContext> gone = new CompletableFuture<>();
    Mqtt5BlockingClient c = client("hivemq5-silent", proxy.port(), gone::complete);
    c.connectWith().cleanStart(true).keepAlive(2).send();

    proxy.blackholeToBroker(); // the client still pings; the broker hears none of it

    MqttClientDisconnectedContext ctx = gone.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(ctx.getSource()).isEqualTo(MqttDisconnectSource.SERVER);
    assertThat(disconnectReason(ctx)).isEqualTo(Mqtt5DisconnectReasonCode.KEEP_ALIVE_TIMEOUT);
    assertThat(Mqtt5DisconnectReasonCode.KEEP_ALIVE_TIMEOUT.getCode()).isEqualTo(0x8D);
    assertThat(proxy.toClient().count(SniffingProxy.DISCONNECT)).isEqualTo(1);
  }

  // ---- helpers ----

  /** A client, not connected yet, whose disconnected listener is {@code onDisconnected}. */
  private Mqtt5BlockingClient client(String id, int port,
      Consumer<MqttClientDisconnectedContext> onDisconnected) {
    return clients.hiveMq5(id, port, b -> b.addDisconnectedListener(onDisconnected::accept));
  }

  /** Collects what {@code c} receives; call before connect to catch what the session queued. */
  private Inbox<Mqtt5Publish> inbox(Mqtt5BlockingClient c) {
    Inbox<Mqtt5Publish> inbox = new Inbox<>(HiveMqV5InteropTest::text);
    c.toAsync().publishes(MqttGlobalPublishFilter.ALL, inbox::add);
    return inbox;
  }

  /** A connected client subscribed to {@code filter} at QoS 2: what it receives. */
  private Inbox<Mqtt5Publish> watch(String filter) {
    Mqtt5BlockingClient w = clients.hiveMq5(broker.uniqueId("hivemq5-watch-"));
    Inbox<Mqtt5Publish> inbox = inbox(w);
    w.connectWith().cleanStart(true).send();
    w.subscribeWith().topicFilter(filter).qos(MqttQos.EXACTLY_ONCE).send();
    return inbox;
  }

  private Mqtt5BlockingClient publisher() {
    Mqtt5BlockingClient c = clients.hiveMq5(broker.uniqueId("hivemq5-pub-"));
    c.connectWith().cleanStart(true).send();
    return c;
  }

  /** Waits until the broker has seen {@code id}'s connection end and kept its session. */
  private void awaitOffline(String id) {
    await().atMost(WAIT).until(() -> broker.services().sessions().get(id) != null
        && broker.services().sessions().get(id).claimedBy() == null);
  }

  /**
   * Proves nothing was queued for a resumed or new session: subscribes, publishes a fence, and
   * checks that the fence is the first thing that arrives.
   */
  private void assertNothingQueued(Mqtt5BlockingClient c, Inbox<Mqtt5Publish> inbox)
      throws InterruptedException {
    c.subscribeWith().topicFilter(broker.topic("fence")).qos(MqttQos.AT_LEAST_ONCE).send();
    pubackCode(publisher(), broker.topic("fence"), "fence");
    assertThat(inbox.until(p -> text(p).equals("fence")))
        .extracting(HiveMqV5InteropTest::text).containsExactly("fence");
  }

  private static Mqtt5PubAckReasonCode pubackCode(Mqtt5BlockingClient pub, String topic,
      String payload) {
    Mqtt5PublishResult r = pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
        .payload(bytes(payload)).send();
    assertThat(r.getError()).isEmpty();
    return ((Mqtt5PublishResult.Mqtt5Qos1Result) r).getPubAck().getReasonCode();
  }

  private static Mqtt5DisconnectReasonCode disconnectReason(MqttClientDisconnectedContext ctx) {
    assertThat(ctx.getCause()).as("why the client was disconnected")
        .isInstanceOf(Mqtt5DisconnectException.class);
    return ((Mqtt5DisconnectException) ctx.getCause()).getMqttMessage().getReasonCode();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(Mqtt5Publish p) {
    return new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8);
  }

  private static byte[] array(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  private static List<String> pairs(Mqtt5UserProperties props) {
    return props.asList().stream()
        .map((Mqtt5UserProperty u) -> u.getName() + "=" + u.getValue())
        .toList();
  }
}
