package dev.midge.client.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.MidgeBroker;
import dev.midge.client.ConnectResult;
import dev.midge.client.MqttClient;
import dev.midge.client.PingTimeoutException;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Losing the broker and finding it again, through a {@link BlackholeProxy}: the half-open
 * connection the seeds describe, and a plain reset.
 */
class ReconnectTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  private MidgeBroker broker;
  private BlackholeProxy proxy;
  private final List<MqttClient> clients = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    broker = MidgeBroker.builder().port(0).build().start();
    proxy = new BlackholeProxy(broker.port());
  }

  @AfterEach
  void stop() {
    clients.forEach(MqttClient::close);
    proxy.close();
    broker.close();
  }

  private MqttClient track(MqttClient c) {
    clients.add(c);
    return c;
  }

  @ParameterizedTest
  @EnumSource(value = MqttVersion.class, names = {"V3_1_1", "V5"})
  @DisplayName("Half-open: lost within keep alive + PINGRESP timeout, session resumed,"
      + " QoS 1 of the outage delivered once both ways (MQTT-4.4.0-1)")
  void halfOpen_whenProxySwallowsEverything_thenLossNoticedAndQos1ArrivesOnceAfterReconnect(
      MqttVersion v) {
    Recorder behind = new Recorder(); // the client behind the proxy
    MqttClient client = track(MqttClient.builder().port(proxy.port()).version(v)
        .clientId("half-open-" + v.level()).cleanStart(false).sessionExpiry(Duration.ofMinutes(5))
        .keepAlive(Duration.ofSeconds(1)).pingTimeout(Duration.ofSeconds(1))
        .connectTimeout(Duration.ofSeconds(1))
        .reconnectDelay(Duration.ofMillis(100), Duration.ofMillis(400))
        .connectionListener(behind).build());
    client.connect().join();
    client.subscribe("to-client", MqttQos.AT_LEAST_ONCE, behind).join();

    Recorder direct = new Recorder(); // a peer connected straight to the broker
    MqttClient peer = track(MqttClient.builder().port(broker.port()).version(v).build());
    peer.connect().join();
    peer.subscribe("from-client", MqttQos.AT_LEAST_ONCE, direct).join();

    long outageStart = System.nanoTime();
    proxy.swallow(true);
    // Published by the client behind the proxy into the void: in flight until it reconnects.
    List<CompletableFuture<Void>> sent = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      sent.add(client.publish("from-client", "out-" + i, MqttQos.AT_LEAST_ONCE, false));
    }
    await().atMost(WAIT).until(() -> !behind.events("lost").isEmpty());
    Recorder.Event lost = behind.events("lost").get(0);
    assertThat(lost.detail()).isInstanceOf(PingTimeoutException.class);
    long noticedMillis = (lost.nanos() - outageStart) / 1_000_000;
    // keep alive 1 s + PINGRESP timeout 1 s, plus scheduling slack on a busy machine
    assertThat(noticedMillis).isBetween(1_500L, 4_000L);
    assertThat(client.isConnected()).isFalse();

    // Published to the client during the outage: the broker holds them for its session.
    for (int i = 0; i < 3; i++) {
      peer.publish("to-client", "in-" + i, MqttQos.AT_LEAST_ONCE, false).join();
    }
    // Still swallowed: attempts fail (no CONNACK) and the client keeps trying with backoff.
    await().atMost(WAIT).until(() -> behind.events("reconnecting").size() >= 2);
    assertThat(sent).noneMatch(CompletableFuture::isDone);

    proxy.swallow(false);
    await().atMost(WAIT).until(() -> behind.events("connected").size() >= 2);
    ConnectResult resumed = (ConnectResult) behind.events("connected").get(1).detail();
    assertThat(resumed.sessionPresent()).isTrue();
    CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new))
        .orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
    await().atMost(WAIT).until(() -> behind.messages.size() >= 3 && direct.messages.size() >= 3);
    // QoS 1 could legally duplicate; here nothing of the outage reached the broker or the client
    // before the reconnection, so each must arrive exactly once.
    await().during(Duration.ofMillis(500)).atMost(WAIT).untilAsserted(() -> {
      assertThat(behind.payloads()).containsExactlyInAnyOrder("in-0", "in-1", "in-2");
      assertThat(direct.payloads()).containsExactlyInAnyOrder("out-0", "out-1", "out-2");
    });
  }

  @ParameterizedTest
  @EnumSource(value = MqttVersion.class, names = {"V3_1_1", "V5"})
  @DisplayName("A new session after a reset: subscriptions restored by the client")
  void reconnect_whenConnectionResetAndSessionGone_thenSubscriptionsRestored(MqttVersion v) {
    Recorder rec = new Recorder();
    MqttClient client = track(MqttClient.builder().port(proxy.port()).version(v)
        .cleanStart(true).keepAlive(Duration.ofSeconds(5))
        .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(200))
        .connectionListener(rec).build());
    client.connect().join();
    client.subscribe("kept/#", MqttQos.AT_LEAST_ONCE, rec).join();

    proxy.sever();
    await().atMost(WAIT).until(() -> rec.events("connected").size() >= 2);
    assertThat(((ConnectResult) rec.events("connected").get(1).detail()).sessionPresent())
        .isFalse();
    assertThat(rec.events("lost")).isNotEmpty();
    assertThat(rec.events("reconnecting")).isNotEmpty();
    MqttClient peer = track(MqttClient.builder().port(broker.port()).version(v).build());
    peer.connect().join();
    await().atMost(WAIT).untilAsserted(() -> {
      // the resubscription may still be on its way: publish until one arrives
      peer.publish("kept/x", "after", MqttQos.AT_LEAST_ONCE, false).join();
      assertThat(rec.payloads()).contains("after");
    });
  }

  @ParameterizedTest
  @EnumSource(value = MqttVersion.class, names = {"V3_1_1"})
  void publish_whenMadeWhileReconnecting_thenBufferedAndSentAfterReconnect(MqttVersion v) {
    Recorder rec = new Recorder();
    MqttClient peer = track(MqttClient.builder().port(broker.port()).version(v).build());
    peer.connect().join();
    peer.subscribe("buffered", MqttQos.AT_LEAST_ONCE, rec).join();
    Recorder events = new Recorder();
    MqttClient client = track(MqttClient.builder().port(proxy.port()).version(v)
        .connectTimeout(Duration.ofMillis(500))
        .reconnectDelay(Duration.ofMillis(100), Duration.ofMillis(300))
        .connectionListener(events).build());
    client.connect().join();
    proxy.swallow(true);
    proxy.sever();
    await().atMost(WAIT).until(() -> !client.isConnected() && !events.events("lost").isEmpty());
    List<CompletableFuture<Void>> sent = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      sent.add(client.publish("buffered", "b" + i, MqttQos.AT_LEAST_ONCE, false));
    }
    assertThat(client.stateSizes().join().get("queued")).isEqualTo(5);
    proxy.swallow(false);
    CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new))
        .orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
    await().atMost(WAIT).until(() -> rec.messages.size() >= 5);
    assertThat(rec.payloads()).containsExactly("b0", "b1", "b2", "b3", "b4");
  }
}
