package dev.midge.client.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.MidgeBroker;
import dev.midge.client.BlockingMqttClient;
import dev.midge.client.ConnectResult;
import dev.midge.client.ConnectionLostException;
import dev.midge.client.ConnectionRefusedException;
import dev.midge.client.MqttClient;
import dev.midge.client.MqttMessage;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.reason.ConnackReasonCode;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The client against the Midge broker, in process, for MQTT 3.1.1 and 5.0. */
class ClientAgainstMidgeTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private MidgeBroker broker;
  private final List<MqttClient> clients = new ArrayList<>();

  @BeforeEach
  void startBroker() {
    broker = MidgeBroker.builder().port(0).build().start();
  }

  @AfterEach
  void stop() {
    clients.forEach(MqttClient::close);
    broker.close();
  }

  private MqttClient.Builder client(MqttVersion version) {
    return MqttClient.builder().port(broker.port()).version(version);
  }

  private MqttClient track(MqttClient c) {
    clients.add(c);
    return c;
  }

  @ParameterizedTest
  @EnumSource(value = MqttVersion.class, names = {"V3_1_1", "V5"})
  void connect_whenBrokerAccepts_thenConnectedWithNewSessionAndAskedKeepAlive(MqttVersion v) {
    MqttClient c = track(client(v).keepAlive(Duration.ofSeconds(30)).build());
    ConnectResult r = c.connect().orTimeout(10, TimeUnit.SECONDS).join();
    assertThat(r.sessionPresent()).isFalse();
    assertThat(r.keepAlive()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.isConnected()).isTrue();
  }

  @ParameterizedTest
  @EnumSource(value = MqttVersion.class, names = {"V3_1_1", "V5"})
  @DisplayName("QoS 0, 1 and 2 both ways: MQTT-4.3.1-1, MQTT-4.3.2-1, MQTT-4.3.3-1")
  void publishSubscribe_whenEachQos_thenDeliveredOnceWithThatQos(MqttVersion v) {
    Recorder rec = new Recorder();
    MqttClient sub = track(client(v).build());
    MqttClient pub = track(client(v).build());
    sub.connect().join();
    pub.connect().join();
    assertThat(sub.subscribe("t/#", MqttQos.EXACTLY_ONCE, rec).join())
        .isEqualTo(MqttQos.EXACTLY_ONCE);
    for (MqttQos q : MqttQos.values()) {
      pub.publish("t/" + q.value(), "m" + q.value(), q, false).orTimeout(10, TimeUnit.SECONDS)
          .join();
    }
    await().atMost(WAIT).until(() -> rec.messages.size() == 3);
    assertThat(rec.messages).extracting(MqttMessage::topic, MqttMessage::qos,
            MqttMessage::payloadAsString)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("t/0", MqttQos.AT_MOST_ONCE, "m0"),
            org.assertj.core.groups.Tuple.tuple("t/1", MqttQos.AT_LEAST_ONCE, "m1"),
            org.assertj.core.groups.Tuple.tuple("t/2", MqttQos.EXACTLY_ONCE, "m2"));
    // every flow completed: no packet identifier left taken on either side
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(sub.stateSizes().join()).containsEntry("inboundQos2", 0)
          .containsEntry("packetIds", 0);
      assertThat(pub.stateSizes().join()).containsEntry("inflight", 0)
          .containsEntry("packetIds", 0);
    });
  }

  @Test
  void messageHandler_whenMessageArrives_thenRunsOnTheCallbackExecutorNotTheIoThread() {
    Recorder rec = new Recorder();
    MqttClient c = track(client(MqttVersion.V3_1_1).clientId("same").build());
    c.connect().join();
    c.subscribe("x", MqttQos.AT_LEAST_ONCE, rec).join();
    c.publish("x", "hi", MqttQos.AT_LEAST_ONCE, false).join();
    await().atMost(WAIT).until(() -> rec.messages.size() == 1);
    assertThat(rec.messageThreads).singleElement().asString()
        .startsWith("midge-client-callbacks-same");
  }

  @Test
  void unsubscribe_whenAcknowledged_thenNoMoreMessages() {
    Recorder rec = new Recorder();
    MqttClient c = track(client(MqttVersion.V3_1_1).build());
    c.connect().join();
    c.subscribe("u", MqttQos.AT_LEAST_ONCE, rec).join();
    c.unsubscribe("u").join();
    c.subscribe("marker", MqttQos.AT_LEAST_ONCE, rec).join();
    c.publish("u", "gone", MqttQos.AT_LEAST_ONCE, false).join();
    c.publish("marker", "end", MqttQos.AT_LEAST_ONCE, false).join();
    await().atMost(WAIT).until(() -> rec.messages.size() >= 1);
    assertThat(rec.payloads()).containsExactly("end");
  }

  @ParameterizedTest
  @EnumSource(value = MqttVersion.class, names = {"V3_1_1", "V5"})
  @DisplayName("MQTT-3.1.2-23, MQTT-3.12.4-1: idle client pings every keep alive, broker answers")
  void pingreq_whenIdle_thenOneRoundTripPerKeepAlive(MqttVersion v) {
    Recorder rec = new Recorder();
    MqttClient c = track(client(v).keepAlive(Duration.ofSeconds(1)).connectionListener(rec)
        .build());
    c.connect().join();
    await().atMost(WAIT).until(() -> rec.events("ping").size() >= 3);
    List<Recorder.Event> pings = rec.events("ping");
    for (int i = 1; i < pings.size(); i++) {
      long gapMillis = (pings.get(i).nanos() - pings.get(i - 1).nanos()) / 1_000_000;
      assertThat(gapMillis).as("a ping every keep alive, not more often").isGreaterThan(700);
    }
    assertThat(rec.events("lost")).isEmpty();
  }

  @Test
  @DisplayName("MQTT-3.1.2-23: a client that keeps publishing never pings")
  void pingreq_whenPublishingMoreOftenThanKeepAlive_thenNone() throws Exception {
    Recorder rec = new Recorder();
    MqttClient c = track(client(MqttVersion.V3_1_1).keepAlive(Duration.ofSeconds(1))
        .connectionListener(rec).build());
    c.connect().join();
    for (int i = 0; i < 8; i++) {
      c.publish("busy", "x", MqttQos.AT_LEAST_ONCE, false).join();
      Thread.sleep(300); // the traffic pattern under test: a publish every 0.3 s
    }
    assertThat(rec.events("ping")).isEmpty();
  }

  @Test
  void connect_whenNothingListens_thenFailsWithConnectionLostAndNoRetry() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Recorder rec = new Recorder();
    MqttClient c = track(MqttClient.builder().port(port).connectionListener(rec).build());
    assertThatThrownBy(() -> c.connect().orTimeout(10, TimeUnit.SECONDS).join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(ConnectionLostException.class);
    assertThat(rec.events("reconnecting")).isEmpty();
  }

  @Test
  @DisplayName("MQTT-3.1.3-8: 3.1.1 refuses an empty client id without clean session (0x02)")
  void connect_whenBrokerRefuses_thenFailsWithTheReasonCode() {
    MqttClient c = track(client(MqttVersion.V3_1_1).clientId("").cleanStart(false).build());
    assertThatThrownBy(() -> c.connect().orTimeout(10, TimeUnit.SECONDS).join())
        .hasCauseInstanceOf(ConnectionRefusedException.class)
        .cause().extracting(e -> ((ConnectionRefusedException) e).reasonCode())
        .isEqualTo(ConnackReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
  }

  @Test
  void blockingFacade_whenUsedSequentially_thenEachCallReturnsAfterTheAck() {
    Recorder rec = new Recorder();
    BlockingMqttClient c = track(client(MqttVersion.V3_1_1).build()).blocking(WAIT);
    assertThat(c.connect().sessionPresent()).isFalse();
    assertThat(c.subscribe("b", MqttQos.AT_LEAST_ONCE, rec)).isEqualTo(MqttQos.AT_LEAST_ONCE);
    c.publish("b", "x".getBytes(UTF_8), MqttQos.EXACTLY_ONCE, false);
    await().atMost(WAIT).until(() -> rec.messages.size() == 1);
    c.disconnect();
    assertThat(c.async().isConnected()).isFalse();
  }

  @ParameterizedTest
  @EnumSource(value = MqttVersion.class, names = {"V3_1_1", "V5"})
  @DisplayName("MQTT-3.2.2-2 / MQTT-4.4.0-1: a persistent session keeps QoS 1 messages while away")
  void sessionPresent_whenReconnectingWithoutCleanStart_thenQueuedMessagesDelivered(
      MqttVersion v) {
    MqttClient.Builder b = client(v).clientId("persistent-" + v.level()).cleanStart(false)
        .sessionExpiry(Duration.ofMinutes(5));
    MqttClient first = b.build();
    try {
      first.connect().join();
      first.subscribe("p", MqttQos.AT_LEAST_ONCE, m -> { }).join();
      first.disconnect().join();
    } finally {
      first.close();
    }
    MqttClient pub = track(client(v).build());
    pub.connect().join();
    pub.publish("p", "while away", MqttQos.AT_LEAST_ONCE, false).join();

    Recorder rec = new Recorder();
    MqttClient again = track(b.defaultHandler(rec).build());
    assertThat(again.connect().join().sessionPresent()).isTrue();
    await().atMost(WAIT).until(() -> rec.messages.size() == 1);
    assertThat(rec.payloads()).containsExactly("while away");
  }

  @Test
  void publish_whenMadeBeforeConnecting_thenBufferedAndSentOnConnect() {
    Recorder rec = new Recorder();
    MqttClient sub = track(client(MqttVersion.V3_1_1).build());
    sub.connect().join();
    sub.subscribe("early", MqttQos.AT_LEAST_ONCE, rec).join();
    MqttClient pub = track(client(MqttVersion.V3_1_1).build());
    var f1 = pub.publish("early", "1", MqttQos.AT_LEAST_ONCE, false);
    var f2 = pub.publish("early", "2", MqttQos.AT_MOST_ONCE, false);
    assertThat(f1).isNotDone();
    pub.connect().join();
    f1.orTimeout(10, TimeUnit.SECONDS).join();
    f2.orTimeout(10, TimeUnit.SECONDS).join();
    await().atMost(WAIT).until(() -> rec.messages.size() == 2);
    assertThat(rec.payloads()).containsExactly("1", "2");
  }

  @Test
  void publish_whenOfflineBufferFull_thenFails() {
    MqttClient pub = track(client(MqttVersion.V3_1_1).offlineBufferSize(1).build());
    pub.publish("b", "1", MqttQos.AT_LEAST_ONCE, false);
    assertThatThrownBy(() -> pub.publish("b", "2", MqttQos.AT_LEAST_ONCE, false)
        .orTimeout(10, TimeUnit.SECONDS).join())
        .hasMessageContaining("offline buffer full");
  }

  @Test
  void publish_whenTopicHasWildcard_thenFailsWithoutSending() {
    MqttClient c = track(client(MqttVersion.V3_1_1).build());
    assertThatThrownBy(() -> c.publish("a/+", "x", MqttQos.AT_MOST_ONCE, false).join())
        .hasCauseInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("MQTT-4.7.1-1");
  }
}
