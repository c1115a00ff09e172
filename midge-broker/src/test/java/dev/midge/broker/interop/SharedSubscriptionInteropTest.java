package dev.midge.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Shared subscriptions and subscription identifiers as real clients see them: the HiveMQ MQTT
 * client ({@code Mqtt5Client}) and Eclipse Paho v5 in MQTT 5, and Paho v3 in MQTT 3.1.1. The
 * broker runs its defaults: both features on, round robin, so members take turns in the order
 * they subscribed. Members that leave messages unacknowledged use the clients' manual
 * acknowledgement.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SharedSubscriptionInteropTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Duration QUIET = Duration.ofMillis(500);

  @RegisterExtension
  final InteropBroker broker = InteropBroker.started("share");
  private final InteropClients clients = new InteropClients(broker);

  // ---- HiveMQ MQTT client, MQTT 5 ----

  @Test
  @DisplayName("MQTT 5 §3.2.2.3.12, §3.2.2.3.13: HiveMQ Mqtt5Client sees shared subscriptions and"
      + " subscription identifiers available")
  void hivemq_whenConnecting_thenBothFeaturesAvailable() {
    Mqtt5ConnAck ack = clients.hiveMq5("hm-connack").connect();
    assertThat(ack.getRestrictions().isSharedSubscriptionAvailable()).isTrue();
    assertThat(ack.getRestrictions().areSubscriptionIdentifiersAvailable()).isTrue();
  }

  @Test
  @DisplayName("MQTT 5 §4.8.2: three HiveMQ members of a group each get every third message,"
      + " in turn, and no message twice")
  void hivemq_whenThreeMembers_thenRoundRobinAndEachMessageOnce() {
    List<Queue<String>> inboxes = new ArrayList<>();
    for (String id : List.of("hm-a", "hm-b", "hm-c")) {
      Mqtt5BlockingClient c = clients.hiveMq5(id);
      c.connect();
      Queue<String> inbox = new ConcurrentLinkedQueue<>();
      assertThat(c.toAsync().subscribeWith().topicFilter("$share/workers/" + broker.topic())
          .qos(MqttQos.AT_LEAST_ONCE).callback(p -> inbox.add(text(p.getPayloadAsBytes())))
          .send().join().getReasonCodes()).containsExactly(Mqtt5SubAckReasonCode.GRANTED_QOS_1);
      inboxes.add(inbox);
    }
    Mqtt5BlockingClient pub = clients.hiveMq5("hm-pub");
    pub.connect();
    for (String m : messages(9)) {
      pub.publishWith().topic(broker.topic()).qos(MqttQos.AT_LEAST_ONCE).payload(bytes(m)).send();
    }

    await().atMost(WAIT).until(() -> inboxes.stream().mapToInt(Queue::size).sum() == 9);
    assertThat(inboxes.get(0)).containsExactly("m1", "m4", "m7");
    assertThat(inboxes.get(1)).containsExactly("m2", "m5", "m8");
    assertThat(inboxes.get(2)).containsExactly("m3", "m6", "m9");
    quietly(() -> inboxes.stream().mapToInt(Queue::size).sum() == 9);
  }

  @Test
  @DisplayName("MQTT 5 §4.8.2: a HiveMQ member that leaves QoS 1 messages unacknowledged (manual"
      + " acknowledgement) and disconnects: the other member gets them")
  void hivemq_whenMemberLeavesWithUnacknowledged_thenOtherMemberGetsThem() {
    Mqtt5BlockingClient lazy = clients.hiveMq5("hm-lazy");
    lazy.connect();
    Queue<Mqtt5Publish> held = new ConcurrentLinkedQueue<>();
    lazy.toAsync().subscribeWith().topicFilter("$share/g/" + broker.topic())
        .qos(MqttQos.AT_LEAST_ONCE).callback(held::add).manualAcknowledgement(true).send().join();
    Mqtt5BlockingClient busy = clients.hiveMq5("hm-busy");
    busy.connect();
    Queue<String> got = new ConcurrentLinkedQueue<>();
    busy.toAsync().subscribeWith().topicFilter("$share/g/" + broker.topic())
        .qos(MqttQos.AT_LEAST_ONCE).callback(p -> got.add(text(p.getPayloadAsBytes())))
        .send().join();

    Mqtt5BlockingClient pub = clients.hiveMq5("hm-pub");
    pub.connect();
    for (String m : messages(4)) {
      pub.publishWith().topic(broker.topic()).qos(MqttQos.AT_LEAST_ONCE).payload(bytes(m)).send();
    }
    await().atMost(WAIT).until(() -> held.size() == 2 && got.size() == 2);
    assertThat(held).extracting(p -> text(p.getPayloadAsBytes())).containsExactly("m1", "m3");
    assertThat(got).containsExactly("m2", "m4");

    lazy.disconnect(); // never acknowledged; session expiry 0: the session ends

    await().atMost(WAIT).until(() -> got.size() == 4);
    assertThat(got).containsExactlyInAnyOrder("m1", "m2", "m3", "m4");
    quietly(() -> got.size() == 4);
  }

  @Test
  @DisplayName("MQTT 5 §4.8.2: a HiveMQ member with a persistent session whose connection closes"
      + " with QoS 1 unacknowledged: the connected member gets them, the returning one does not")
  void hivemq_whenPersistentMemberGoesOffline_thenConnectedMemberGetsItsMessages() {
    Mqtt5BlockingClient lazy = clients.hiveMq5("hm-offline");
    lazy.connectWith().cleanStart(true).sessionExpiryInterval(300).send();
    Queue<Mqtt5Publish> held = new ConcurrentLinkedQueue<>();
    lazy.toAsync().subscribeWith().topicFilter("$share/g/" + broker.topic())
        .qos(MqttQos.AT_LEAST_ONCE).callback(held::add).manualAcknowledgement(true).send().join();
    Mqtt5BlockingClient busy = clients.hiveMq5("hm-online");
    busy.connect();
    Queue<String> got = new ConcurrentLinkedQueue<>();
    busy.toAsync().subscribeWith().topicFilter("$share/g/" + broker.topic())
        .qos(MqttQos.AT_LEAST_ONCE).callback(p -> got.add(text(p.getPayloadAsBytes())))
        .send().join();
    Mqtt5BlockingClient pub = clients.hiveMq5("hm-pub");
    pub.connect();
    for (String m : messages(2)) {
      pub.publishWith().topic(broker.topic()).qos(MqttQos.AT_LEAST_ONCE).payload(bytes(m)).send();
    }
    await().atMost(WAIT).until(() -> held.size() == 1 && got.size() == 1);

    lazy.disconnect(); // the session stays for 300 s
    await().atMost(WAIT).until(() -> got.size() == 2);
    assertThat(got).containsExactlyInAnyOrder("m1", "m2");

    Mqtt5BlockingClient back = clients.hiveMq5("hm-offline");
    Queue<String> resent = new ConcurrentLinkedQueue<>();
    back.toAsync().publishes(MqttGlobalPublishFilter.ALL,
        p -> resent.add(text(p.getPayloadAsBytes())));
    assertThat(back.connectWith().cleanStart(false).sessionExpiryInterval(300).send()
        .isSessionPresent()).isTrue();
    quietly(resent::isEmpty);
  }

  // ---- Eclipse Paho v5 ----

  @Test
  @DisplayName("MQTT-3.3.4-3, MQTT-3.3.4-5: Paho v5 reads on each delivery the identifier of the"
      + " subscription that caused it: its shared one, its non-shared one, a fellow member's own")
  void paho5_whenSubscribedWithIdentifiers_thenEachDeliveryCarriesItsOwn() throws Exception {
    Paho5 a = paho5("p5-a", false);
    a.subscribe("$share/g/" + broker.topic(), 1, 11);
    a.subscribe(broker.topic("#"), 1, 12);
    Paho5 b = paho5("p5-b", false);
    b.subscribe("$share/g/" + broker.topic(), 1, 21);
    Paho5 pub = paho5("p5-pub", false);
    pub.publish(broker.topic(), "m1");
    pub.publish(broker.topic(), "m2");

    await().atMost(WAIT).until(() -> a.received.size() == 3 && b.received.size() == 1);
    assertThat(a.received).extracting(r -> r.payload + " " + r.ids)
        .containsExactlyInAnyOrder("m1 [11]", "m1 [12]", "m2 [12]");
    assertThat(b.received).extracting(r -> r.payload + " " + r.ids).containsExactly("m2 [21]");
  }

  @Test
  @DisplayName("MQTT 5 §4.8.2: a Paho v5 member with manual acks that disconnects leaves its"
      + " unacknowledged QoS 1 messages to the other member")
  void paho5_whenMemberDisconnectsWithUnacknowledged_thenOtherMemberGetsThem() throws Exception {
    Paho5 lazy = paho5("p5-lazy", true);
    lazy.subscribe("$share/g/" + broker.topic(), 1, 0);
    Paho5 busy = paho5("p5-busy", false);
    busy.subscribe("$share/g/" + broker.topic(), 1, 0);
    Paho5 pub = paho5("p5-pub", false);
    for (String m : messages(4)) {
      pub.publish(broker.topic(), m);
    }
    await().atMost(WAIT).until(() -> lazy.received.size() == 2 && busy.received.size() == 2);
    assertThat(lazy.payloads()).containsExactly("m1", "m3");

    lazy.client.disconnect(0).waitForCompletion(WAIT.toMillis());

    await().atMost(WAIT).until(() -> busy.received.size() == 4);
    assertThat(busy.payloads()).containsExactlyInAnyOrder("m1", "m2", "m3", "m4");
    quietly(() -> busy.received.size() == 4);
  }

  // ---- Eclipse Paho v3, MQTT 3.1.1 ----

  @Test
  @DisplayName("MQTT 5 §4.8.2 for MQTT 3.1.1 clients: two Paho v3 members of $share/g/… take"
      + " turns; one with manual acks disconnecting unacknowledged leaves its messages to the"
      + " other")
  void paho3_whenSharedSubscription_thenMembersTakeTurnsAndUnacknowledgedMove() throws Exception {
    Paho3 lazy = paho3Member("p3-lazy", true);
    Paho3 busy = paho3Member("p3-busy", false);
    org.eclipse.paho.client.mqttv3.MqttClient pub = paho3Publisher("p3-pub");
    for (String m : messages(4)) {
      pub.publish(broker.topic(), bytes(m), 1, false);
    }
    await().atMost(WAIT).until(() -> lazy.received.size() == 2 && busy.received.size() == 2);
    assertThat(lazy.received).containsExactly("m1", "m3");
    assertThat(busy.received).containsExactly("m2", "m4");

    lazy.client.disconnect(0);

    await().atMost(WAIT).until(() -> busy.received.size() == 4);
    assertThat(busy.received).containsExactlyInAnyOrder("m1", "m2", "m3", "m4");
    quietly(() -> busy.received.size() == 4);
  }

  // ---- helpers ----

  private static List<String> messages(int n) {
    return IntStream.rangeClosed(1, n).mapToObj(i -> "m" + i).toList();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  /** Asserts that {@code condition} holds for a while: nothing more arrives. */
  private static void quietly(java.util.concurrent.Callable<Boolean> condition) {
    await().during(QUIET).atMost(QUIET.multipliedBy(4)).until(condition);
  }

  /** A message as Paho v5 delivered it: payload and Subscription Identifiers. */
  private record Received(String payload, List<Integer> ids) {}

  /** A connected Paho v5 client that records every message it receives. */
  private final class Paho5 {
    final MqttAsyncClient client;
    final Queue<Received> received = new ConcurrentLinkedQueue<>();

    Paho5(String id, boolean manualAcks) throws MqttException {
      client = clients.pahoV5(id, broker.port());
      client.setManualAcks(manualAcks);
      client.setCallback(new MqttCallback() {
        @Override
        public void disconnected(MqttDisconnectResponse response) {}

        @Override
        public void mqttErrorOccurred(MqttException exception) {}

        @Override
        public void messageArrived(String t, MqttMessage message) {
          received.add(new Received(text(message.getPayload()),
              List.copyOf(message.getProperties().getSubscriptionIdentifiers())));
        }

        @Override
        public void deliveryComplete(IMqttToken token) {}

        @Override
        public void connectComplete(boolean reconnect, String serverURI) {}

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {}
      });
      MqttConnectionOptions options = new MqttConnectionOptions();
      options.setCleanStart(true);
      // The identifiers the test gives, not ones Paho would assign itself.
      options.setUseSubscriptionIdentifiers(false);
      client.connect(options).waitForCompletion(WAIT.toMillis());
    }

    /** SUBSCRIBE with Subscription Identifier {@code id} (0: none); waits for the SUBACK. */
    void subscribe(String filter, int qos, int id) throws MqttException {
      MqttProperties props = new MqttProperties();
      if (id != 0) {
        props.setSubscriptionIdentifier(id);
      }
      IMqttToken token = client.subscribe(new MqttSubscription[] {new MqttSubscription(filter,
          qos)}, null, null, props);
      token.waitForCompletion(WAIT.toMillis());
      assertThat(token.getReasonCodes()).containsExactly(qos);
    }

    void publish(String t, String payload) throws MqttException {
      client.publish(t, bytes(payload), 1, false).waitForCompletion(WAIT.toMillis());
    }

    List<String> payloads() {
      return received.stream().map(Received::payload).toList();
    }
  }

  private Paho5 paho5(String id, boolean manualAcks) throws MqttException {
    return new Paho5(id, manualAcks);
  }

  /**
   * A connected Paho v3 (MQTT 3.1.1) client; a member of {@code $share/g/{topic}} at QoS 1 if
   * asked, recording what it receives.
   */
  private final class Paho3 {
    final org.eclipse.paho.client.mqttv3.MqttClient client;
    final Queue<String> received = new ConcurrentLinkedQueue<>();

    Paho3(String id, boolean manualAcks, boolean member)
        throws org.eclipse.paho.client.mqttv3.MqttException {
      client = clients.pahoV3(id, broker.port());
      client.setManualAcks(manualAcks);
      // Paho v3 matches a message's topic against its listeners' filters literally, and no topic
      // matches "$share/g/…": messages for a shared subscription reach the client-wide callback.
      client.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
        @Override
        public void connectionLost(Throwable cause) {}

        @Override
        public void messageArrived(String t, org.eclipse.paho.client.mqttv3.MqttMessage m) {
          received.add(text(m.getPayload()));
        }

        @Override
        public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {}
      });
      org.eclipse.paho.client.mqttv3.MqttConnectOptions options =
          new org.eclipse.paho.client.mqttv3.MqttConnectOptions();
      options.setMqttVersion(org.eclipse.paho.client.mqttv3.MqttConnectOptions.MQTT_VERSION_3_1_1);
      options.setCleanSession(true);
      client.connect(options);
      if (member) {
        assertThat(client.subscribeWithResponse("$share/g/" + broker.topic(), 1).getGrantedQos())
            .containsExactly(1);
      }
    }
  }

  private Paho3 paho3Member(String id, boolean manualAcks) throws Exception {
    return new Paho3(id, manualAcks, true);
  }

  private org.eclipse.paho.client.mqttv3.MqttClient paho3Publisher(String id) throws Exception {
    return new Paho3(id, false, false).client;
  }
}
