package dev.midge.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.datatypes.MqttUtf8String;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.MqttConfig;
import dev.midge.testkit.ManualClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * MQTT 5 message properties and problem reporting as two real MQTT 5 clients see them, Eclipse
 * Paho v5 and the HiveMQ client: Message Expiry Interval (an expired queued message never
 * arrives, a delivered one carries the time it has left), Payload Format Indicator validation
 * (0x99), Response Information in CONNACK, and Reason Strings (present by default, absent when the
 * client sets Request Problem Information to false).
 *
 * <p>The broker runs on a {@link ManualClock}, so "ten seconds later" is a call, not a wait; it
 * validates payload formats and gives Response Information under {@code replies/}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Mqtt5MessagePropertiesInteropTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final byte[] NOT_UTF8 = {'o', 'k', (byte) 0xC0, (byte) 0xAF};

  private final ManualClock clock = new ManualClock();
  @RegisterExtension
  final InteropBroker broker = InteropBroker.started("mqtt5", BrokerConfig.defaults()
      .withMqtt(MqttConfig.DEFAULTS.withPayloadFormatValidation(true)
          .withResponseInformationPrefix("replies/")),
      builder -> builder.clock(clock));
  private final InteropClients clients = new InteropClients(broker);

  // ---- HiveMQ MQTT client ----

  /** Receives what arrives within {@code window}, stopping at the first gap. */
  private static List<Mqtt5Publish> receiveAll(Mqtt5BlockingClient.Mqtt5Publishes inbox,
      Duration first) throws InterruptedException {
    List<Mqtt5Publish> got = new ArrayList<>();
    Duration wait = first;
    while (true) {
      Optional<Mqtt5Publish> p = inbox.receive(wait.toMillis(), TimeUnit.MILLISECONDS);
      if (p.isEmpty()) {
        return got;
      }
      got.add(p.get());
      wait = Duration.ofMillis(500);
    }
  }

  @Test
  @DisplayName("HiveMQ client, MQTT-3.3.2-5, MQTT-3.3.2-6: a queued message whose interval passed"
      + " offline never arrives; the other arrives with the interval less the time it waited")
  void hivemq_messageExpiry_whenOffline_thenExpiredDroppedAndRemainingSent() throws Exception {
    String id = "hivemq5-sleeper";
    Mqtt5BlockingClient sub = clients.hiveMq5(id);
    sub.connectWith().cleanStart(true).sessionExpiryInterval(300).send();
    sub.subscribeWith().topicFilter(broker.topic("#")).qos(MqttQos.AT_LEAST_ONCE).send();
    sub.disconnect();
    await().atMost(WAIT).until(() -> {
      var s = broker.services().sessions().get(id);
      return s != null && s.claimedBy() == null;
    });

    Mqtt5BlockingClient pub = clients.hiveMq5("hivemq5-pub");
    pub.connect();
    pub.publishWith().topic(broker.topic("stale")).qos(MqttQos.AT_LEAST_ONCE)
        .payload("stale".getBytes(StandardCharsets.UTF_8)).messageExpiryInterval(5).send();
    pub.publishWith().topic(broker.topic("fresh")).qos(MqttQos.AT_LEAST_ONCE)
        .payload("fresh".getBytes(StandardCharsets.UTF_8)).messageExpiryInterval(60).send();
    clock.advance(Duration.ofSeconds(10));

    Mqtt5BlockingClient back = clients.hiveMq5(id);
    Mqtt5BlockingClient.Mqtt5Publishes inbox = back.publishes(MqttGlobalPublishFilter.ALL);
    broker.closeAfterTest(inbox);
    Mqtt5ConnAck ack = back.connectWith().cleanStart(false).sessionExpiryInterval(300).send();
    assertThat(ack.isSessionPresent()).isTrue();

    List<Mqtt5Publish> got = receiveAll(inbox, WAIT);
    assertThat(got).extracting(p -> p.getTopic().toString()).containsExactly(broker.topic("fresh"));
    assertThat(got.get(0).getMessageExpiryInterval()).hasValue(50);
  }

  @Test
  @DisplayName("HiveMQ client, §3.3.2.3.2: a UTF-8 declared payload that is not gets PUBACK 0x99"
      + " with a Reason String; with Request Problem Information false, without (MQTT-3.1.2-29)")
  void hivemq_payloadFormat_whenNotUtf8_thenPuback0x99() {
    Mqtt5BlockingClient curious = clients.hiveMq5("hivemq5-curious");
    curious.connect();
    Mqtt5PubAck ack = pubAck(curious);
    assertThat(ack.getReasonCode()).isEqualTo(Mqtt5PubAckReasonCode.PAYLOAD_FORMAT_INVALID);
    assertThat(ack.getReasonString()).map(MqttUtf8String::toString)
        .hasValueSatisfying(r -> assertThat(r).contains("not UTF-8"));

    Mqtt5BlockingClient quiet = clients.hiveMq5("hivemq5-quiet");
    quiet.connectWith().restrictions().requestProblemInformation(false).applyRestrictions()
        .send();
    Mqtt5PubAck quietAck = pubAck(quiet);
    assertThat(quietAck.getReasonCode()).isEqualTo(Mqtt5PubAckReasonCode.PAYLOAD_FORMAT_INVALID);
    assertThat(quietAck.getReasonString()).isEmpty();
  }

  /** Publishes {@link #NOT_UTF8} declared as UTF-8 at QoS 1 and returns the PUBACK, however told. */
  private Mqtt5PubAck pubAck(Mqtt5BlockingClient c) {
    try {
      Mqtt5PublishResult result = c.publishWith().topic(broker.topic("bad"))
          .qos(MqttQos.AT_LEAST_ONCE).payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8)
          .payload(NOT_UTF8).send();
      Throwable error = result.getError().orElseThrow(
          () -> new AssertionError("publish of a non-UTF-8 payload succeeded"));
      return ((Mqtt5PubAckException) error).getMqttMessage();
    } catch (Mqtt5PubAckException e) {
      return e.getMqttMessage();
    }
  }

  @Test
  @DisplayName("HiveMQ client, §3.2.2.3.15, MQTT-3.1.2-28: Response Information when asked for,"
      + " none otherwise")
  void hivemq_responseInformation_whenRequested_thenInConnack() {
    Mqtt5BlockingClient asker = clients.hiveMq5("hivemq5-asker");
    Mqtt5ConnAck ack = asker.connectWith().restrictions().requestResponseInformation(true)
        .applyRestrictions().send();
    assertThat(ack.getResponseInformation()).map(MqttUtf8String::toString)
        .hasValue("replies/hivemq5-asker");

    Mqtt5BlockingClient other = clients.hiveMq5("hivemq5-other");
    assertThat(other.connect().getResponseInformation()).isEmpty();
  }

  // ---- Eclipse Paho v5 ----

  /** A Paho v5 async client recording what arrives and how the connection ended. */
  private final class Paho implements MqttCallback {
    final MqttAsyncClient client;
    final List<MqttMessage> messages = new CopyOnWriteArrayList<>();
    final List<String> topics = new CopyOnWriteArrayList<>();
    final AtomicReference<MqttDisconnectResponse> disconnect = new AtomicReference<>();

    Paho(String id) throws MqttException {
      client = clients.pahoV5(id, broker.port());
      client.setCallback(this);
    }

    IMqttToken connect(MqttConnectionOptions options) throws MqttException {
      IMqttToken t = client.connect(options);
      t.waitForCompletion(WAIT.toMillis());
      return t;
    }

    @Override
    public void disconnected(MqttDisconnectResponse response) {
      disconnect.set(response);
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {}

    @Override
    public void messageArrived(String topic, MqttMessage message) {
      topics.add(topic);
      messages.add(message);
    }

    @Override
    public void deliveryComplete(IMqttToken token) {}

    @Override
    public void connectComplete(boolean reconnect, String serverURI) {}

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {}
  }

  private static MqttConnectionOptions options(boolean cleanStart) {
    MqttConnectionOptions o = new MqttConnectionOptions();
    o.setCleanStart(cleanStart);
    o.setAutomaticReconnect(false);
    o.setKeepAliveInterval(0);
    return o;
  }

  private static MqttMessage message(byte[] payload, int qos, MqttProperties props) {
    MqttMessage m = new MqttMessage(payload);
    m.setQos(qos);
    m.setProperties(props);
    return m;
  }

  @Test
  @DisplayName("Paho v5, MQTT-3.3.2-5, MQTT-3.3.2-6: a queued message whose interval passed offline"
      + " never arrives; the other arrives with the interval less the whole seconds it waited")
  void paho_messageExpiry_whenOffline_thenExpiredDroppedAndRemainingSent() throws Exception {
    String id = "paho5-sleeper";
    MqttConnectionOptions persistent = options(true);
    persistent.setSessionExpiryInterval(300L);
    Paho sub = new Paho(id);
    sub.connect(persistent);
    sub.client.subscribe(broker.topic("#"), 1).waitForCompletion(WAIT.toMillis());
    sub.client.disconnect().waitForCompletion(WAIT.toMillis());
    await().atMost(WAIT).until(() -> {
      var s = broker.services().sessions().get(id);
      return s != null && s.claimedBy() == null;
    });

    Paho pub = new Paho("paho5-pub");
    pub.connect(options(true));
    MqttProperties stale = new MqttProperties();
    stale.setMessageExpiryInterval(5L);
    MqttProperties later = new MqttProperties();
    later.setMessageExpiryInterval(30L);
    pub.client.publish(broker.topic("stale"), message("stale".getBytes(StandardCharsets.UTF_8), 1,
        stale)).waitForCompletion(WAIT.toMillis());
    pub.client.publish(broker.topic("later"), message("later".getBytes(StandardCharsets.UTF_8), 1,
        later)).waitForCompletion(WAIT.toMillis());
    clock.advance(Duration.ofMillis(12_300));

    MqttConnectionOptions resume = options(false);
    resume.setSessionExpiryInterval(300L);
    Paho back = new Paho(id);
    back.connect(resume);

    await().atMost(WAIT).until(() -> !back.messages.isEmpty());
    // QoS 0, same order
    back.client.publish(broker.topic("marker"), new MqttMessage(new byte[] {1}));
    await().atMost(WAIT).until(() -> back.topics.contains(broker.topic("marker")));
    assertThat(back.topics).containsExactly(broker.topic("later"), broker.topic("marker"));
    assertThat(back.messages.get(0).getProperties().getMessageExpiryInterval()).isEqualTo(18L);
  }

  @Test
  @DisplayName("Paho v5, §3.3.2.3.2: QoS 1 not UTF-8 → PUBACK 0x99 with a Reason String, none with"
      + " Request Problem Information false (MQTT-3.1.2-29); QoS 0 → DISCONNECT 0x99 with one")
  void paho_payloadFormat_whenNotUtf8_thenReasonCode0x99() throws Exception {
    MqttProperties utf8 = new MqttProperties();
    utf8.setPayloadFormat(true);

    Paho curious = new Paho("paho5-curious");
    curious.connect(options(true));
    IMqttToken ack = publishQuietly(curious, message(NOT_UTF8, 1, utf8));
    assertThat(ack.getReasonCodes()).containsExactly(0x99);
    assertThat(ack.getResponseProperties().getReasonString()).contains("not UTF-8");

    MqttConnectionOptions noProblems = options(true);
    noProblems.setRequestProblemInfo(false);
    Paho quiet = new Paho("paho5-quiet");
    quiet.connect(noProblems);
    IMqttToken quietAck = publishQuietly(quiet, message(NOT_UTF8, 1, utf8));
    assertThat(quietAck.getReasonCodes()).containsExactly(0x99);
    assertThat(quietAck.getResponseProperties().getReasonString()).isNull();

    curious.client.publish(broker.topic("bad0"), message(NOT_UTF8, 0, utf8));
    await().atMost(WAIT).until(() -> curious.disconnect.get() != null);
    MqttDisconnectResponse d = curious.disconnect.get();
    assertThat(d.getReturnCode()).isEqualTo(0x99);
    assertThat(d.getReasonString()).contains("not UTF-8");
  }

  /** Publishes and waits for the acknowledgement, whether Paho reports an error code or not. */
  private IMqttToken publishQuietly(Paho c, MqttMessage m) throws MqttException {
    IMqttToken token = c.client.publish(broker.topic("bad"), m);
    try {
      token.waitForCompletion(WAIT.toMillis());
    } catch (MqttException e) {
      // Paho may report a reason code of 0x80 or more as an exception; the token keeps the ack.
    }
    await().atMost(WAIT).until(() -> token.getResponse() != null);
    return token;
  }

  @Test
  @DisplayName("Paho v5, §3.2.2.3.15, MQTT-3.1.2-28: Response Information when asked for, none"
      + " otherwise")
  void paho_responseInformation_whenRequested_thenInConnack() throws Exception {
    MqttConnectionOptions ask = options(true);
    ask.setRequestResponseInfo(true);
    IMqttToken token = new Paho("paho5-asker").connect(ask);
    assertThat(token.getResponseProperties().getResponseInfo()).isEqualTo("replies/paho5-asker");

    IMqttToken plain = new Paho("paho5-plain").connect(options(true));
    assertThat(plain.getResponseProperties().getResponseInfo()).isNull();
  }
}
