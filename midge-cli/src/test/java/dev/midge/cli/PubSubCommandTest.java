package dev.midge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.broker.MidgeBroker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code midge pub} and {@code midge sub} in child JVMs, against a Midge broker in this one. */
class PubSubCommandTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Pattern STAMPED = Pattern.compile("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} Client .*");

  private MidgeBroker broker;

  @BeforeEach
  void start() {
    broker = MidgeBroker.builder().port(0).build().start();
  }

  @AfterEach
  void stop() {
    broker.close();
  }

  private String port() {
    return Integer.toString(broker.port());
  }

  @Test
  void sub_whenPubPublishes_thenPrintsTopicAndPayloadAndExitsAfterCount() throws Exception {
    try (MidgeProcess sub = MidgeProcess.start("sub", "-p", port(), "-t", "a/#", "-v", "-C",
        "2", "-q", "1", "-d")) {
      sub.awaitLine(l -> l.contains("received SUBACK"), WAIT);
      try (MidgeProcess pub = MidgeProcess.start("pub", "-p", port(), "-t", "a/b", "-m",
          "hello world", "-q", "1")) {
        assertThat(pub.awaitExit(WAIT)).as(pub.stderr()).isZero();
      }
      try (MidgeProcess pub = MidgeProcess.start("pub", "-p", port(), "-t", "a/c", "-m", "2nd",
          "-q", "2", "-V", "mqttv5")) {
        assertThat(pub.awaitExit(WAIT)).as(pub.stderr()).isZero();
      }
      assertThat(sub.awaitExit(WAIT)).as(sub.stderr()).isZero();
      assertThat(sub.stdoutLines()).contains("a/b hello world", "a/c 2nd");
    }
  }

  @Test
  @DisplayName("MQTT-3.1.2-23: midge sub -k 1 -d shows a PINGREQ/PINGRESP pair every second")
  void subDebug_whenIdleWithKeepAliveOne_thenTimestampedPingPairsAndTimeoutExit27()
      throws Exception {
    try (MidgeProcess sub = MidgeProcess.start("sub", "-p", port(), "-t", "foo", "-k", "1",
        "-d", "-W", "4")) {
      assertThat(sub.awaitExit(WAIT)).isEqualTo(SubCommand.EXIT_TIMED_OUT);
      List<String> lines = sub.stdoutLines();
      assertThat(lines).allMatch(l -> STAMPED.matcher(l).matches());
      assertThat(lines).anyMatch(l -> l.contains("sending CONNECT (v3.1.1, c1, k1"));
      assertThat(lines).anyMatch(l -> l.contains("received CONNACK (SUCCESS"));
      assertThat(lines.stream().filter(l -> l.endsWith("sending PINGREQ")).count())
          .isBetween(2L, 5L);
      assertThat(lines.stream().filter(l -> l.endsWith("received PINGRESP")).count())
          .isGreaterThanOrEqualTo(2L);
      assertThat(sub.stderr()).contains("Timed out");
    }
  }

  @Test
  void sub_whenBrokerRestarts_thenReportsLossReconnectsAndKeepsItsSubscription()
      throws Exception {
    int port = broker.port();
    try (MidgeProcess sub = MidgeProcess.start("sub", "-p", Integer.toString(port), "-t", "r",
        "-d", "-k", "2", "-C", "1")) {
      sub.awaitLine(l -> l.contains("received SUBACK"), WAIT);
      broker.close();
      sub.awaitLine(l -> l.contains("connection lost:"), WAIT);
      sub.awaitLine(l -> l.matches(".* reconnecting in \\d+ ms \\(attempt \\d+\\)"), WAIT);
      broker = MidgeBroker.builder().port(port).build().start();
      sub.awaitLine(l -> l.contains("connected (session present: no"), WAIT);
      sub.awaitLine(l -> l.contains("received SUBACK"), WAIT); // subscribed again by itself
      try (MidgeProcess pub = MidgeProcess.start("pub", "-p", Integer.toString(port), "-t", "r",
          "-m", "back")) {
        assertThat(pub.awaitExit(WAIT)).as(pub.stderr()).isZero();
      }
      assertThat(sub.awaitExit(WAIT)).as(sub.stderr()).isZero();
      assertThat(sub.stdoutLines()).contains("back");
    }
  }

  @Test
  void pub_whenNothingListens_thenExitsOneWithTheReason() throws Exception {
    int port = broker.port();
    broker.close();
    broker = MidgeBroker.builder().port(0).build().start();
    try (MidgeProcess pub = MidgeProcess.start("pub", "-p", Integer.toString(port), "-t", "x",
        "-m", "y")) {
      assertThat(pub.awaitExit(WAIT)).isEqualTo(Midge.EXIT_FAILURE);
      assertThat(pub.stderr()).startsWith("midge: cannot connect to 127.0.0.1:" + port);
    }
  }

  @Test
  void willFlags_whenSubVanishes_thenWillPublished() throws Exception {
    try (MidgeProcess watcher = MidgeProcess.start("sub", "-p", port(), "-t", "will/#", "-v",
        "-C", "1", "-d")) {
      watcher.awaitLine(l -> l.contains("received SUBACK"), WAIT);
      try (MidgeProcess dying = MidgeProcess.start("sub", "-p", port(), "-t", "x", "-d",
          "--will-topic", "will/dying", "--will-payload", "gone", "--will-qos", "1")) {
        dying.awaitLine(l -> l.contains("received SUBACK"), WAIT);
        dying.kill(); // SIGKILL: no DISCONNECT
      }
      assertThat(watcher.awaitExit(WAIT)).as(watcher.stderr()).isZero();
      assertThat(watcher.stdoutLines()).contains("will/dying gone");
    }
  }

  @Test
  void options_whenWrong_thenExitTwoWithOneLine() {
    assertThat(runInProcess("sub", "-p", port())).isEqualTo(2); // no -t
    assertThat(runInProcess("sub", "-t", "a", "-k", "70000")).isEqualTo(2);
    assertThat(runInProcess("sub", "-t", "a", "-c")).isEqualTo(2); // -c without -i
    assertThat(runInProcess("pub", "-t", "a")).isEqualTo(2); // no message
    assertThat(runInProcess("pub", "-t", "a", "-m", "x", "-q", "3")).isEqualTo(2);
    assertThat(runInProcess("pub", "-t", "a", "-m", "x", "-V", "mqttv4")).isEqualTo(2);
  }

  private static int runInProcess(String... args) {
    var cl = Midge.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int status = cl.execute(args);
    assertThat(err.toString()).startsWith("midge: ");
    return status;
  }
}
