package dev.midge.broker.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.midge.broker.MidgeBroker;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.reason.DisconnectReasonCode;
import dev.midge.testkit.ChildProcess;
import dev.midge.testkit.ExternalTools;
import dev.midge.testkit.RawMqttConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The dashboard in real headless Chromium (Debian's {@code chromium}, driven by playwright-core
 * through {@code interop/browser/dashboard-check.js}): the page loads, shows a connected test
 * client with its heartbeat and its detail view, and shows it gone once it is disconnected from
 * the page. Without node, playwright-core or chromium it is skipped locally and fails on CI
 * ({@code CI=true}), where {@code .ci/run} installs them.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DashboardBrowserTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path SCRIPTS = ExternalTools.repositoryRoot().resolve("interop/browser");

  private MidgeBroker broker;
  private RawMqttConnection client;

  @BeforeEach
  void requireBrowserAndStartBroker() {
    boolean node = ExternalTools.onPath("node").isPresent();
    boolean playwright = Files.isRegularFile(
        SCRIPTS.resolve("node_modules/playwright-core/package.json"));
    boolean chromium = System.getenv("CHROMIUM") != null
        || ExternalTools.onPath("chromium").isPresent()
        || ExternalTools.onPath("chromium-browser").isPresent();
    String missing = !node ? "node" : !playwright
        ? "playwright-core (" + SCRIPTS.resolve("node_modules/playwright-core") + ")"
        : "chromium";
    ExternalTools.require(node && playwright && chromium, missing,
        "installed chromium and nodejs (apt) and run npm ci in interop/browser",
        "apt-get install chromium nodejs npm, then: cd interop/browser && npm ci");
    broker = MidgeBroker.builder().host("127.0.0.1").port(0).httpPort(0).build().start();
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  @DisplayName("Dashboard in headless Chromium: shows a connected client with its heartbeat and"
      + " detail, and shows it gone after its Disconnect button (MQTT 5 DISCONNECT 0x98)")
  void dashboard_whenClientConnectsAndIsDisconnectedFromThePage_thenShownThenGone()
      throws Exception {
    client = RawMqttConnection.open("127.0.0.1", broker.port(), MqttVersion.V5);
    client.connect("browser-test-client", 30, true);
    Path screenshot = Path.of("target", "dashboard-browser-test.png").toAbsolutePath();
    Files.createDirectories(screenshot.getParent());

    List<String> cmd = List.of("node", "dashboard-check.js",
        "http://127.0.0.1:" + broker.httpPort() + "/", "browser-test-client",
        screenshot.toString());
    try (ChildProcess p = ChildProcess.start("node dashboard-check.js", cmd, SCRIPTS)) {
      int exit = p.awaitExit(Duration.ofSeconds(90));
      JsonNode summary = null;
      for (ChildProcess.Line line : p.lines()) {
        String text = line.text().trim();
        if (text.startsWith("{\"event\":\"summary\"")) {
          summary = JSON.readTree(text);
        }
      }
      assertThat(summary).as("a summary line%n%s", p.output()).isNotNull();
      assertThat(summary.path("loaded").asBoolean()).as(p.output()).isTrue();
      assertThat(summary.path("shown").asBoolean()).as(p.output()).isTrue();
      assertThat(summary.path("heartbeat").asText()).as(p.output()).matches("\\d+\\.\\d s");
      assertThat(summary.path("detail").asBoolean()).as(p.output()).isTrue();
      assertThat(summary.path("gone").asBoolean()).as(p.output()).isTrue();
      assertThat(summary.path("consoleErrors")).as(p.output()).isEmpty();
      assertThat(exit).as(p.output()).isZero();
    }
    Disconnect d = client.expect(Disconnect.class);
    assertThat(d.reasonCode()).isEqualTo(DisconnectReasonCode.ADMINISTRATIVE_ACTION);
    assertThat(broker.services().connectedClients().size()).isZero();
  }
}
