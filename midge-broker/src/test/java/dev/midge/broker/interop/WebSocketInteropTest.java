package dev.midge.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.MidgeBroker;
import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.ListenerConfig;
import dev.midge.broker.config.TlsConfig;
import dev.midge.broker.transport.tls.TestCertificates;
import dev.midge.testkit.ChildProcess;
import dev.midge.testkit.ExternalTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * mqtt.js in Node ({@code interop/mqttjs/ws-check.js}) over {@code ws} and {@code wss}: it
 * subscribes over WebSocket and receives a message Paho publishes over plain TCP to the same
 * broker. Without node or mqtt.js it is skipped locally and fails on CI.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class WebSocketInteropTest {
  private static final Path SCRIPTS = ExternalTools.repositoryRoot().resolve("interop/mqttjs");
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  private MidgeBroker broker;
  private final List<AutoCloseable> closers = new ArrayList<>();

  @BeforeEach
  void requireMqttJs() {
    boolean node = ExternalTools.onPath("node").isPresent();
    boolean mqttJs = Files.isRegularFile(SCRIPTS.resolve("node_modules/mqtt/package.json"));
    ExternalTools.require(node && mqttJs,
        node ? "mqtt.js (" + SCRIPTS.resolve("node_modules/mqtt") + ")" : "node",
        "run npm ci in interop/mqttjs (and installed node)",
        "apt-get install nodejs npm, then: cd interop/mqttjs && npm ci");
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closers) {
      c.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  /** Listener 0 speaks {@code protocol}, listener 1 plain MQTT for the publisher. */
  private void start(ListenerConfig.Protocol protocol, TlsConfig tls) {
    ListenerConfig ws = ListenerConfig.defaults().withHost("127.0.0.1").withPort(0)
        .withProtocol(protocol, tls);
    ListenerConfig tcp = ListenerConfig.defaults().withName("tcp").withHost("127.0.0.1")
        .withPort(0);
    broker = MidgeBroker.builder()
        .config(BrokerConfig.defaults().withListeners(List.of(ws, tcp))).build().start();
  }

  private void runMqttJs(String url, String topic, String... extra) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("node", "ws-check.js", url, topic));
    cmd.addAll(List.of(extra));
    try (ChildProcess p = ChildProcess.start("node ws-check.js", cmd, SCRIPTS)) {
      await().atMost(WAIT).failFast("ws-check.js exited:\n" + p.output(), () -> !p.isAlive())
          .until(() -> p.hasLine(l -> l.contains("\"event\":\"subscribed\"")));
      MqttClient publisher = new MqttClient("tcp://127.0.0.1:" + broker.port(1), "tcp-publisher",
          new MemoryPersistence());
      closers.add(publisher::close);
      publisher.connect();
      publisher.publish(topic, ("from tcp to " + url).getBytes(StandardCharsets.UTF_8), 1, false);
      publisher.disconnect();
      assertThat(p.awaitExit(WAIT)).as(p.output()).isZero();
      assertThat(p.output()).contains("\"payload\":\"from tcp to " + url + "\"");
    }
  }

  @Test
  @DisplayName("mqtt.js (Node) over ws:// subscribes and receives a message published over TCP")
  void mqttJs_whenSubscribedOverWs_thenReceivesMessagePublishedOverTcp() throws Exception {
    start(ListenerConfig.Protocol.WS, TlsConfig.DEFAULTS);
    runMqttJs("ws://127.0.0.1:" + broker.port() + "/mqtt", "ws/mqttjs");
  }

  @Test
  @DisplayName("mqtt.js (Node) over wss://, trusting the test CA only, subscribes and receives a"
      + " message published over TCP")
  void mqttJs_whenSubscribedOverWss_thenReceivesMessagePublishedOverTcp() throws Exception {
    TestCertificates.Ca ca = TestCertificates.ca("WSS CA");
    Path[] server = ca.server("localhost").write(dir, "server");
    Path caFile = ca.write(dir.resolve("ca.pem"));
    start(ListenerConfig.Protocol.WSS, TlsConfig.of(server[0].toString(), server[1].toString()));
    runMqttJs("wss://localhost:" + broker.port() + "/mqtt", "wss/mqttjs", caFile.toString());
  }
}
