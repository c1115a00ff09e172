package dev.midge.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.MqttConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
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
 * Eclipse Paho's MQTT 5 client ({@code org.eclipse.paho.mqttv5.client}) as a real peer of Midge:
 * the CONNACK it reads from a broker with a restricted configuration, how it reacts to it, and the
 * server-side disconnects (0x98, 0x9C with Server Reference) as its {@link
 * MqttCallback#disconnected} sees them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PahoV5CapabilitiesInteropTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @RegisterExtension
  final InteropBroker broker = InteropBroker.startedByTest();
  private final InteropClients clients = new InteropClients(broker);

  /** What a client's callback saw. */
  private static final class Events implements MqttCallback {
    final BlockingQueue<MqttMessage> messages = new LinkedBlockingQueue<>();
    final BlockingQueue<MqttDisconnectResponse> disconnects = new LinkedBlockingQueue<>();

    @Override
    public void disconnected(MqttDisconnectResponse response) {
      disconnects.add(response);
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {}

    @Override
    public void messageArrived(String topic, MqttMessage message) {
      messages.add(message);
    }

    @Override
    public void deliveryComplete(IMqttToken token) {}

    @Override
    public void connectComplete(boolean reconnect, String serverUri) {}

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {}

    MqttDisconnectResponse nextDisconnect() throws InterruptedException {
      MqttDisconnectResponse r = disconnects.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(r).as("disconnected callback within " + WAIT).isNotNull();
      return r;
    }

    MqttMessage nextMessage() throws InterruptedException {
      MqttMessage m = messages.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(m).as("a message within " + WAIT).isNotNull();
      return m;
    }
  }

  private MqttClient client(String id, Events events) throws MqttException {
    MqttClient c = clients.pahoV5Blocking(id, broker.port());
    c.setCallback(events);
    return c;
  }

  private static MqttConnectionOptions options(long sessionExpiry) {
    MqttConnectionOptions o = new MqttConnectionOptions();
    o.setCleanStart(true);
    o.setSessionExpiryInterval(sessionExpiry);
    o.setAutomaticReconnect(false);
    o.setConnectionTimeout(5);
    return o;
  }

  @Test
  @DisplayName("MQTT-3.2.2-9, §3.2.2.3: Paho reads every configured limit from CONNACK")
  void connack_whenRestricted_thenPahoReadsEveryLimit() throws Exception {
    broker.start(InteropBroker.restricted());
    MqttClient c = client("paho5-connack", new Events());

    IMqttToken token = c.connectWithResult(options(300));

    MqttProperties p = token.getResponseProperties();
    assertThat(p.getMaximumQoS()).isEqualTo(1);
    assertThat(p.isRetainAvailable()).isFalse();
    assertThat(p.isWildcardSubscriptionsAvailable()).isFalse();
    assertThat(p.getTopicAliasMaximum()).isEqualTo(5);
    assertThat(p.getReceiveMaximum()).isEqualTo(20);
    assertThat(p.getSessionExpiryInterval()).isEqualTo(60L);
  }

  @Test
  @DisplayName("MQTT-3.2.2-11, -14: told Maximum QoS 1 and Retain Available 0, Paho itself sends a"
      + " retained QoS 2 publish as QoS 1 without RETAIN; Midge delivers it and keeps nothing")
  void publish_whenAboveWhatCONNACKOffered_thenPahoDowngradesAndMidgeDelivers() throws Exception {
    broker.start(InteropBroker.restricted());
    Events subEvents = new Events();
    MqttClient sub = client("paho5-sub", subEvents);
    sub.connect(options(0));
    IMqttToken granted = sub.subscribe("paho5/t", 2);
    assertThat(granted.getReasonCodes()).as("granted the maximum, MQTT-3.2.2-10").containsExactly(1);
    MqttClient pub = client("paho5-pub", new Events());
    pub.connect(options(0));

    pub.publish("paho5/t", "hello".getBytes(StandardCharsets.UTF_8), 2, true);

    MqttMessage got = subEvents.nextMessage();
    assertThat(new String(got.getPayload(), StandardCharsets.UTF_8)).isEqualTo("hello");
    assertThat(got.getQos()).isEqualTo(1);
    assertThat(got.isRetained()).isFalse();
    assertThat(broker.services().retained().size()).isZero();
    assertThat(pub.isConnected()).isTrue();
  }

  @Test
  @DisplayName("§3.2.2.3.11: told Wildcard Subscription Available 0, Paho refuses a wildcard"
      + " filter itself; an exact filter is granted")
  void subscribe_whenWildcardsUnavailable_thenPahoRefusesLocally() throws Exception {
    broker.start(InteropBroker.restricted());
    MqttClient c = client("paho5-wild", new Events());
    c.connect(options(0));

    assertThatThrownBy(() -> c.subscribe("paho5/+", 1))
        .isInstanceOf(IllegalArgumentException.class);

    assertThat(c.subscribe("paho5/exact", 1).getReasonCodes()).containsExactly(1);
    assertThat(broker.services().router().size()).isEqualTo(1);
  }

  @Test
  @DisplayName("§4.13: MidgeBroker.disconnectClient reaches Paho's disconnected callback as"
      + " reason code 0x98 (Administrative action)")
  void disconnectClient_whenPahoConnected_thenCallbackSees0x98() throws Exception {
    broker.start(BrokerConfig.defaults());
    Events events = new Events();
    MqttClient c = client("paho5-admin", events);
    c.connect(options(0));

    assertThat(broker.disconnectClient("paho5-admin")).isTrue();

    assertThat(events.nextDisconnect().getReturnCode()).isEqualTo(0x98);
    await().atMost(WAIT).until(() -> !c.isConnected());
  }

  @Test
  @DisplayName("§4.11: a broker stopping with mqtt.server-reference reaches Paho's disconnected"
      + " callback as 0x9C (Use another server) with the Server Reference")
  void shutdown_whenServerReference_thenCallbackSees0x9CAndReference() throws Exception {
    broker.start(BrokerConfig.defaults()
        .withMqtt(MqttConfig.DEFAULTS.withServerReference("other.example:1883", false)));
    Events events = new Events();
    MqttClient c = client("paho5-moved", events);
    c.connect(options(0));

    broker.close();

    MqttDisconnectResponse r = events.nextDisconnect();
    assertThat(r.getReturnCode()).isEqualTo(0x9C);
    assertThat(r.getServerReference()).isEqualTo("other.example:1883");
  }
}
