package dev.midge.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Eclipse Paho's MQTT 3.1.1 Java client (v3) as a real peer of Midge: sessions, wildcards, the
 * three QoS levels, retained messages, wills and keep alive, each checked as the client sees it.
 *
 * <p>Where a client will not misbehave on request (end without DISCONNECT, fall silent), it talks
 * through a {@link SniffingProxy}, which also shows what really crossed the wire.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PahoV3InteropTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @RegisterExtension
  final InteropBroker broker = InteropBroker.started("paho");
  private final InteropClients clients = new InteropClients(broker);

  // ---- sessions ----

  @Test
  @DisplayName("MQTT-3.2.2-2, MQTT-3.1.2-4: a persistent session is resumed with its subscriptions")
  void persistentSession_whenReconnecting_thenSessionPresentAndSubscriptionKept() throws Exception {
    String id = "paho-persistent";
    Inbox first = new Inbox();
    MqttClient c = client(id, first);
    IMqttToken ack = c.connectWithResult(options(false));
    assertThat(ack.getSessionPresent()).as("first connection: no session yet").isFalse();
    c.subscribe(broker.topic("t"), 1);
    c.disconnect();

    Inbox second = new Inbox();
    MqttClient again = client(id, second);
    IMqttToken resumed = again.connectWithResult(options(false));
    assertThat(resumed.getSessionPresent()).isTrue();
    publisher().publish(broker.topic("t"), message("still subscribed", 1, false));

    assertThat(second.awaitCount(1)).extracting(Received::text).containsExactly("still subscribed");
  }

  @Test
  @DisplayName("MQTT-3.2.2-1, MQTT-3.1.2-6: clean session discards the previous session")
  void cleanSession_whenPreviousSessionWasPersistent_thenSessionNotPresentAndSubscriptionsGone()
      throws Exception {
    String id = "paho-clean";
    MqttClient c = client(id, new Inbox());
    c.connect(options(false));
    c.subscribe(broker.topic("old"), 1);
    c.disconnect();

    Inbox inbox = new Inbox();
    MqttClient clean = client(id, inbox);
    IMqttToken ack = clean.connectWithResult(options(true));
    assertThat(ack.getSessionPresent()).isFalse();
    clean.subscribe(broker.topic("fence"), 1);

    MqttClient pub = publisher();
    pub.publish(broker.topic("old"), message("must not arrive", 1, false));
    pub.publish(broker.topic("fence"), message("fence", 1, false));

    inbox.awaitText("fence");
    assertThat(inbox.texts()).containsExactly("fence");
  }

  @Test
  @DisplayName("MQTT-3.1.4-2: a second connection with the same client id closes the first")
  void connect_whenSameClientIdConnectsAgain_thenFirstConnectionClosed() throws Exception {
    Inbox firstInbox = new Inbox();
    MqttClient first = client("paho-twice", firstInbox);
    first.connect(options(true));

    MqttClient second = client("paho-twice", new Inbox());
    second.connect(options(true));

    await().atMost(WAIT).until(() -> !firstInbox.lost.isEmpty());
    assertThat(first.isConnected()).isFalse();
    assertThat(second.isConnected()).isTrue();
  }

  // ---- subscriptions and QoS ----

  @Test
  @DisplayName("4.7.1: '+' matches one level, '#' any number of levels including the parent")
  void subscribe_whenFiltersHaveWildcards_thenOnlyMatchingTopicsDelivered() throws Exception {
    Inbox inbox = new Inbox();
    MqttClient sub = connected("paho-wild", inbox);
    sub.subscribe(
        new String[] {broker.topic("+/temp"), broker.topic("house/#"), broker.topic("fence")},
        new int[] {1, 1, 1});

    MqttClient pub = publisher();
    for (String topic : List.of("kitchen/temp", "house", "house/a/b", "kitchen/humidity",
        "kitchen/temp/x", "garden/a/temp")) {
      pub.publish(broker.topic(topic), message(topic, 1, false));
    }
    pub.publish(broker.topic("fence"), message("fence", 1, false));

    inbox.awaitText("fence");
    assertThat(inbox.received).extracting(Received::topic).containsExactlyInAnyOrder(
        broker.topic("kitchen/temp"), broker.topic("house"), broker.topic("house/a/b"),
        broker.topic("fence"));
  }

  @ParameterizedTest(name = "QoS {0}")
  @ValueSource(ints = {0, 1, 2})
  @DisplayName("MQTT-3.8.4-6: a message arrives at the QoS it was published with (granted 2)")
  void publish_whenSubscribedAtQos2_thenDeliveredWithSamePayloadAndQos(int qos) throws Exception {
    Inbox inbox = new Inbox();
    MqttClient sub = connected("paho-sub-q" + qos, inbox);
    IMqttToken granted = sub.subscribeWithResponse(broker.topic("q"), 2);
    assertThat(granted.getGrantedQos()).containsExactly(2);

    byte[] payload = allByteValues("QoS " + qos);
    publisher().publish(broker.topic("q"), message(payload, qos, false));

    Received r = inbox.awaitCount(1).get(0);
    assertThat(r.topic()).isEqualTo(broker.topic("q"));
    assertThat(r.payload()).isEqualTo(payload);
    assertThat(r.qos()).isEqualTo(qos);
    assertThat(r.retained()).isFalse();
  }

  @Test
  @DisplayName("MQTT-3.8.4-6: QoS is the minimum of published and granted")
  void publish_whenGrantedQosIsLower_thenDeliveredAtGrantedQos() throws Exception {
    Inbox inbox = new Inbox();
    MqttClient sub = connected("paho-downgrade", inbox);
    sub.subscribe(new String[] {broker.topic("g0"), broker.topic("g1")}, new int[] {0, 1});

    MqttClient pub = publisher();
    pub.publish(broker.topic("g1"), message("to g1", 2, false));
    pub.publish(broker.topic("g0"), message("to g0", 2, false));

    List<Received> got = inbox.awaitCount(2);
    assertThat(got).extracting(Received::text, Received::qos)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("to g1", 1),
            org.assertj.core.groups.Tuple.tuple("to g0", 0));
  }

  @Test
  @DisplayName("MQTT-3.3.5-1: overlapping subscriptions get one copy, at the highest granted QoS")
  void subscribe_whenSubscriptionsOverlap_thenOneCopyAtHighestQos() throws Exception {
    Inbox inbox = new Inbox();
    MqttClient sub = connected("paho-overlap", inbox);
    sub.subscribe(new String[] {broker.topic("#"), broker.topic("a/+"), broker.topic("fence")},
        new int[] {0, 2, 1});

    MqttClient pub = publisher();
    pub.publish(broker.topic("a/b"), message("both match", 2, false));
    pub.publish(broker.topic("fence"), message("fence", 1, false));

    inbox.awaitText("fence");
    assertThat(inbox.received).filteredOn(r -> r.text().equals("both match"))
        .singleElement().extracting(Received::qos).isEqualTo(2);
  }

  @Test
  @DisplayName("MQTT-3.10.4-1, MQTT-3.10.4-2: after UNSUBSCRIBE no new messages are delivered")
  void unsubscribe_whenFilterRemoved_thenNoFurtherMessages() throws Exception {
    Inbox inbox = new Inbox();
    MqttClient sub = connected("paho-unsub", inbox);
    sub.subscribe(new String[] {broker.topic("+/x"), broker.topic("fence")}, new int[] {1, 1});
    MqttClient pub = publisher();
    pub.publish(broker.topic("a/x"), message("before", 1, false));
    inbox.awaitText("before");

    sub.unsubscribe(broker.topic("+/x"));
    pub.publish(broker.topic("a/x"), message("after", 1, false));
    pub.publish(broker.topic("fence"), message("fence", 1, false));

    inbox.awaitText("fence");
    assertThat(inbox.texts()).containsExactly("before", "fence");
  }

  // ---- retained messages ----

  @Test
  @DisplayName("MQTT-3.3.1-5, MQTT-3.3.1-6, MQTT-3.3.1-8: a new subscription gets the last"
      + " retained message, with RETAIN set")
  void retained_whenSubscribingAfterPublish_thenLatestDeliveredWithRetainFlag() throws Exception {
    MqttClient pub = publisher();
    pub.publish(broker.topic("r"), message("first", 1, true));
    pub.publish(broker.topic("r"), message("latest", 1, true));

    Inbox inbox = new Inbox();
    MqttClient sub = connected("paho-retained", inbox);
    sub.subscribe(new String[] {broker.topic("r"), broker.topic("fence")}, new int[] {2, 1});
    pub.publish(broker.topic("fence"), message("fence", 1, false));

    inbox.awaitText("fence");
    assertThat(inbox.received).hasSize(2);
    Received r = inbox.received.get(0);
    assertThat(r.text()).isEqualTo("latest");
    assertThat(r.retained()).isTrue();
    assertThat(r.qos()).isEqualTo(1);
  }

  @Test
  @DisplayName("MQTT-3.3.1-9: a retained message to an existing subscription goes with RETAIN 0")
  void retained_whenDeliveredToExistingSubscription_thenRetainFlagCleared() throws Exception {
    Inbox inbox = new Inbox();
    MqttClient sub = connected("paho-live", inbox);
    sub.subscribe(broker.topic("r"), 1);

    publisher().publish(broker.topic("r"), message("live", 1, true));

    Received r = inbox.awaitCount(1).get(0);
    assertThat(r.text()).isEqualTo("live");
    assertThat(r.retained()).isFalse();
  }

  @Test
  @DisplayName("MQTT-3.3.1-10, MQTT-3.3.1-11: a zero-byte retained message is forwarded and"
      + " clears the retained message")
  void retained_whenZeroBytePayloadPublished_thenForwardedAndRetainedMessageCleared()
      throws Exception {
    MqttClient pub = publisher();
    pub.publish(broker.topic("r"), message("to be cleared", 1, true));

    Inbox live = new Inbox();
    MqttClient liveSub = connected("paho-live-sub", live);
    liveSub.subscribe(broker.topic("r"), 1);
    live.awaitText("to be cleared");

    pub.publish(broker.topic("r"), message(new byte[0], 1, true));
    await().atMost(WAIT).until(() -> live.received.size() == 2);
    assertThat(live.received.get(1).payload()).isEmpty();

    Inbox late = new Inbox();
    MqttClient lateSub = connected("paho-late-sub", late);
    lateSub.subscribe(new String[] {broker.topic("r"), broker.topic("fence")}, new int[] {1, 1});
    pub.publish(broker.topic("fence"), message("fence", 1, false));

    late.awaitText("fence");
    assertThat(late.texts()).containsExactly("fence");
  }

  // ---- wills ----

  @Test
  @DisplayName("MQTT-3.1.2-8: the will is published when the network connection breaks")
  void will_whenSocketKilledWithoutDisconnect_thenWillDelivered() throws Exception {
    Inbox watcher = new Inbox();
    MqttClient watch = connected("paho-watcher", watcher);
    watch.subscribe(broker.topic("will"), 2);

    SniffingProxy proxy = broker.proxy();
    MqttConnectOptions o = options(true);
    o.setWill(broker.topic("will"), "gone".getBytes(StandardCharsets.UTF_8), 1, false);
    MqttClient dying = client("paho-dying", new Inbox(), proxy.port());
    dying.connect(o);

    proxy.sever();

    Received will = watcher.awaitCount(1).get(0);
    assertThat(will.topic()).isEqualTo(broker.topic("will"));
    assertThat(will.text()).isEqualTo("gone");
    assertThat(will.qos()).isEqualTo(1);
    assertThat(proxy.toBroker().count(SniffingProxy.DISCONNECT))
        .as("the client must not have sent DISCONNECT").isZero();
  }

  @Test
  @DisplayName("MQTT-3.14.4-3: after DISCONNECT the will is discarded, not published")
  void will_whenClientDisconnectsNormally_thenWillNotPublished() throws Exception {
    Inbox watcher = new Inbox();
    MqttClient watch = connected("paho-watcher", watcher);
    watch.subscribe(new String[] {broker.topic("will"), broker.topic("fence")}, new int[] {1, 1});

    SniffingProxy proxy = broker.proxy();
    MqttConnectOptions o = options(true);
    o.setWill(broker.topic("will"), "gone".getBytes(StandardCharsets.UTF_8), 1, false);
    MqttClient polite = client("paho-polite", new Inbox(), proxy.port());
    polite.connect(o);
    polite.disconnect();

    await().atMost(WAIT).until(() -> broker.services().sessions().get("paho-polite") == null);
    assertThat(proxy.toBroker().count(SniffingProxy.DISCONNECT)).isEqualTo(1);
    publisher().publish(broker.topic("fence"), message("fence", 1, false));

    watcher.awaitText("fence");
    assertThat(watcher.texts()).containsExactly("fence");
  }

  @Test
  @DisplayName("MQTT-3.1.2-24: a client silent for 1.5 x keep alive is disconnected and its will"
      + " published")
  void will_whenClientFallsSilent_thenDroppedAfterOneAndAHalfKeepAliveAndWillPublished()
      throws Exception {
    Inbox watcher = new Inbox();
    MqttClient watch = connected("paho-watcher", watcher);
    watch.subscribe(broker.topic("will"), 1);

    SniffingProxy proxy = broker.proxy();
    MqttConnectOptions o = options(true);
    o.setKeepAliveInterval(1);
    o.setWill(broker.topic("will"), "silent".getBytes(StandardCharsets.UTF_8), 1, false);
    MqttClient silent = client("paho-silent", new Inbox(), proxy.port());
    silent.connect(o);

    proxy.blackhole();

    Received will = watcher.awaitCount(1).get(0);
    long silenceMillis =
        TimeUnit.NANOSECONDS.toMillis(will.nanos() - proxy.toBroker().lastByteNanos());
    assertThat(will.text()).isEqualTo("silent");
    assertThat(silenceMillis)
        .as("the broker must wait 1.5 x keep alive (1500 ms) after the last byte")
        .isGreaterThanOrEqualTo(1450);
  }

  // ---- keep alive ----

  @Test
  @DisplayName("MQTT-3.12.4-1: every PINGREQ of an idle client gets a PINGRESP; the connection"
      + " stays up over several keep-alive intervals")
  void keepAlive_whenIdleWithOneSecondInterval_thenPingsAnsweredAndConnectionStaysUp()
      throws Exception {
    SniffingProxy proxy = broker.proxy();
    Inbox inbox = new Inbox();
    MqttConnectOptions o = options(true);
    o.setKeepAliveInterval(1);
    MqttClient idle = client("paho-idle", inbox, proxy.port());
    idle.connect(o);

    await().atMost(Duration.ofSeconds(20))
        .until(() -> proxy.toBroker().count(SniffingProxy.PINGREQ) >= 4);
    long pings = proxy.toBroker().count(SniffingProxy.PINGREQ);
    await().atMost(WAIT)
        .until(() -> proxy.toClient().count(SniffingProxy.PINGRESP) >= pings);

    org.slf4j.LoggerFactory.getLogger(PahoV3InteropTest.class).info(
        "Paho, keep alive 1 s: {} PINGREQ, {} PINGRESP", pings,
        proxy.toClient().count(SniffingProxy.PINGRESP));
    assertThat(inbox.lost).as("connection lost").isEmpty();
    assertThat(idle.isConnected()).isTrue();
    assertThat(broker.services().sessions().get("paho-idle")).isNotNull()
        .satisfies(s -> assertThat(s.claimedBy()).as("still online at the broker").isNotNull());
  }

  // ---- offline queue ----

  @Test
  @DisplayName("MQTT-3.1.2-5, MQTT-4.6.0-6: QoS 1 and 2 messages published while a persistent"
      + " session is offline are delivered in order on reconnect")
  void persistentSession_whenMessagesPublishedWhileOffline_thenDeliveredInOrderOnReconnect()
      throws Exception {
    String id = "paho-offline";
    MqttClient c = client(id, new Inbox());
    c.connect(options(false));
    c.subscribe(broker.topic("queued"), 2);
    c.disconnect();
    c.close();
    await().atMost(WAIT).until(() -> broker.services().sessions().get(id).claimedBy() == null);

    MqttClient pub = publisher();
    List<String> sent = IntStream.rangeClosed(1, 6).mapToObj(i -> "m" + i).toList();
    for (int i = 0; i < sent.size(); i++) {
      pub.publish(broker.topic("queued"), message(sent.get(i), 1 + i % 2, false));
    }

    Inbox inbox = new Inbox();
    MqttClient back = client(id, inbox);
    IMqttToken ack = back.connectWithResult(options(false));
    assertThat(ack.getSessionPresent()).isTrue();

    // Paho v3 hands a QoS 2 message over on PUBREL, so QoS 1 ones may overtake it: the order
    // is checked per QoS, as MQTT 4.6 states it.
    List<Received> got = inbox.awaitCount(sent.size());
    assertThat(got).extracting(Received::text).containsExactlyInAnyOrderElementsOf(sent);
    assertThat(got).filteredOn(r -> r.qos() == 1).extracting(Received::text)
        .containsExactly("m1", "m3", "m5");
    assertThat(got).filteredOn(r -> r.qos() == 2).extracting(Received::text)
        .containsExactly("m2", "m4", "m6");
  }

  // ---- helpers ----

  /** A record of one message as Paho handed it over. */
  record Received(String topic, byte[] payload, int qos, boolean retained, long nanos) {
    String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }
  }

  /** Collects what a client receives, and whether it lost its connection. */
  static final class Inbox implements MqttCallback {
    final List<Received> received = new CopyOnWriteArrayList<>();
    final List<Throwable> lost = new CopyOnWriteArrayList<>();

    @Override
    public void connectionLost(Throwable cause) {
      lost.add(cause);
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
      received.add(new Received(topic, message.getPayload(), message.getQos(),
          message.isRetained(), System.nanoTime()));
    }

    @Override
    public void deliveryComplete(IMqttDeliveryToken token) {}

    List<Received> awaitCount(int n) {
      await().atMost(WAIT).until(() -> received.size() >= n);
      return List.copyOf(received);
    }

    void awaitText(String text) {
      await().atMost(WAIT).until(() -> texts().contains(text));
    }

    List<String> texts() {
      return received.stream().map(Received::text).toList();
    }
  }

  private MqttClient client(String id, Inbox inbox) throws MqttException {
    return client(id, inbox, broker.port());
  }

  private MqttClient client(String id, Inbox inbox, int port) throws MqttException {
    MqttClient c = clients.pahoV3(id, port);
    c.setTimeToWait(WAIT.toMillis());
    c.setCallback(inbox);
    return c;
  }

  private MqttClient connected(String id, Inbox inbox) throws MqttException {
    MqttClient c = client(id, inbox);
    c.connect(options(true));
    return c;
  }

  private MqttClient publisher() throws MqttException {
    return connected(broker.uniqueId("paho-pub-"), new Inbox());
  }

  private static MqttConnectOptions options(boolean cleanSession) {
    MqttConnectOptions o = new MqttConnectOptions();
    o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
    o.setCleanSession(cleanSession);
    o.setAutomaticReconnect(false);
    o.setConnectionTimeout(10);
    o.setKeepAliveInterval(30);
    return o;
  }

  private static MqttMessage message(String text, int qos, boolean retained) {
    return message(text.getBytes(StandardCharsets.UTF_8), qos, retained);
  }

  private static MqttMessage message(byte[] payload, int qos, boolean retained) {
    MqttMessage m = new MqttMessage(payload);
    m.setQos(qos);
    m.setRetained(retained);
    return m;
  }

  /** A label followed by every byte value, so that nothing is lost in translation. */
  private static byte[] allByteValues(String label) {
    byte[] head = label.getBytes(StandardCharsets.UTF_8);
    byte[] out = Arrays.copyOf(head, head.length + 256);
    for (int i = 0; i < 256; i++) {
      out[head.length + i] = (byte) i;
    }
    return out;
  }
}
