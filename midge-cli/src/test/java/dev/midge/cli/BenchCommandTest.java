package dev.midge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.midge.broker.MidgeBroker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code midge bench} in this JVM against a Midge broker in this JVM: options and output. */
class BenchCommandTest {
  private static MidgeBroker broker;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeAll
  static void start() {
    broker = MidgeBroker.builder().port(0).build().start();
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private int run(String... args) {
    CommandLine cl = Midge.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    return cl.execute(args);
  }

  @Test
  void bench_whenRunAgainstABroker_thenPrintsOneJsonSummaryLineOnStdout() throws Exception {
    int status = run("bench", "pairs", "-p", Integer.toString(broker.port()), "-q", "1",
        "--pairs", "2", "--duration", "500ms", "--warmup", "100ms", "--threads", "1",
        "-V", "mqttv5");

    assertThat(status).as(err.toString()).isZero();
    String[] lines = out.toString().split("\n");
    assertThat(lines).hasSize(1);
    JsonNode summary = new ObjectMapper().readTree(lines[0]);
    assertThat(summary.get("scenario").asText()).isEqualTo("pairs");
    assertThat(summary.get("qos").asInt()).isEqualTo(1);
    assertThat(summary.get("publishers").asInt()).isEqualTo(2);
    assertThat(summary.get("sent").asLong()).isPositive();
    assertThat(summary.get("lost").asLong()).isZero();
    assertThat(summary.get("latencyMillis").get("p99").asDouble()).isPositive();
    assertThat(err.toString()).contains("midge bench: pairs against 127.0.0.1:");
  }

  @Test
  void bench_whenNothingListens_thenExitsOneAndSaysWhere() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    int status = run("bench", "fan-in", "-p", Integer.toString(port), "--quiet");

    assertThat(status).isEqualTo(Midge.EXIT_FAILURE);
    assertThat(out.toString()).isEmpty();
    assertThat(err.toString()).contains("cannot connect to 127.0.0.1:" + port);
  }

  @Test
  void bench_whenScenarioUnknown_thenExitsTwoNamingTheScenarios() {
    int status = run("bench", "fan-up");

    assertThat(status).isEqualTo(Midge.EXIT_USAGE);
    assertThat(err.toString()).contains("unknown scenario 'fan-up'")
        .contains("fan-in, fan-out, pairs, storm or keepalive");
  }

  @Test
  void bench_whenDurationHasNoUnit_thenExitsTwoWithTheFix() {
    int status = run("bench", "fan-in", "--duration", "10");

    assertThat(status).isEqualTo(Midge.EXIT_USAGE);
    assertThat(err.toString()).contains("write a number and a unit");
  }
}
