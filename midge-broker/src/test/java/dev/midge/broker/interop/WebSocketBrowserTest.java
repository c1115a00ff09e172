package dev.midge.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.midge.broker.MidgeBroker;
import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.ListenerConfig;
import dev.midge.broker.config.TlsConfig;
import dev.midge.testkit.ChildProcess;
import dev.midge.testkit.ExternalTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * MQTT over WebSocket in a real browser: headless Chromium (Debian's {@code chromium}, driven by
 * playwright-core through {@code interop/browser/ws-page-check.js}) loads a page with mqtt.js's
 * browser bundle (from {@code interop/mqttjs/node_modules/mqtt/dist/mqtt.min.js}, injected from
 * disk), which connects to a {@code ws} listener, subscribes, and receives a message Paho
 * publishes over plain TCP. Without node, playwright-core, mqtt.js or chromium it is skipped
 * locally and fails on CI.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WebSocketBrowserTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path ROOT = ExternalTools.repositoryRoot();
  private static final Path SCRIPTS = ROOT.resolve("interop/browser");

  private MidgeBroker broker;

  @BeforeEach
  void requireBrowser() {
    boolean node = ExternalTools.onPath("node").isPresent();
    boolean playwright = Files.isRegularFile(
        SCRIPTS.resolve("node_modules/playwright-core/package.json"));
    boolean mqttJs = Files.isRegularFile(
        ROOT.resolve("interop/mqttjs/node_modules/mqtt/dist/mqtt.min.js"));
    boolean chromium = System.getenv("CHROMIUM") != null
        || ExternalTools.onPath("chromium").isPresent()
        || ExternalTools.onPath("chromium-browser").isPresent();
    String missing = !node ? "node" : !playwright ? "playwright-core" : !mqttJs
        ? "mqtt.js's browser bundle (interop/mqttjs/node_modules/mqtt/dist)" : "chromium";
    ExternalTools.require(node && playwright && mqttJs && chromium, missing,
        "installed chromium and nodejs (apt) and run npm ci in interop/browser and"
            + " interop/mqttjs",
        "apt-get install chromium nodejs npm, then npm ci in interop/browser and"
            + " interop/mqttjs");
    ListenerConfig ws = ListenerConfig.defaults().withHost("127.0.0.1").withPort(0)
        .withProtocol(ListenerConfig.Protocol.WS, TlsConfig.DEFAULTS);
    ListenerConfig tcp = ListenerConfig.defaults().withName("tcp").withHost("127.0.0.1")
        .withPort(0);
    broker = MidgeBroker.builder()
        .config(BrokerConfig.defaults().withListeners(List.of(ws, tcp))).build().start();
  }

  @AfterEach
  void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  @DisplayName("Headless Chromium: a page with mqtt.js connects over WebSocket, subscribes, and"
      + " receives a message published over TCP")
  void browser_whenPageSubscribesOverWebSocket_thenReceivesMessagePublishedOverTcp()
      throws Exception {
    String topic = "browser/ws";
    List<String> cmd = List.of("node", "ws-page-check.js",
        "ws://127.0.0.1:" + broker.port() + "/mqtt", topic);
    try (ChildProcess p = ChildProcess.start("node ws-page-check.js", cmd, SCRIPTS)) {
      await().atMost(Duration.ofSeconds(60))
          .failFast("ws-page-check.js exited:\n" + p.output(), () -> !p.isAlive())
          .until(() -> p.hasLine(l -> l.contains("\"event\":\"subscribed\"")));
      MqttClient publisher = new MqttClient("tcp://127.0.0.1:" + broker.port(1),
          "browser-test-publisher", new MemoryPersistence());
      try {
        publisher.connect();
        publisher.publish(topic, "hello, browser".getBytes(StandardCharsets.UTF_8), 1, false);
        publisher.disconnect();
      } finally {
        publisher.close();
      }
      int exit = p.awaitExit(Duration.ofSeconds(60));
      JsonNode summary = null;
      for (ChildProcess.Line line : p.lines()) {
        if (line.text().trim().startsWith("{\"event\":\"summary\"")) {
          summary = JSON.readTree(line.text().trim());
        }
      }
      assertThat(summary).as("a summary line%n%s", p.output()).isNotNull();
      assertThat(summary.path("loaded").asBoolean()).as(p.output()).isTrue();
      assertThat(summary.path("message").path("topic").asText()).as(p.output()).isEqualTo(topic);
      assertThat(summary.path("message").path("payload").asText()).as(p.output())
          .isEqualTo("hello, browser");
      assertThat(summary.path("consoleErrors")).as(p.output()).isEmpty();
      assertThat(exit).as(p.output()).isZero();
    }
  }
}
