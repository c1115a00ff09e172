package dev.midge.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckRestrictions;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5Disconnect;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.MqttConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The HiveMQ MQTT client in MQTT 5 mode ({@code Mqtt5Client}) against a Midge with a restricted
 * configuration: the CONNACK restrictions it reads, what it does with them (it checks none of
 * them before sending, so Midge's own checks answer), and the server-side disconnects (0x98, 0x9C
 * with Server Reference) as its disconnected listener sees them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HiveMqCapabilitiesInteropTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @RegisterExtension
  final InteropBroker broker = InteropBroker.startedByTest();
  private final InteropClients clients = new InteropClients(broker);

  /** A client whose disconnected listener puts each cause in {@code causes}. */
  private Mqtt5BlockingClient client(String id, BlockingQueue<Throwable> causes) {
    return clients.hiveMq5(id, broker.port(),
        builder -> builder.addDisconnectedListener(context -> causes.add(context.getCause())));
  }

  /** The DISCONNECT the broker sent, as the disconnected listener saw it. */
  private static Mqtt5Disconnect serverDisconnect(BlockingQueue<Throwable> causes)
      throws InterruptedException {
    Throwable cause = causes.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(cause).as("disconnected listener called within " + WAIT)
        .isInstanceOf(Mqtt5DisconnectException.class);
    return ((Mqtt5DisconnectException) cause).getMqttMessage();
  }

  @Test
  @DisplayName("MQTT-3.2.2-9, §3.2.2.3: the HiveMQ client reads every configured limit from"
      + " CONNACK")
  void connack_whenRestricted_thenHiveMqReadsEveryLimit() {
    broker.start(InteropBroker.restricted());
    Mqtt5BlockingClient c = client("hivemq5-connack", new LinkedBlockingQueue<>());

    Mqtt5ConnAck ack = c.connectWith().cleanStart(true).sessionExpiryInterval(300).send();

    Mqtt5ConnAckRestrictions r = ack.getRestrictions();
    assertThat(r.getMaximumQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
    assertThat(r.isRetainAvailable()).isFalse();
    assertThat(r.isWildcardSubscriptionAvailable()).isFalse();
    assertThat(r.getTopicAliasMaximum()).isEqualTo(5);
    assertThat(r.getReceiveMaximum()).isEqualTo(20);
    assertThat(ack.getSessionExpiryInterval()).hasValue(60);
  }

  @Test
  @DisplayName("MQTT-3.2.2-11: the HiveMQ client sends a QoS 2 PUBLISH despite Maximum QoS 1;"
      + " Midge answers DISCONNECT 0x9B, which fails the publish and reaches the listener")
  void publish_whenQos2AboveMaximum_thenDisconnect0x9B() throws Exception {
    broker.start(InteropBroker.restricted());
    BlockingQueue<Throwable> causes = new LinkedBlockingQueue<>();
    Mqtt5BlockingClient c = client("hivemq5-qos2", causes);
    c.connectWith().cleanStart(true).send();

    assertThatThrownBy(() -> c.publishWith().topic("hivemq5/q").qos(MqttQos.EXACTLY_ONCE)
        .payload("x".getBytes(StandardCharsets.UTF_8)).send())
        .isInstanceOf(RuntimeException.class);

    assertThat(serverDisconnect(causes).getReasonCode())
        .isEqualTo(Mqtt5DisconnectReasonCode.QOS_NOT_SUPPORTED);
  }

  @Test
  @DisplayName("MQTT-3.2.2-14: a retained PUBLISH from the HiveMQ client despite Retain Available"
      + " 0 gets DISCONNECT 0x9A")
  void publish_whenRetainedAndUnavailable_thenDisconnect0x9A() throws Exception {
    broker.start(InteropBroker.restricted());
    BlockingQueue<Throwable> causes = new LinkedBlockingQueue<>();
    Mqtt5BlockingClient c = client("hivemq5-retain", causes);
    c.connectWith().cleanStart(true).send();

    assertThatThrownBy(() -> c.publishWith().topic("hivemq5/r").qos(MqttQos.AT_LEAST_ONCE)
        .retain(true).payload("x".getBytes(StandardCharsets.UTF_8)).send())
        .isInstanceOf(RuntimeException.class);

    assertThat(serverDisconnect(causes).getReasonCode())
        .isEqualTo(Mqtt5DisconnectReasonCode.RETAIN_NOT_SUPPORTED);
    assertThat(broker.services().retained().size()).isZero();
  }

  @Test
  @DisplayName("§3.2.2.3.11, MQTT-3.2.2-10: the HiveMQ client's SUBSCRIBE gets 0xA2 for the"
      + " wildcard filter and the maximum QoS for the exact one, and messages flow on it")
  void subscribe_whenWildcardAndQos2_thenReasonCodesPerFilter() throws Exception {
    broker.start(InteropBroker.restricted());
    Mqtt5BlockingClient sub = client("hivemq5-sub", new LinkedBlockingQueue<>());
    sub.connectWith().cleanStart(true).send();
    try (Mqtt5BlockingClient.Mqtt5Publishes inbox = sub.publishes(MqttGlobalPublishFilter.ALL)) {
      // The blocking client throws when a SUBACK holds an error code; the SUBACK travels with it.
      Mqtt5SubAckException refused = catchThrowableOfType(() -> sub.subscribeWith()
          .addSubscription().topicFilter("hivemq5/#").qos(MqttQos.AT_LEAST_ONCE).applySubscription()
          .addSubscription().topicFilter("hivemq5/exact").qos(MqttQos.EXACTLY_ONCE)
          .applySubscription()
          .send(), Mqtt5SubAckException.class);
      assertThat(refused).isNotNull();
      List<Mqtt5SubAckReasonCode> codes = refused.getMqttMessage().getReasonCodes();
      assertThat(codes).containsExactly(
          Mqtt5SubAckReasonCode.WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED,
          Mqtt5SubAckReasonCode.GRANTED_QOS_1);

      Mqtt5BlockingClient pub = client("hivemq5-pub", new LinkedBlockingQueue<>());
      pub.connectWith().cleanStart(true).send();
      pub.publishWith().topic("hivemq5/exact").qos(MqttQos.AT_LEAST_ONCE)
          .payload("in".getBytes(StandardCharsets.UTF_8)).send();

      Optional<Mqtt5Publish> got = inbox.receive(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(got).isPresent();
      assertThat(new String(got.get().getPayloadAsBytes(), StandardCharsets.UTF_8))
          .isEqualTo("in");
      assertThat(got.get().getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
    }
  }

  @Test
  @DisplayName("§4.13: MidgeBroker.disconnectClient reaches the HiveMQ client's disconnected"
      + " listener as DISCONNECT 0x98 (Administrative action)")
  void disconnectClient_whenHiveMqConnected_thenListenerSees0x98() throws Exception {
    broker.start(BrokerConfig.defaults());
    BlockingQueue<Throwable> causes = new LinkedBlockingQueue<>();
    Mqtt5BlockingClient c = client("hivemq5-admin", causes);
    c.connectWith().cleanStart(true).send();

    assertThat(broker.disconnectClient("hivemq5-admin")).isTrue();

    assertThat(serverDisconnect(causes).getReasonCode())
        .isEqualTo(Mqtt5DisconnectReasonCode.ADMINISTRATIVE_ACTION);
  }

  @Test
  @DisplayName("§4.11: a broker stopping with mqtt.server-reference reaches the HiveMQ client's"
      + " disconnected listener as 0x9C (Use another server) with the Server Reference")
  void shutdown_whenServerReference_thenListenerSees0x9CAndReference() throws Exception {
    broker.start(BrokerConfig.defaults()
        .withMqtt(MqttConfig.DEFAULTS.withServerReference("other.example:1883", false)));
    BlockingQueue<Throwable> causes = new LinkedBlockingQueue<>();
    Mqtt5BlockingClient c = client("hivemq5-moved", causes);
    c.connectWith().cleanStart(true).send();

    broker.close();

    Mqtt5Disconnect d = serverDisconnect(causes);
    assertThat(d.getReasonCode()).isEqualTo(Mqtt5DisconnectReasonCode.USE_ANOTHER_SERVER);
    assertThat(d.getServerReference()).hasValueSatisfying(
        ref -> assertThat(ref.toString()).isEqualTo("other.example:1883"));
  }
}
