package dev.midge.client.it;

import dev.midge.testkit.ChildProcess;
import dev.midge.testkit.ExternalTools;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.client.ConnectResult;
import dev.midge.client.MqttClient;
import dev.midge.client.MqttMessage;
import dev.midge.client.PingTimeoutException;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The client against Mosquitto, Debian's package, as a child process: so the client is not tied
 * to our broker. Skipped locally when {@code mosquitto} is not installed; a failure on CI.
 */
class ClientAgainstMosquittoTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  private ChildProcess mosquitto;
  private int port;
  private final List<MqttClient> clients = new ArrayList<>();

  @BeforeEach
  void startMosquitto(@TempDir Path dir) throws Exception {
    Path exe = ExternalTools.onPath("mosquitto")
        .or(() -> Files.isExecutable(Path.of("/usr/sbin/mosquitto"))
            ? java.util.Optional.of(Path.of("/usr/sbin/mosquitto")) : java.util.Optional.empty())
        .orElse(null);
    ExternalTools.require(exe != null, "mosquitto (the broker)", "installed mosquitto",
        "apt-get install mosquitto");
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path conf = dir.resolve("mosquitto.conf");
    Files.writeString(conf, "listener " + port + " 127.0.0.1\nallow_anonymous true\n"
        + "persistence false\n");
    mosquitto = ChildProcess.start("mosquitto", List.of(exe.toString(), "-c", conf.toString()),
        dir);
    await().atMost(WAIT).ignoreExceptions().until(() -> {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return true;
      }
    });
  }

  @AfterEach
  void stop() {
    clients.forEach(MqttClient::close);
    if (mosquitto != null) {
      mosquitto.close();
    }
  }

  private MqttClient track(MqttClient c) {
    clients.add(c);
    return c;
  }

  @ParameterizedTest
  @EnumSource(value = MqttVersion.class, names = {"V3_1_1", "V5"})
  @DisplayName("QoS 0, 1, 2 through Mosquitto: MQTT-4.3.1-1, MQTT-4.3.2-1, MQTT-4.3.3-1")
  void publishSubscribe_whenEachQos_thenDeliveredOnceWithThatQos(MqttVersion v) {
    Recorder rec = new Recorder();
    MqttClient sub = track(MqttClient.builder().port(port).version(v).build());
    MqttClient pub = track(MqttClient.builder().port(port).version(v).build());
    sub.connect().join();
    pub.connect().join();
    sub.subscribe("q/#", MqttQos.EXACTLY_ONCE, rec).join();
    for (MqttQos q : MqttQos.values()) {
      pub.publish("q/" + q.value(), "m" + q.value(), q, false).join();
    }
    await().atMost(WAIT).until(() -> rec.messages.size() == 3);
    assertThat(rec.messages).extracting(MqttMessage::qos)
        .containsExactlyInAnyOrder(MqttQos.AT_MOST_ONCE, MqttQos.AT_LEAST_ONCE,
            MqttQos.EXACTLY_ONCE);
  }

  @ParameterizedTest
  @EnumSource(value = MqttVersion.class, names = {"V3_1_1", "V5"})
  @DisplayName("MQTT-3.1.2-23, MQTT-3.12.4-1: pings answered by Mosquitto every keep alive")
  void pingreq_whenIdle_thenMosquittoAnswersEach(MqttVersion v) {
    Recorder rec = new Recorder();
    MqttClient c = track(MqttClient.builder().port(port).version(v)
        .keepAlive(Duration.ofSeconds(1)).connectionListener(rec).build());
    c.connect().join();
    await().atMost(WAIT).until(() -> rec.events("ping").size() >= 2);
    assertThat(rec.events("lost")).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(value = MqttVersion.class, names = {"V3_1_1", "V5"})
  @DisplayName("Half-open through Mosquitto: lost, reconnected, session resumed, QoS 1 once")
  void halfOpen_whenProxySwallowsEverything_thenReconnectsAndQos1ArrivesOnce(MqttVersion v)
      throws Exception {
    try (BlackholeProxy proxy = new BlackholeProxy(port)) {
      Recorder behind = new Recorder();
      MqttClient client = track(MqttClient.builder().port(proxy.port()).version(v)
          .clientId("mosq-half-open-" + v.level()).cleanStart(false)
          .sessionExpiry(Duration.ofMinutes(5)).keepAlive(Duration.ofSeconds(1))
          .pingTimeout(Duration.ofSeconds(1)).connectTimeout(Duration.ofSeconds(1))
          .reconnectDelay(Duration.ofMillis(100), Duration.ofMillis(400))
          .connectionListener(behind).build());
      client.connect().join();
      client.subscribe("to-client", MqttQos.AT_LEAST_ONCE, behind).join();
      MqttClient peer = track(MqttClient.builder().port(port).version(v).build());
      peer.connect().join();

      proxy.swallow(true);
      await().atMost(WAIT).until(() -> !behind.events("lost").isEmpty());
      assertThat(behind.events("lost").get(0).detail()).isInstanceOf(PingTimeoutException.class);
      for (int i = 0; i < 3; i++) {
        peer.publish("to-client", "in-" + i, MqttQos.AT_LEAST_ONCE, false).join();
      }
      proxy.swallow(false);
      await().atMost(WAIT).until(() -> behind.events("connected").size() >= 2);
      assertThat(((ConnectResult) behind.events("connected").get(1).detail()).sessionPresent())
          .isTrue();
      await().during(Duration.ofMillis(500)).atMost(WAIT).untilAsserted(() ->
          assertThat(behind.payloads()).containsExactlyInAnyOrder("in-0", "in-1", "in-2"));
    }
  }
}
