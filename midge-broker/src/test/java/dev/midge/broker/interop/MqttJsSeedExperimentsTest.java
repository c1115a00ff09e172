package dev.midge.broker.interop;

import dev.midge.testkit.ChildProcess;
import dev.midge.testkit.ExternalTools;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.midge.broker.MidgeBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The seeds' two keep-alive experiments, run with mqtt.js (the client the seeds use) against
 * Midge, through the scripts in {@code interop/mqttjs} that users run by hand:
 *
 * <ol>
 *   <li>{@code ping-experiment.js}: an idle client sends a PINGREQ about once per keep-alive
 *       interval and gets a PINGRESP for each;
 *   <li>{@code publish-experiment.js}: a client publishing QoS 1 every 0.8 × keep alive sends no
 *       PINGREQ at all, since the traffic already proves it alive, and stays connected.
 * </ol>
 *
 * <p>The scripts print one JSON line per event and a summary line last. Without node or the npm
 * packages the class is skipped locally and fails on CI ({@code CI=true}), where {@code .ci/run}
 * runs {@code npm ci} in {@code interop/mqttjs}.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MqttJsSeedExperimentsTest {
  private static final Logger LOG = LoggerFactory.getLogger(MqttJsSeedExperimentsTest.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path SCRIPTS = ExternalTools.repositoryRoot().resolve("interop/mqttjs");

  private MidgeBroker broker;

  // The tools are checked per test, not in @BeforeAll, so that a skip shows in the report.
  @BeforeEach
  void requireNodeAndMqttJsAndStartBroker() {
    boolean node = ExternalTools.onPath("node").isPresent();
    boolean mqttJs = Files.isRegularFile(SCRIPTS.resolve("node_modules/mqtt/package.json"));
    ExternalTools.require(node && mqttJs,
        node ? "mqtt.js (" + SCRIPTS.resolve("node_modules/mqtt") + ")" : "node",
        "run npm ci in interop/mqttjs (and installed node)",
        "install Node.js, then: cd interop/mqttjs && npm ci");
    broker = MidgeBroker.builder().host("127.0.0.1").port(0).build().start();
  }

  @AfterEach
  void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  @DisplayName("Seed experiment 1 (MQTT-3.1.2-23, MQTT-3.12.4-1): an idle mqtt.js client with"
      + " keep alive 2 s sends a PINGREQ about every 2 s and each gets a PINGRESP")
  void pingExperiment_whenClientIsIdle_thenOnePingPairPerKeepAliveInterval() throws Exception {
    Run run = runScript("ping-experiment.js", "2", "7");
    JsonNode s = run.summary();

    assertThat(s.path("connected").asBoolean()).as(run.output()).isTrue();
    assertThat(s.path("pingreq").asInt()).as("PINGREQ over 7 s with keep alive 2 s%n%s",
        run.output()).isBetween(2, 4);
    assertThat(s.path("pingresp").asInt()).as("every PINGREQ answered%n%s", run.output())
        .isEqualTo(s.path("pingreq").asInt());
    assertThat(s.path("unexpectedClose").asInt()).as(run.output()).isZero();
    assertThat(s.path("offline").asInt()).as(run.output()).isZero();
    assertThat(s.path("errors")).as(run.output()).isEmpty();
    assertThat(run.pingSequence()).as("PINGREQ and PINGRESP alternate%n%s", run.output())
        .isEqualTo(alternating(s.path("pingreq").asInt()));
    List<Long> intervals = new ArrayList<>();
    s.path("pingIntervalsMs").forEach(n -> intervals.add(n.asLong()));
    assertThat(intervals).as("ms between PINGREQs%n%s", run.output())
        .allSatisfy(ms -> assertThat(ms).isBetween(1_500L, 3_500L));
  }

  @Test
  @DisplayName("Seed experiment 2 (MQTT-3.1.2-23): an mqtt.js client publishing QoS 1 every"
      + " 0.8 x keep alive sends no PINGREQ and stays connected")
  void publishExperiment_whenClientPublishesWithinKeepAlive_thenNoPingreqAndConnectionStaysUp()
      throws Exception {
    // Keep alive 3 s, a publish every 2.4 s, for 10 s: four PUBACKs, each restarting mqtt.js's
    // keep-alive timer 0.6 s before it would ping (2 s would leave only 0.4 s on a busy machine).
    Run run = runScript("publish-experiment.js", "3", "10");
    JsonNode s = run.summary();

    assertThat(s.path("connected").asBoolean()).as(run.output()).isTrue();
    assertThat(s.path("publish").asInt()).as("QoS 1 publishes%n%s", run.output())
        .isGreaterThanOrEqualTo(3);
    assertThat(s.path("puback").asInt()).as("every publish acknowledged%n%s", run.output())
        .isEqualTo(s.path("publish").asInt());
    assertThat(s.path("pingreq").asInt()).as("no PINGREQ while publishing%n%s", run.output())
        .isZero();
    assertThat(s.path("unexpectedClose").asInt()).as(run.output()).isZero();
    assertThat(s.path("offline").asInt()).as(run.output()).isZero();
    assertThat(s.path("errors")).as(run.output()).isEmpty();
  }

  /** A finished script run: its JSON lines. */
  record Run(List<JsonNode> events, String output) {
    JsonNode summary() {
      assertThat(events).as("a summary line%n%s", output).isNotEmpty();
      JsonNode last = events.get(events.size() - 1);
      assertThat(last.path("event").asText()).as(output).isEqualTo("summary");
      return last;
    }

    /** "PINGREQ" / "PINGRESP" in the order they were sent and received. */
    List<String> pingSequence() {
      return events.stream()
          .filter(e -> e.path("cmd").asText().startsWith("ping"))
          .map(e -> e.path("cmd").asText().toUpperCase(java.util.Locale.ROOT))
          .toList();
    }
  }

  private Run runScript(String script, String keepAlive, String seconds) throws Exception {
    List<String> cmd = List.of("node", script, "127.0.0.1", Integer.toString(broker.port()),
        keepAlive, seconds);
    try (ChildProcess p = ChildProcess.start("node " + script, cmd, SCRIPTS)) {
      int exit = p.awaitExit(Duration.ofSeconds(Long.parseLong(seconds) + 30));
      assertThat(exit).as("%s exit code%n%s", script, p.output()).isZero();
      List<JsonNode> events = new ArrayList<>();
      for (ChildProcess.Line line : p.lines()) {
        String text = line.text().trim();
        if (text.startsWith("{")) {
          try {
            events.add(JSON.readTree(text));
          } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + text, e);
          }
        }
      }
      if (!events.isEmpty()) {
        LOG.info("{} {} {}: {}", script, keepAlive, seconds, events.get(events.size() - 1));
      }
      return new Run(events, p.output());
    }
  }

  private static List<String> alternating(int pairs) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < pairs; i++) {
      out.add("PINGREQ");
      out.add("PINGRESP");
    }
    return out;
  }
}
