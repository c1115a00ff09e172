package dev.midge.cli;

import dev.midge.testkit.ChildProcess;
import dev.midge.testkit.ExternalTools;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.MidgeBroker;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code midge pub} / {@code midge sub} and mosquitto_sub / mosquitto_pub, both ways, through a
 * Midge broker. Skipped locally without mosquitto-clients; a failure on CI (CI=true).
 * mosquitto_sub runs under {@code stdbuf -oL}: its stdout is a pipe here, and its "-d" lines
 * (the SUBACK the test waits for) would otherwise sit in its buffer.
 */
class MosquittoClientsCliInteropTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private MidgeBroker broker;

  @BeforeEach
  void start() {
    ExternalTools.require(ExternalTools.onPath("mosquitto_sub").isPresent()
            && ExternalTools.onPath("mosquitto_pub").isPresent()
            && ExternalTools.onPath("stdbuf").isPresent(),
        "mosquitto_pub and mosquitto_sub (or coreutils' stdbuf)", "installed mosquitto-clients",
        "apt-get install mosquitto-clients");
    broker = MidgeBroker.builder().port(0).build().start();
  }

  @AfterEach
  void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"mqttv311", "mqttv5"})
  void midgePub_whenMosquittoSubListens_thenItPrintsTheMessage(String version) throws Exception {
    String port = Integer.toString(broker.port());
    try (ChildProcess sub = ChildProcess.start("mosquitto_sub", List.of("stdbuf", "-oL",
        "mosquitto_sub", "-h", "127.0.0.1", "-p", port, "-t", "m/#", "-v", "-C", "1", "-q", "1",
        "-V", version, "-d"), null)) {
      await().atMost(WAIT).until(() -> sub.hasLine(l -> l.contains("received SUBACK")));
      try (MidgeProcess pub = MidgeProcess.start("pub", "-p", port, "-t", "m/x", "-m",
          "from midge", "-q", "1", "-V", version)) {
        assertThat(pub.awaitExit(WAIT)).as(pub.stderr()).isZero();
      }
      assertThat(sub.awaitExit(WAIT)).as(sub.output()).isZero();
      assertThat(sub.hasLine(l -> l.equals("m/x from midge"))).as(sub.output()).isTrue();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"mqttv311", "mqttv5"})
  void mosquittoPub_whenMidgeSubListens_thenItPrintsTheMessage(String version) throws Exception {
    String port = Integer.toString(broker.port());
    try (MidgeProcess sub = MidgeProcess.start("sub", "-p", port, "-t", "n/#", "-v", "-C", "1",
        "-q", "2", "-V", version, "-d")) {
      sub.awaitLine(l -> l.contains("received SUBACK"), WAIT);
      try (ChildProcess pub = ChildProcess.start("mosquitto_pub", List.of("mosquitto_pub", "-h",
          "127.0.0.1", "-p", port, "-t", "n/y", "-m", "from mosquitto", "-q", "2", "-V",
          version), null)) {
        assertThat(pub.awaitExit(WAIT)).as(pub.output()).isZero();
      }
      assertThat(sub.awaitExit(WAIT)).as(sub.stderr()).isZero();
      assertThat(sub.stdoutLines()).contains("n/y from mosquitto");
    }
  }
}
