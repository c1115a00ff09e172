package dev.midge.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAck;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperty;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import dev.midge.broker.config.KeepAliveConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The HiveMQ MQTT client as a real peer of Midge: MQTT 3.1.1 through its blocking {@code
 * Mqtt3Client} (QoS, retained, offline queue, wills), and an MQTT 5 smoke test with {@code
 * Mqtt5Client}. MQTT 5 is only partly implemented in Midge; these tests cover what is.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HiveMqClientInteropTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @RegisterExtension
  final InteropBroker broker = InteropBroker.started("hivemq");
  private final InteropClients clients = new InteropClients(broker);

  // ---- MQTT 3.1.1 ----

  @ParameterizedTest(name = "{0}")
  @EnumSource(MqttQos.class)
  @DisplayName("MQTT-3.8.4-6: a message arrives at the QoS it was published with (granted 2)")
  void publish_whenSubscribedAtQos2_thenDeliveredWithSamePayloadAndQos(MqttQos qos)
      throws Exception {
    Mqtt3BlockingClient sub = clients.hiveMq3("hivemq-sub");
    Mqtt3BlockingClient.Mqtt3Publishes inbox = inbox(sub);
    sub.connectWith().cleanSession(true).send();
    assertThat(sub.subscribeWith().topicFilter(broker.topic("q")).qos(MqttQos.EXACTLY_ONCE).send()
        .getReturnCodes()).containsExactly(Mqtt3SubAckReturnCode.SUCCESS_MAXIMUM_QOS_2);

    byte[] payload = ("HiveMQ " + qos + " \u00fc\u2713").getBytes(StandardCharsets.UTF_8);
    publisher().publishWith().topic(broker.topic("q")).qos(qos).payload(payload).send();

    Mqtt3Publish got = receive(inbox);
    assertThat(got.getTopic().toString()).isEqualTo(broker.topic("q"));
    assertThat(got.getPayloadAsBytes()).isEqualTo(payload);
    assertThat(got.getQos()).isEqualTo(qos);
    assertThat(got.isRetain()).isFalse();
  }

  @Test
  @DisplayName("MQTT-3.3.1-6, MQTT-3.3.1-8: a new subscription gets the retained message with"
      + " RETAIN set, at the lower of its QoS and the granted QoS")
  void retained_whenSubscribingAfterPublish_thenDeliveredWithRetainFlag() throws Exception {
    publisher().publishWith().topic(broker.topic("r")).qos(MqttQos.EXACTLY_ONCE).retain(true)
        .payload("kept".getBytes(StandardCharsets.UTF_8)).send();

    Mqtt3BlockingClient sub = clients.hiveMq3("hivemq-late");
    Mqtt3BlockingClient.Mqtt3Publishes inbox = inbox(sub);
    sub.connectWith().cleanSession(true).send();
    sub.subscribeWith().topicFilter(broker.topic("#")).qos(MqttQos.AT_LEAST_ONCE).send();

    Mqtt3Publish got = receive(inbox);
    assertThat(got.getTopic().toString()).isEqualTo(broker.topic("r"));
    assertThat(text(got)).isEqualTo("kept");
    assertThat(got.isRetain()).isTrue();
    assertThat(got.getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
  }

  @Test
  @DisplayName("MQTT-3.1.2-5, MQTT-3.2.2-2, MQTT-4.6.0-6: messages queued while a persistent"
      + " session is offline arrive in order on reconnect")
  void persistentSession_whenMessagesPublishedWhileOffline_thenDeliveredInOrderOnReconnect()
      throws Exception {
    String id = "hivemq-offline";
    Mqtt3BlockingClient c = clients.hiveMq3(id);
    Mqtt3ConnAck first = c.connectWith().cleanSession(false).send();
    assertThat(first.isSessionPresent()).isFalse();
    c.subscribeWith().topicFilter(broker.topic("queued")).qos(MqttQos.EXACTLY_ONCE).send();
    c.disconnect();
    await().atMost(WAIT).until(() -> broker.services().sessions().get(id).claimedBy() == null);

    Mqtt3BlockingClient pub = publisher();
    List<String> sent = IntStream.rangeClosed(1, 6).mapToObj(i -> "m" + i).toList();
    for (int i = 0; i < sent.size(); i++) {
      pub.publishWith().topic(broker.topic("queued"))
          .qos(i % 2 == 0 ? MqttQos.AT_LEAST_ONCE : MqttQos.EXACTLY_ONCE)
          .payload(sent.get(i).getBytes(StandardCharsets.UTF_8)).send();
    }

    Mqtt3BlockingClient back = clients.hiveMq3(id);
    Mqtt3BlockingClient.Mqtt3Publishes inbox = inbox(back);
    Mqtt3ConnAck resumed = back.connectWith().cleanSession(false).send();
    assertThat(resumed.isSessionPresent()).isTrue();

    List<Mqtt3Publish> got = receive(inbox, sent.size());
    assertThat(got).extracting(HiveMqClientInteropTest::text).containsExactlyElementsOf(sent);
    assertThat(got).extracting(Mqtt3Publish::getQos).containsExactly(
        MqttQos.AT_LEAST_ONCE, MqttQos.EXACTLY_ONCE, MqttQos.AT_LEAST_ONCE,
        MqttQos.EXACTLY_ONCE, MqttQos.AT_LEAST_ONCE, MqttQos.EXACTLY_ONCE);
  }

  @Test
  @DisplayName("MQTT-3.1.2-8, MQTT-3.1.2-17: when the connection breaks the will is published,"
      + " and kept as retained when it says so")
  void will_whenConnectionSeveredWithoutDisconnect_thenWillDeliveredAndRetained()
      throws Exception {
    Mqtt3BlockingClient watch = clients.hiveMq3("hivemq-watcher");
    Mqtt3BlockingClient.Mqtt3Publishes watched = inbox(watch);
    watch.connectWith().cleanSession(true).send();
    watch.subscribeWith().topicFilter(broker.topic("will")).qos(MqttQos.EXACTLY_ONCE).send();

    SniffingProxy proxy = broker.proxy();
    Mqtt3BlockingClient dying = clients.hiveMq3("hivemq-dying", proxy.port());
    dying.connectWith().cleanSession(true)
        .willPublish().topic(broker.topic("will")).qos(MqttQos.EXACTLY_ONCE).retain(true)
        .payload("gone".getBytes(StandardCharsets.UTF_8)).applyWillPublish()
        .send();

    proxy.sever();

    Mqtt3Publish will = receive(watched);
    assertThat(text(will)).isEqualTo("gone");
    assertThat(will.getQos()).isEqualTo(MqttQos.EXACTLY_ONCE);
    assertThat(proxy.toBroker().count(SniffingProxy.DISCONNECT)).isZero();

    Mqtt3BlockingClient late = clients.hiveMq3("hivemq-late");
    Mqtt3BlockingClient.Mqtt3Publishes lateInbox = inbox(late);
    late.connectWith().cleanSession(true).send();
    late.subscribeWith().topicFilter(broker.topic("will")).qos(MqttQos.AT_LEAST_ONCE).send();
    Mqtt3Publish retained = receive(lateInbox);
    assertThat(text(retained)).isEqualTo("gone");
    assertThat(retained.isRetain()).isTrue();
  }

  @Test
  @DisplayName("MQTT-3.14.4-3: after DISCONNECT the will is discarded")
  void will_whenClientDisconnects_thenWillNotPublished() throws Exception {
    Mqtt3BlockingClient watch = clients.hiveMq3("hivemq-watcher");
    Mqtt3BlockingClient.Mqtt3Publishes watched = inbox(watch);
    watch.connectWith().cleanSession(true).send();
    watch.subscribeWith().topicFilter(broker.topic("#")).qos(MqttQos.AT_LEAST_ONCE).send();

    Mqtt3BlockingClient polite = clients.hiveMq3("hivemq-polite");
    polite.connectWith().cleanSession(true)
        .willPublish().topic(broker.topic("will")).qos(MqttQos.AT_LEAST_ONCE)
        .payload("gone".getBytes(StandardCharsets.UTF_8)).applyWillPublish()
        .send();
    polite.disconnect();
    await().atMost(WAIT).until(() -> broker.services().sessions().get("hivemq-polite") == null);

    publisher().publishWith().topic(broker.topic("fence")).qos(MqttQos.AT_LEAST_ONCE)
        .payload("fence".getBytes(StandardCharsets.UTF_8)).send();

    List<Mqtt3Publish> got = receiveUntil(watched, p -> text(p).equals("fence"));
    assertThat(got).extracting(HiveMqClientInteropTest::text).containsExactly("fence");
  }

  // ---- MQTT 5 smoke ----

  @Test
  @DisplayName("MQTT 5 (MQTT-3.3.2-17, MQTT-3.3.2-18): QoS 1 messages keep their user"
      + " properties unaltered and in order, and arrive in the order sent")
  void mqtt5_whenPublishingQos1WithUserProperties_thenReceivedUnchangedAndInOrder()
      throws Exception {
    Mqtt5BlockingClient sub = clients.hiveMq5("hivemq5-sub");
    Mqtt5BlockingClient.Mqtt5Publishes inbox = sub.publishes(MqttGlobalPublishFilter.ALL);
    broker.closeAfterTest(inbox);
    Mqtt5ConnAck ack = sub.connectWith().cleanStart(true).send();
    assertThat(ack.getReasonCode().isError()).isFalse();
    sub.subscribeWith().topicFilter(broker.topic("props")).qos(MqttQos.AT_LEAST_ONCE).send();

    Mqtt5BlockingClient pub = clients.hiveMq5("hivemq5-pub");
    pub.connectWith().cleanStart(true).send();
    List<Mqtt5UserProperties> sent = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      Mqtt5UserProperties props = Mqtt5UserProperties.builder()
          .add("seq", Integer.toString(i))
          .add("dup-name", "first")
          .add("unicode", "\u00fcber \u2713")
          .add("dup-name", "second")
          .add("empty", "")
          .build();
      sent.add(props);
      Mqtt5PublishResult result = pub.publishWith().topic(broker.topic("props"))
          .qos(MqttQos.AT_LEAST_ONCE).userProperties(props)
          .payload(("message " + i).getBytes(StandardCharsets.UTF_8)).send();
      assertThat(result.getError()).isEmpty();
      assertThat(((Mqtt5PublishResult.Mqtt5Qos1Result) result).getPubAck().getReasonCode())
          .isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
    }

    List<Mqtt5Publish> got = new ArrayList<>();
    for (int i = 0; i < sent.size(); i++) {
      Optional<Mqtt5Publish> p = inbox.receive(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      if (p.isEmpty()) {
        fail("only " + got.size() + " of " + sent.size() + " MQTT 5 messages arrived");
      }
      got.add(p.get());
    }
    assertThat(got).extracting(p -> new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8))
        .containsExactly("message 1", "message 2", "message 3", "message 4", "message 5");
    assertThat(got).extracting(Mqtt5Publish::getQos).containsOnly(MqttQos.AT_LEAST_ONCE);
    for (int i = 0; i < sent.size(); i++) {
      assertThat(pairs(got.get(i).getUserProperties()))
          .as("user properties of message %d", i + 1)
          .containsExactlyElementsOf(pairs(sent.get(i)));
    }
  }

  @Test
  @DisplayName("MQTT 5 (MQTT-3.3.2-4, MQTT-3.3.2-15, MQTT-3.3.2-16, MQTT-3.3.2-20): payload format"
      + " indicator, response topic, correlation data and content type are forwarded unaltered")
  void mqtt5_whenPublishingRequestResponseProperties_thenForwardedUnaltered() throws Exception {
    Mqtt5BlockingClient sub = clients.hiveMq5("hivemq5-sub");
    Mqtt5BlockingClient.Mqtt5Publishes inbox = sub.publishes(MqttGlobalPublishFilter.ALL);
    broker.closeAfterTest(inbox);
    sub.connectWith().cleanStart(true).send();
    sub.subscribeWith().topicFilter(broker.topic("request")).qos(MqttQos.EXACTLY_ONCE).send();

    Mqtt5BlockingClient pub = clients.hiveMq5("hivemq5-pub");
    pub.connectWith().cleanStart(true).send();
    byte[] correlation = {0, 1, 2, (byte) 0xFE, (byte) 0xFF};
    pub.publishWith().topic(broker.topic("request")).qos(MqttQos.EXACTLY_ONCE)
        .payloadFormatIndicator(com.hivemq.client.mqtt.mqtt5.message.publish
            .Mqtt5PayloadFormatIndicator.UTF_8)
        .contentType("application/json; charset=utf-8")
        .responseTopic(broker.topic("reply/\u00fc"))
        .correlationData(correlation)
        .payload("{\"q\":1}".getBytes(StandardCharsets.UTF_8))
        .send();

    Optional<Mqtt5Publish> got = inbox.receive(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(got).as("the request message").isPresent();
    Mqtt5Publish p = got.get();
    assertThat(p.getPayloadFormatIndicator()).hasValue(com.hivemq.client.mqtt.mqtt5.message
        .publish.Mqtt5PayloadFormatIndicator.UTF_8);
    assertThat(p.getContentType()).map(Object::toString)
        .hasValue("application/json; charset=utf-8");
    assertThat(p.getResponseTopic()).map(Object::toString).hasValue(broker.topic("reply/\u00fc"));
    assertThat(p.getCorrelationData()).map(HiveMqClientInteropTest::bytes).hasValue(correlation);
    assertThat(p.getQos()).isEqualTo(MqttQos.EXACTLY_ONCE);
  }

  @Test
  @DisplayName("MQTT 5 (MQTT-3.1.2-23): a session with a Session Expiry Interval outlives its"
      + " connection and gets the QoS 1 messages published meanwhile")
  void mqtt5_whenSessionExpiryIntervalSet_thenQueuedMessagesDeliveredOnReconnect()
      throws Exception {
    String id = "hivemq5-offline";
    Mqtt5BlockingClient c = clients.hiveMq5(id);
    c.connectWith().cleanStart(true).sessionExpiryInterval(300).send();
    c.subscribeWith().topicFilter(broker.topic("queued")).qos(MqttQos.AT_LEAST_ONCE).send();
    c.disconnect();
    await().atMost(WAIT).until(() -> broker.services().sessions().get(id) != null
        && broker.services().sessions().get(id).claimedBy() == null);

    Mqtt5BlockingClient pub = clients.hiveMq5("hivemq5-pub");
    pub.connectWith().cleanStart(true).send();
    for (int i = 1; i <= 3; i++) {
      pub.publishWith().topic(broker.topic("queued")).qos(MqttQos.AT_LEAST_ONCE)
          .payload(("q" + i).getBytes(StandardCharsets.UTF_8)).send();
    }

    Mqtt5BlockingClient back = clients.hiveMq5(id);
    Mqtt5BlockingClient.Mqtt5Publishes inbox = back.publishes(MqttGlobalPublishFilter.ALL);
    broker.closeAfterTest(inbox);
    Mqtt5ConnAck ack = back.connectWith().cleanStart(false).sessionExpiryInterval(300).send();
    assertThat(ack.isSessionPresent()).isTrue();
    List<String> got = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Optional<Mqtt5Publish> p = inbox.receive(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      if (p.isEmpty()) {
        fail("only " + got + " of q1, q2, q3 arrived");
      }
      got.add(new String(p.get().getPayloadAsBytes(), StandardCharsets.UTF_8));
    }
    assertThat(got).containsExactly("q1", "q2", "q3");
  }

  @Test
  @DisplayName("MQTT 5 (3.2.2.3.14): a keep alive above the listener's maximum is answered with"
      + " Server Keep Alive")
  void mqtt5_whenKeepAliveAboveListenerMaximum_thenConnackCarriesServerKeepAlive()
      throws Exception {
    KeepAliveConfig d = KeepAliveConfig.DEFAULTS;
    broker.restart(InteropBroker.keepAliveRange(d.minimum(), 30, d.allowZero()));

    Mqtt5BlockingClient c = clients.hiveMq5("hivemq5-keepalive");
    Mqtt5ConnAck ack = c.connectWith().cleanStart(true).keepAlive(120).send();

    assertThat(ack.getServerKeepAlive()).hasValue(30);
  }

  // ---- helpers ----

  /** Collects every message the client receives; call before connect to catch queued ones. */
  private Mqtt3BlockingClient.Mqtt3Publishes inbox(Mqtt3BlockingClient c) {
    return broker.closeAfterTest(c.publishes(MqttGlobalPublishFilter.ALL));
  }

  private Mqtt3BlockingClient publisher() {
    Mqtt3BlockingClient c = clients.hiveMq3(broker.uniqueId("hivemq-pub-"));
    c.connectWith().cleanSession(true).send();
    return c;
  }

  private static Mqtt3Publish receive(Mqtt3BlockingClient.Mqtt3Publishes inbox)
      throws InterruptedException {
    return receive(inbox, 1).get(0);
  }

  private static List<Mqtt3Publish> receive(Mqtt3BlockingClient.Mqtt3Publishes inbox, int n)
      throws InterruptedException {
    List<Mqtt3Publish> got = new ArrayList<>();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (got.size() < n) {
      long left = deadline - System.nanoTime();
      Optional<Mqtt3Publish> p = left > 0
          ? inbox.receive(left, TimeUnit.NANOSECONDS) : Optional.empty();
      if (p.isEmpty()) {
        fail("received " + got.size() + " of " + n + " messages within " + WAIT + ": "
            + got.stream().map(HiveMqClientInteropTest::text).toList());
      }
      got.add(p.get());
    }
    return got;
  }

  private static List<Mqtt3Publish> receiveUntil(Mqtt3BlockingClient.Mqtt3Publishes inbox,
      Predicate<Mqtt3Publish> last) throws InterruptedException {
    List<Mqtt3Publish> got = new ArrayList<>();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (got.isEmpty() || !last.test(got.get(got.size() - 1))) {
      long left = deadline - System.nanoTime();
      Optional<Mqtt3Publish> p = left > 0
          ? inbox.receive(left, TimeUnit.NANOSECONDS) : Optional.empty();
      if (p.isEmpty()) {
        fail("the awaited message did not arrive within " + WAIT + "; got "
            + got.stream().map(HiveMqClientInteropTest::text).toList());
      }
      got.add(p.get());
    }
    return got;
  }

  private static String text(Mqtt3Publish p) {
    return new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(java.nio.ByteBuffer b) {
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
