package dev.midge.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Publish;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Eclipse Paho MQTT v5 client ({@code org.eclipse.paho.mqttv5.client}) as a real MQTT 5 peer
 * of Midge, for every MQTT 5 feature the broker has (docs/mqtt5.md, "Works"): what the client sees
 * in CONNACK, session expiry, wills with a delay, topic aliases both ways, the client's Maximum
 * Packet Size and Receive Maximum, subscription options, PUBLISH properties, reason codes,
 * takeover and the keep-alive timeout. Assertions are on what Paho reports (tokens, callbacks); a
 * {@link SniffingProxy} shows the packets as sent where Paho hides them (Topic Aliases).
 *
 * <p>Paho uses Topic Aliases on its own whenever CONNACK allows them, so every Paho publisher
 * here sends aliases to the broker (10 allowed) and the broker resolves them. Paho 1.2.5 does not
 * resolve aliases the other way: a PUBLISH from the broker with an empty topic and an alias reaches
 * the application with the empty topic, so the aliases the broker sends are checked on the wire.
 * Paho lets a shared subscription's filter through its own validation, which makes it the client
 * here that can show SUBACK 0x8F.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PahoV5InteropTest {
  private static final Duration WAIT = Inbox.WAIT;

  @RegisterExtension
  final InteropBroker broker = InteropBroker.started("paho5");
  private final InteropClients clients = new InteropClients(broker);

  // ---- CONNACK ----

  @Test
  @DisplayName("§3.2.2.3.3, §3.2.2.3.6, §3.2.2.3.8: CONNACK tells the client Receive Maximum 1024,"
      + " Topic Alias Maximum 10 and limits.max-packet-size as Maximum Packet Size")
  void connack_whenV5Client_thenClientSeesBrokerLimits() throws Exception {
    broker.restart(InteropBroker.maxPacketSize(64 * 1024));

    IMqttToken ack = peer("paho5-limits", broker.port()).connect(options(true));

    MqttProperties p = ack.getResponseProperties();
    assertThat(p.getReceiveMaximum()).isEqualTo(1024);
    assertThat(p.getTopicAliasMaximum()).isEqualTo(10);
    assertThat(p.getMaximumPacketSize()).isEqualTo(64L * 1024);
    assertThat(p.isSubscriptionIdentifiersAvailable()).isTrue();
    assertThat(p.isSharedSubscriptionAvailable()).isTrue();
  }

  @Test
  @DisplayName("MQTT-3.1.3-6, MQTT-3.1.3-7: a client with an empty client identifier is assigned"
      + " a unique one, returned as Assigned Client Identifier")
  void connack_whenClientIdentifierEmpty_thenAssignedClientIdentifier() throws Exception {
    IMqttToken a = peer("", broker.port()).connect(options(true));
    IMqttToken b = peer("", broker.port()).connect(options(true));

    String idA = a.getResponseProperties().getAssignedClientIdentifier();
    String idB = b.getResponseProperties().getAssignedClientIdentifier();
    assertThat(idA).isNotEmpty().isNotEqualTo(idB);
    assertThat(idB).isNotEmpty();
    assertThat(broker.services().sessions().get(idA)).isNotNull();
  }

  @ParameterizedTest(
      name = "asks {0} s, listener {1}..{2} s, zero allowed {3}: Server Keep Alive {4}")
  @CsvSource({
      "120, 5, 30, true, 30",
      "2, 5, 30, true, 5",
      "0, 5, 30, false, 30",
      "10, 5, 30, true, -1"})
  @DisplayName("§3.2.2.3.14: a keep alive outside the listener's range is answered with Server"
      + " Keep Alive; one within it gets none")
  void connack_whenKeepAliveOutsideListenerRange_thenServerKeepAlive(int asked, int min, int max,
      boolean allowZero, int expected) throws Exception {
    broker.restart(InteropBroker.keepAliveRange(min, max, allowZero));
    MqttConnectionOptions o = options(true);
    o.setKeepAliveInterval(asked);

    IMqttToken ack = peer("paho5-keepalive", broker.port()).connect(o);

    assertThat(ack.getResponseProperties().getServerKeepAlive())
        .isEqualTo(expected < 0 ? null : expected);
  }

  @Test
  @DisplayName("MQTT-3.2.2-2, MQTT-3.2.2-3: session present is 0 after clean start 1 and 1 when"
      + " clean start 0 finds the session")
  void connack_whenSessionKeptOrNot_thenSessionPresentTellsTheClient() throws Exception {
    String id = "paho5-present";
    Peer c = peer(id, broker.port());
    assertThat(c.connect(options(false, 60)).getSessionPresent()).as("no session yet").isFalse();
    c.disconnect();
    awaitOffline(id);

    assertThat(c.connect(options(false, 60)).getSessionPresent()).as("resumed").isTrue();
    c.disconnect();
    awaitOffline(id);

    assertThat(c.connect(options(true, 60)).getSessionPresent()).as("clean start").isFalse();
  }

  // ---- Session Expiry Interval ----

  @Test
  @DisplayName("§3.1.2.11.2: Session Expiry Interval 0 ends the session with the connection —"
      + " subscriptions and messages for it are gone")
  void sessionExpiry_whenZero_thenSessionEndsWithConnection() throws Exception {
    String id = "paho5-expiry0";
    Peer c = peer(id, broker.port());
    c.connect(options(true, 0));
    c.subscribe(broker.topic("t"), 1);
    c.disconnect();
    await().atMost(WAIT).until(() -> broker.services().sessions().get(id) == null);

    assertThat(publisher().publishQos1(broker.topic("t"), "lost")).as("nobody subscribes any more")
        .isEqualTo(0x10);

    Peer back = peer(id, broker.port());
    assertThat(back.connect(options(false, 0)).getSessionPresent()).isFalse();
    assertNothingQueued(back);
  }

  @Test
  @DisplayName("MQTT-3.1.2-23, MQTT-3.2.2-3: with a Session Expiry Interval the session keeps its"
      + " subscriptions and QoS 1 messages while offline; a clean start 0 reconnect gets them")
  void sessionExpiry_whenSet_thenSubscriptionsAndQueuedMessagesKeptWhileOffline()
      throws Exception {
    String id = "paho5-expiry";
    Peer c = peer(id, broker.port());
    c.connect(options(true, 60));
    c.subscribe(broker.topic("t"), 1);
    c.disconnect();
    awaitOffline(id);

    Peer pub = publisher();
    for (int i = 1; i <= 3; i++) {
      assertThat(pub.publishQos1(broker.topic("t"), "q" + i)).as("the offline session subscribes")
          .isZero();
    }

    Peer back = peer(id, broker.port());
    assertThat(back.connect(options(false, 60)).getSessionPresent()).isTrue();
    List<Received> queued = back.inbox.next(3);
    assertThat(queued).extracting(Received::text).containsExactly("q1", "q2", "q3");
    assertThat(queued).extracting(r -> r.message().getQos()).containsOnly(1);

    pub.publishQos1(broker.topic("t"), "live");
    assertThat(back.inbox.next().text()).as("the kept subscription still works")
        .isEqualTo("live");
  }

  @Test
  @DisplayName("§3.1.2.11.2, §4.1: a session whose Session Expiry Interval passed is gone — its"
      + " queued messages and subscriptions with it; a later CONNECT gets session present 0")
  void sessionExpiry_whenIntervalPassed_thenSessionGone() throws Exception {
    String id = "paho5-expired";
    Peer c = peer(id, broker.port());
    c.connect(options(true, 1));
    c.subscribe(broker.topic("t"), 1);
    long offlineSince = System.nanoTime(); // before DISCONNECT: the broker cannot start earlier
    c.disconnect();

    Peer pub = publisher();
    assertThat(pub.publishQos1(broker.topic("t"), "queued")).as("still subscribed, offline")
        .isZero();
    // The subscription goes with the session: the publisher sees it as PUBACK 0x10.
    await().atMost(WAIT).pollInterval(Duration.ofMillis(100))
        .until(() -> pub.publishQos1(broker.topic("t"), "poll") == 0x10);
    assertThat(Duration.ofNanos(System.nanoTime() - offlineSince))
        .as("not before its interval").isGreaterThanOrEqualTo(Duration.ofMillis(900));

    Peer back = peer(id, broker.port());
    assertThat(back.connect(options(false, 1)).getSessionPresent()).isFalse();
    assertNothingQueued(back);
  }

  @Test
  @DisplayName("§3.14.2.2.2: DISCONNECT with Session Expiry Interval 0 after 60 in CONNECT ends"
      + " the session at once")
  void sessionExpiry_whenDisconnectSetsZero_thenSessionEndsAtOnce() throws Exception {
    String id = "paho5-disconnect0";
    Peer c = peer(id, broker.port());
    c.connect(options(true, 60));
    c.subscribe(broker.topic("t"), 1);
    MqttProperties props = new MqttProperties();
    props.setSessionExpiryInterval(0L);
    c.client.disconnect(1000, null, null, 0x00, props).waitForCompletion(WAIT.toMillis());
    await().atMost(WAIT).until(() -> broker.services().sessions().get(id) == null);

    assertThat(publisher().publishQos1(broker.topic("t"), "lost")).isEqualTo(0x10);
    Peer back = peer(id, broker.port());
    assertThat(back.connect(options(false, 0)).getSessionPresent()).isFalse();
    assertNothingQueued(back);
  }

  @Test
  @DisplayName("§3.14.2.2.2: DISCONNECT may shorten the Session Expiry Interval — 300 s in"
      + " CONNECT, 1 s on DISCONNECT: kept for 1 s, then ended")
  void sessionExpiry_whenDisconnectShortensInterval_thenSessionEndsAfterNewInterval()
      throws Exception {
    String id = "paho5-disconnect1";
    Peer c = peer(id, broker.port());
    c.connect(options(true, 300));
    c.subscribe(broker.topic("t"), 1);
    MqttProperties props = new MqttProperties();
    props.setSessionExpiryInterval(1L);
    // Taken before DISCONNECT is sent: the broker cannot start the session's 1 s any earlier,
    // whereas the call may return well after the broker has.
    long offlineSince = System.nanoTime();
    c.client.disconnect(1000, null, null, 0x00, props).waitForCompletion(WAIT.toMillis());

    Peer pub = publisher();
    assertThat(pub.publishQos1(broker.topic("t"), "queued")).isZero();
    await().atMost(WAIT).pollInterval(Duration.ofMillis(100))
        .until(() -> pub.publishQos1(broker.topic("t"), "poll") == 0x10);
    assertThat(Duration.ofNanos(System.nanoTime() - offlineSince))
        .isGreaterThanOrEqualTo(Duration.ofMillis(900));

    Peer back = peer(id, broker.port());
    assertThat(back.connect(options(false, 0)).getSessionPresent()).isFalse();
    assertNothingQueued(back);
  }

  // ---- Will Delay Interval ----

  @Test
  @DisplayName("MQTT-3.1.3-9: a client that comes back (clean start 0) within its Will Delay"
      + " Interval has no will published")
  void willDelay_whenClientReturnsWithinDelay_thenWillNotSent() throws Exception {
    Inbox<Received> watched = watch(broker.topic("will"));
    String id = "paho5-returning";
    SniffingProxy proxy = broker.proxy();
    Peer dying = peer(id, proxy.port());
    dying.connect(withWill(options(true, 60), broker.topic("will"), "gone", 2));

    proxy.sever();
    await().atMost(WAIT).until(() -> broker.services().wills().size() == 1);
    Peer back = peer(id, broker.port());
    assertThat(back.connect(options(false, 60)).getSessionPresent()).isTrue();

    assertThat(broker.services().wills().size()).as("wills pending").isZero();
    watched.expectNothingFor(Duration.ofMillis(2500));
  }

  @Test
  @DisplayName("MQTT-3.1.2-8 (5.0), §3.1.3.2.2: a client that does not come back has its will"
      + " published once the Will Delay Interval has passed, not before, with its properties")
  void willDelay_whenClientDoesNotReturn_thenWillSentAfterDelay() throws Exception {
    Inbox<Received> watched = watch(broker.topic("will"));
    SniffingProxy proxy = broker.proxy();
    Peer dying = peer("paho5-dying", proxy.port());
    MqttConnectionOptions o = withWill(options(true, 60), broker.topic("will"), "gone", 1);
    MqttProperties willProps = o.getWillMessageProperties();
    willProps.setPayloadFormat(true);
    willProps.setContentType("text/plain");
    willProps.setResponseTopic(broker.topic("reply"));
    willProps.setCorrelationData(new byte[] {7, 0, (byte) 0xFF});
    willProps.setUserProperties(
        List.of(new UserProperty("why", "test"), new UserProperty("why", "again")));
    dying.connect(o);

    long severed = System.nanoTime();
    proxy.sever();

    Received will = watched.next();
    assertThat(Duration.ofNanos(System.nanoTime() - severed)).as("held for its delay")
        .isGreaterThanOrEqualTo(Duration.ofMillis(950));
    assertThat(will.text()).isEqualTo("gone");
    assertThat(will.message().getQos()).isEqualTo(1);
    MqttProperties got = will.message().getProperties();
    assertThat(got.getPayloadFormat()).isTrue();
    assertThat(got.getContentType()).isEqualTo("text/plain");
    assertThat(got.getResponseTopic()).isEqualTo(broker.topic("reply"));
    assertThat(got.getCorrelationData()).isEqualTo(new byte[] {7, 0, (byte) 0xFF});
    assertThat(pairs(got)).containsExactly("why=test", "why=again");
  }

  @Test
  @DisplayName("MQTT-3.1.2-8 (5.0), §3.14.2.1: DISCONNECT with reason 0x04 (Disconnect with Will"
      + " Message) has the will published")
  void will_whenDisconnectWithWillMessage_thenWillSent() throws Exception {
    Inbox<Received> watched = watch(broker.topic("will"));
    Peer c = peer("paho5-0x04", broker.port());
    c.connect(withWill(options(true, 0), broker.topic("will"), "bye", 0));

    c.client.disconnect(1000, null, null, 0x04, new MqttProperties())
        .waitForCompletion(WAIT.toMillis());

    assertThat(watched.next().text()).isEqualTo("bye");
  }

  @Test
  @DisplayName("MQTT-3.1.2-8, MQTT-3.1.2-10 (5.0): a normal DISCONNECT (0x00) deletes the will")
  void will_whenNormalDisconnect_thenWillNotSent() throws Exception {
    Inbox<Received> watched = watch(broker.topic("#"));
    Peer c = peer("paho5-polite", broker.port());
    c.connect(withWill(options(true, 0), broker.topic("will"), "bye", 0));

    c.disconnect();
    await().atMost(WAIT).until(() -> broker.services().sessions().get("paho5-polite") == null);
    publisher().publishQos1(broker.topic("fence"), "fence");

    assertThat(watched.until(r -> r.text().equals("fence"))).extracting(Received::text)
        .containsExactly("fence");
  }

  @Test
  @DisplayName("§3.14.2.2.2, MQTT-3.1.2-8 (5.0): a non-zero Session Expiry Interval on DISCONNECT"
      + " after 0 in CONNECT is a protocol error, not a valid DISCONNECT: the will is published")
  void will_whenDisconnectSetsExpiryAfterZero_thenProtocolErrorAndWillSent() throws Exception {
    Inbox<Received> watched = watch(broker.topic("will"));
    Peer c = peer("paho5-bad-disconnect", broker.port());
    c.connect(withWill(options(true, 0), broker.topic("will"), "bye", 0));

    MqttProperties props = new MqttProperties();
    props.setSessionExpiryInterval(30L);
    c.client.disconnect(1000, null, null, 0x00, props).waitForCompletion(WAIT.toMillis());

    assertThat(watched.next().text()).isEqualTo("bye");
    await().atMost(WAIT).until(() -> broker.services().sessions().get("paho5-bad-disconnect")
        == null);
  }

  // ---- Topic aliases ----

  @Test
  @DisplayName("MQTT-3.3.2-12, §3.3.2.3.4: Paho's own Topic Aliases (up to the 10 CONNACK allows)"
      + " are resolved; subscribers get full topics and never the alias")
  void topicAlias_whenClientSendsAliases_thenBrokerResolvesThem() throws Exception {
    SniffingProxy subProxy = broker.proxy();
    Peer sub = peer("paho5-alias-sub", subProxy.port());
    sub.connect(options(true));
    sub.subscribe(broker.topic("#"), 1);

    SniffingProxy pubProxy = broker.proxy();
    Peer pub = peer("paho5-alias-pub", pubProxy.port());
    pub.connect(options(true));
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      String topic = broker.topic(i % 2 == 0 ? "even/topic" : "odd/topic");
      pub.publish(topic, "m" + i, 1, false, null);
      sent.add(topic);
    }

    assertThat(sub.inbox.next(sent.size())).extracting(Received::topic)
        .containsExactlyElementsOf(sent);
    List<Publish> wireIn = pubProxy.toBroker().publishes(MqttVersion.V5);
    assertThat(wireIn).extracting(Publish::topic).as("topics as Paho sent them")
        .containsExactly(sent.get(0), sent.get(1), "", "", "", "");
    assertThat(wireIn).extracting(p -> p.properties().topicAlias())
        .containsExactly(1, 2, 1, 2, 1, 2);
    assertThat(subProxy.toClient().publishes(MqttVersion.V5)).as("as forwarded")
        .hasSize(sent.size())
        .allSatisfy(p -> assertThat(p.properties().topicAlias()).isNull())
        .extracting(Publish::topic).containsExactlyElementsOf(sent);
  }

  @Test
  @DisplayName("MQTT-3.3.2-11, §3.3.2.3.4: a client with Topic Alias Maximum 2 gets aliases 1 and"
      + " 2 for its first two topics (topic and alias once, then the alias alone) and full"
      + " topics beyond; Paho takes every message")
  void topicAlias_whenClientAllowsTwo_thenBrokerSendsAliasesUpToThatMaximum() throws Exception {
    SniffingProxy proxy = broker.proxy();
    Peer sub = peer("paho5-alias-in", proxy.port());
    MqttConnectionOptions o = options(true);
    o.setTopicAliasMaximum(2);
    sub.connect(o);
    sub.subscribe(broker.topic("#"), 1);

    Peer pub = publisher();
    List<String> sent = new ArrayList<>();
    for (int round = 0; round < 2; round++) {
      for (String t : List.of("a", "b", "c")) {
        pub.publish(broker.topic(t), t + round, 1, false, null);
        sent.add(broker.topic(t));
      }
    }

    // Paho 1.2.5 does not resolve an incoming alias: it hands the application the empty topic
    // of a PUBLISH that carries only the alias (and maps the alias to ""), so the topics are
    // checked on the wire; the messages themselves all arrive, in order.
    assertThat(sub.inbox.next(sent.size())).extracting(Received::text)
        .containsExactly("a0", "b0", "c0", "a1", "b1", "c1");
    assertThat(sub.client.isConnected()).isTrue();
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
    Peer small = peer("paho5-small", broker.port());
    MqttConnectionOptions o = options(true);
    o.setMaximumPacketSize(1024L);
    small.connect(o);
    small.subscribe(broker.topic("t"), 1);
    Inbox<Received> unlimited = watch(broker.topic("t"));

    Peer pub = publisher();
    byte[] big = new byte[2000];
    Arrays.fill(big, (byte) 'x');
    pub.client.publish(broker.topic("t"), big, 1, false).waitForCompletion(WAIT.toMillis());
    pub.publishQos1(broker.topic("t"), "small");

    assertThat(small.inbox.next().text()).as("the first message the limited client gets")
        .isEqualTo("small");
    assertThat(unlimited.next(2)).extracting(r -> r.message().getPayload().length)
        .as("a subscriber without a limit gets both").containsExactly(2000, 5);
    await().atMost(WAIT).until(() -> broker.droppedTooLarge() == 1.0);
    assertThat(small.client.isConnected()).isTrue();
  }

  @Test
  @DisplayName("MQTT-3.3.4-9: with Receive Maximum 2 Paho never has more than 2 unacknowledged"
      + " QoS 1 messages from the broker; each acknowledgement lets one more come, and all"
      + " arrive in order")
  void receiveMaximum_whenClientAllowsTwo_thenAtMostTwoUnacknowledged() throws Exception {
    SniffingProxy proxy = broker.proxy();
    Peer sub = peer("paho5-recvmax", proxy.port());
    sub.client.setManualAcks(true);
    MqttConnectionOptions o = options(true);
    o.setReceiveMaximum(2);
    sub.connect(o);
    sub.subscribe(broker.topic("t"), 1);

    Peer pub = publisher();
    for (int i = 1; i <= 6; i++) {
      assertThat(pub.publishQos1(broker.topic("t"), "m" + i)).isZero();
    }

    List<Received> got = new ArrayList<>(sub.inbox.next(2));
    sub.inbox.expectNothingFor(Duration.ofMillis(500));
    assertThat(proxy.toClient().count(SniffingProxy.PUBLISH)).as("PUBLISH on the wire")
        .isEqualTo(2);

    sub.ack(got.get(0));
    got.add(sub.inbox.next());
    sub.inbox.expectNothingFor(Duration.ofMillis(300));
    assertThat(proxy.toClient().count(SniffingProxy.PUBLISH)).isEqualTo(3);

    for (int i = 1; i < 6; i++) {
      sub.ack(got.get(i));
      if (got.size() < 6) {
        got.add(sub.inbox.next());
      }
    }
    assertThat(got).extracting(Received::text)
        .containsExactly("m1", "m2", "m3", "m4", "m5", "m6");
    await().atMost(WAIT).until(() -> proxy.toBroker().count(SniffingProxy.PUBACK) == 6);
  }

  // ---- subscription options ----

  @Test
  @DisplayName("MQTT-3.8.3-3: with No Local a client does not get its own messages; others do")
  void noLocal_whenSet_thenOwnMessagesNotReceived() throws Exception {
    Peer self = peer("paho5-nolocal", broker.port());
    self.connect(options(true));
    MqttSubscription s = new MqttSubscription(broker.topic("t"), 1);
    s.setNoLocal(true);
    self.subscribe(s);
    Inbox<Received> other = watch(broker.topic("t"));

    self.publishQos1(broker.topic("t"), "own");
    publisher().publishQos1(broker.topic("t"), "theirs");

    assertThat(self.inbox.until(r -> r.text().equals("theirs"))).extracting(Received::text)
        .containsExactly("theirs");
    assertThat(other.next(2)).extracting(Received::text).containsExactly("own", "theirs");
  }

  @Test
  @DisplayName("MQTT-3.3.1-12, MQTT-3.3.1-13: a retained message goes on with RETAIN 1 to a"
      + " Retain As Published subscription and with RETAIN 0 to others")
  void retainAsPublished_whenSetOrNot_thenRetainFlagKeptOrCleared() throws Exception {
    Peer kept = peer("paho5-rap1", broker.port());
    kept.connect(options(true));
    MqttSubscription rap = new MqttSubscription(broker.topic("t"), 1);
    rap.setRetainAsPublished(true);
    kept.subscribe(rap);
    Peer cleared = peer("paho5-rap0", broker.port());
    cleared.connect(options(true));
    cleared.subscribe(broker.topic("t"), 1);

    Peer pub = publisher();
    pub.publish(broker.topic("t"), "retained", 1, true, null);
    pub.publish(broker.topic("t"), "plain", 1, false, null);

    assertThat(kept.inbox.next(2)).extracting(r -> r.message().isRetained())
        .containsExactly(true, false);
    assertThat(cleared.inbox.next(2)).extracting(r -> r.message().isRetained())
        .containsExactly(false, false);
  }

  @ParameterizedTest(name = "Retain Handling {0}")
  @CsvSource({"0, 1, 1", "1, 1, 0", "2, 0, 0"})
  @DisplayName("MQTT-3.3.1-9, MQTT-3.3.1-10, MQTT-3.3.1-11, MQTT-3.8.4-3, MQTT-3.8.4-4: Retain"
      + " Handling 0 sends the retained message on every SUBSCRIBE (the subscription replaced),"
      + " 1 only when the subscription is new, 2 never")
  void retainHandling_whenSubscribingTwice_thenRetainedSentAsHandlingSays(int handling,
      int onFirst, int onSecond) throws Exception {
    Peer pub = publisher();
    pub.publish(broker.topic("t"), "retained", 1, true, null);
    Peer sub = peer("paho5-rh", broker.port());
    sub.connect(options(true));

    List<Integer> retainedPerSubscribe = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      MqttSubscription s = new MqttSubscription(broker.topic("t"), 1);
      s.setRetainHandling(handling);
      sub.subscribe(s);
      String fence = "fence" + i;
      pub.publishQos1(broker.topic("t"), fence);
      List<Received> got = sub.inbox.until(r -> r.text().equals(fence));
      assertThat(got.subList(0, got.size() - 1)).allSatisfy(r -> {
        assertThat(r.text()).isEqualTo("retained");
        assertThat(r.message().isRetained()).as("sent because of the subscription").isTrue();
      });
      retainedPerSubscribe.add(got.size() - 1);
    }
    assertThat(retainedPerSubscribe).containsExactly(onFirst, onSecond);
  }

  // ---- PUBLISH properties ----

  @ParameterizedTest(name = "QoS {0}")
  @ValueSource(ints = {0, 1, 2})
  @DisplayName("MQTT-3.3.2-4, MQTT-3.3.2-15, MQTT-3.3.2-16, MQTT-3.3.2-17, MQTT-3.3.2-18,"
      + " MQTT-3.3.2-20: Payload Format Indicator, Response Topic, Correlation Data, Content Type"
      + " and User Properties (a name repeated, order kept) are forwarded unaltered")
  void publishProperties_whenForwarded_thenUnalteredAndInOrder(int qos) throws Exception {
    Inbox<Received> inbox = watch(broker.topic("t"));
    MqttProperties props = new MqttProperties();
    props.setPayloadFormat(true);
    props.setContentType("application/json; charset=utf-8");
    props.setResponseTopic(broker.topic("reply/\u00fc"));
    byte[] correlation = {0, 1, 2, (byte) 0xFE, (byte) 0xFF};
    props.setCorrelationData(correlation);
    props.setUserProperties(List.of(new UserProperty("a", "1"), new UserProperty("dup", "first"),
        new UserProperty("b", "2"), new UserProperty("dup", "second"),
        new UserProperty("dup", "third"), new UserProperty("empty", ""),
        new UserProperty("unicode", "\u00fcber \u2713")));

    publisher().publish(broker.topic("t"), "{\"q\":1}", qos, false, props);

    Received r = inbox.next();
    MqttProperties got = r.message().getProperties();
    assertThat(r.message().getQos()).isEqualTo(qos);
    assertThat(got.getPayloadFormat()).isTrue();
    assertThat(got.getContentType()).isEqualTo("application/json; charset=utf-8");
    assertThat(got.getResponseTopic()).isEqualTo(broker.topic("reply/\u00fc"));
    assertThat(got.getCorrelationData()).isEqualTo(correlation);
    assertThat(pairs(got)).containsExactly("a=1", "dup=first", "b=2", "dup=second", "dup=third",
        "empty=", "unicode=\u00fcber \u2713");
  }

  // ---- reason codes ----

  @Test
  @DisplayName("§3.4.2.1: a QoS 1 PUBLISH nobody subscribes to gets PUBACK 0x10 (No matching"
      + " subscribers); with a subscriber 0x00")
  void puback_whenNoMatchingSubscribers_thenReasonCode0x10() throws Exception {
    Peer pub = publisher();
    assertThat(pub.publishQos1(broker.topic("nobody"), "m")).isEqualTo(0x10);

    watch(broker.topic("nobody"));
    assertThat(pub.publishQos1(broker.topic("nobody"), "m")).isZero();
  }

  @Test
  @DisplayName("§3.5.2.1: a QoS 2 PUBLISH nobody subscribes to gets PUBREC 0x10 (No matching"
      + " subscribers), and the flow still completes; with a subscriber 0x00")
  void pubrec_whenNoMatchingSubscribers_thenReasonCode0x10() throws Exception {
    Peer pub = publisher();
    IMqttToken none = pub.publish(broker.topic("nobody"), "m", 2, false, null);
    assertThat(none.getException()).isNull();
    assertThat(none.getReasonCodes()).as("PUBREC's reason code").startsWith(0x10);

    Inbox<Received> inbox = watch(broker.topic("nobody"));
    IMqttToken some = pub.publish(broker.topic("nobody"), "m", 2, false, null);
    assertThat(some.getReasonCodes()).containsOnly(0x00);
    assertThat(inbox.next().text()).isEqualTo("m");
  }

  @Test
  @DisplayName("§3.11.3: UNSUBACK has 0x11 (No subscription existed) for a filter not"
      + " subscribed and 0x00 for one that was, in the order of the UNSUBSCRIBE")
  void unsuback_whenNoSubscriptionExisted_thenReasonCode0x11() throws Exception {
    Peer c = peer("paho5-unsub", broker.port());
    c.connect(options(true));
    c.subscribe(broker.topic("yes"), 1);

    IMqttToken t = c.client.unsubscribe(new String[] {broker.topic("never"), broker.topic("yes")});
    t.waitForCompletion(WAIT.toMillis());

    assertThat(t.getReasonCodes()).containsExactly(0x11, 0x00);
  }

  @Test
  @DisplayName("§3.9.3, MQTT-4.8.2-1, MQTT-4.8.2-2: SUBACK has 0x8F (Topic Filter invalid) for a"
      + " shared subscription filter without a topic filter, and grants a valid shared one and"
      + " the plain filter")
  void suback_whenSharedFilterInvalid_thenReasonCode0x8FAndTheOthersGranted() throws Exception {
    Peer c = peer("paho5-suback", broker.port());
    c.connect(options(true));

    IMqttToken t = c.client.subscribe(new MqttSubscription[] {
        new MqttSubscription("$share/group", 1), new MqttSubscription("$share/group/x", 1),
        new MqttSubscription(broker.topic("ok"), 1)});
    t.waitForCompletion(WAIT.toMillis());

    assertThat(t.getReasonCodes()).containsExactly(0x8F, 0x01, 0x01);
    assertThat(c.client.isConnected()).isTrue();
  }

  @Test
  @DisplayName("MQTT-3.1.4-3 (5.0): a second connection with the same client identifier takes"
      + " over; the first client is told by DISCONNECT 0x8E (Session taken over)")
  void takeover_whenSameClientIdConnects_thenFirstDisconnectedWith0x8E() throws Exception {
    Peer first = peer("paho5-twin", broker.port());
    first.connect(options(true));

    Peer second = peer("paho5-twin", broker.port());
    second.connect(options(true));

    MqttDisconnectResponse gone = first.disconnected.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(gone.getReturnCode()).isEqualTo(0x8E);

    second.subscribe(broker.topic("t"), 1);
    publisher().publishQos1(broker.topic("t"), "still works");
    assertThat(second.inbox.next().text()).isEqualTo("still works");
  }

  @Test
  @DisplayName("§4.13, §3.14.2.1: a broker that shuts down tells its MQTT 5 clients with DISCONNECT"
      + " 0x8B (Server shutting down)")
  void shutdown_whenBrokerCloses_thenClientGetsDisconnect0x8B() throws Exception {
    Peer c = peer("paho5-shutdown", broker.port());
    c.connect(options(true));

    broker.close();

    MqttDisconnectResponse gone = c.disconnected.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(gone.getReturnCode()).isEqualTo(0x8B);
  }

  // ---- keep alive ----

  @Test
  @DisplayName("MQTT-3.1.2-22, §4.13: when nothing from the client reaches the broker for 1.5 x"
      + " the keep alive, the client gets DISCONNECT 0x8D (Keep Alive timeout) before the close")
  void keepAlive_whenBrokerHearsNothing_thenClientGetsDisconnect0x8D() throws Exception {
    SniffingProxy proxy = broker.proxy();
    Peer c = peer("paho5-silent", proxy.port());
    MqttConnectionOptions o = options(true);
    o.setKeepAliveInterval(2);
    c.connect(o);

    proxy.blackholeToBroker(); // Paho still pings; the broker hears none of it

    MqttDisconnectResponse gone = c.disconnected.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(gone.getReturnCode()).isEqualTo(0x8D);
    assertThat(proxy.toClient().count(SniffingProxy.DISCONNECT)).isEqualTo(1);
  }

  // ---- helpers ----

  /** One message as Paho delivered it. */
  record Received(String topic, MqttMessage message) {
    String text() {
      return new String(message.getPayload(), StandardCharsets.UTF_8);
    }
  }

  /** A Paho client with its callback: what it received, and how its connection ended. */
  final class Peer implements MqttCallback {
    final MqttAsyncClient client;
    final Inbox<Received> inbox = new Inbox<>(Received::text);
    final CompletableFuture<MqttDisconnectResponse> disconnected = new CompletableFuture<>();

    Peer(MqttAsyncClient client) {
      this.client = client;
      client.setCallback(this);
    }

    IMqttToken connect(MqttConnectionOptions options) throws MqttException {
      IMqttToken t = client.connect(options);
      t.waitForCompletion(WAIT.toMillis());
      return t;
    }

    void disconnect() throws MqttException {
      client.disconnect().waitForCompletion(WAIT.toMillis());
    }

    void subscribe(String filter, int qos) throws MqttException {
      subscribe(new MqttSubscription(filter, qos));
    }

    void subscribe(MqttSubscription s) throws MqttException {
      IMqttToken t = client.subscribe(s);
      t.waitForCompletion(WAIT.toMillis());
      assertThat(t.getReasonCodes()).containsExactly(s.getQos());
    }

    IMqttToken publish(String topic, String payload, int qos, boolean retain,
        MqttProperties props) throws MqttException {
      MqttMessage m = new MqttMessage(payload.getBytes(StandardCharsets.UTF_8), qos, retain,
          props == null ? new MqttProperties() : props);
      IMqttToken t = client.publish(topic, m);
      t.waitForCompletion(WAIT.toMillis());
      return t;
    }

    /** Publishes at QoS 1 and returns the PUBACK's reason code. */
    int publishQos1(String topic, String payload) throws MqttException {
      int[] codes = publish(topic, payload, 1, false, null).getReasonCodes();
      return codes == null || codes.length == 0 ? 0 : codes[0];
    }

    /** With manual acknowledgement: sends the PUBACK for {@code r} now. */
    void ack(Received r) throws MqttException {
      client.messageArrivedComplete(r.message().getId(), r.message().getQos());
    }

    @Override
    public void disconnected(MqttDisconnectResponse response) {
      disconnected.complete(response);
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {
      // reported through the tokens
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
      inbox.add(new Received(topic, message));
    }

    @Override
    public void deliveryComplete(IMqttToken token) {
      // the tests wait on the tokens
    }

    @Override
    public void connectComplete(boolean reconnect, String serverUri) {
      // the tests wait on the tokens
    }

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {
      // no enhanced authentication here
    }
  }

  /** A client for {@code port}, not connected yet. */
  private Peer peer(String id, int port) throws MqttException {
    return new Peer(clients.pahoV5(id, port));
  }

  private static MqttConnectionOptions options(boolean cleanStart) {
    MqttConnectionOptions o = new MqttConnectionOptions();
    o.setCleanStart(cleanStart);
    o.setConnectionTimeout(5);
    o.setAutomaticReconnect(false);
    return o;
  }

  private static MqttConnectionOptions options(boolean cleanStart, long sessionExpiry) {
    MqttConnectionOptions o = options(cleanStart);
    o.setSessionExpiryInterval(sessionExpiry);
    return o;
  }

  private static MqttConnectionOptions withWill(MqttConnectionOptions o, String topic,
      String payload, long delaySeconds) {
    o.setWill(topic, new MqttMessage(payload.getBytes(StandardCharsets.UTF_8), 1, false,
        new MqttProperties()));
    MqttProperties willProps = new MqttProperties();
    willProps.setWillDelayInterval(delaySeconds);
    o.setWillMessageProperties(willProps);
    return o;
  }

  /** A connected client subscribed to {@code filter} at QoS 2: what it receives. */
  private Inbox<Received> watch(String filter) throws MqttException {
    Peer w = peer(broker.uniqueId("paho5-watch-"), broker.port());
    w.connect(options(true));
    w.subscribe(filter, 2);
    return w.inbox;
  }

  private Peer publisher() throws MqttException {
    Peer p = peer(broker.uniqueId("paho5-pub-"), broker.port());
    p.connect(options(true));
    return p;
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
  private void assertNothingQueued(Peer c) throws Exception {
    c.subscribe(broker.topic("fence"), 1);
    publisher().publishQos1(broker.topic("fence"), "fence");
    assertThat(c.inbox.until(r -> r.text().equals("fence"))).extracting(Received::text)
        .containsExactly("fence");
  }

  private static List<String> pairs(MqttProperties props) {
    return props.getUserProperties().stream().map(u -> u.getKey() + "=" + u.getValue()).toList();
  }
}
