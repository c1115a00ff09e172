package dev.midge.broker.interop;

import dev.midge.testkit.ChildProcess;
import dev.midge.testkit.ExternalTools;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.MidgeBroker;
import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.KeepAliveConfig;
import dev.midge.broker.config.ListenerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Eclipse Mosquitto's command line clients, {@code mosquitto_pub} and {@code mosquitto_sub}
 * (Debian package mosquitto-clients), as real peers of Midge, run as child processes.
 *
 * <p>{@code mosquitto_sub -d} prints every packet it sends and receives ("Client ... sending
 * PINGREQ", "... received PINGRESP"); run under {@code stdbuf -oL} those lines arrive as they
 * happen, which is how the tests know it has subscribed and when it pings. Messages are printed
 * with {@code -F "MSG|%t|%q|%r|%p"}: topic, QoS, retain flag, payload.
 *
 * <p>mosquitto_sub refuses a keep alive below 5 s ("it must be between 5 and 65535"), so the
 * seeds' keep-alive experiment runs with {@code -k 5} in MQTT 3.1.1, and in MQTT 5 against a
 * listener whose maximum is 2 s: the client then pings every 2 s because CONNACK's Server Keep
 * Alive tells it to.
 *
 * <p>Missing binaries skip the class locally and fail it on CI ({@code CI=true}), where {@code
 * .ci/run} installs them.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MosquittoClientsInteropTest {
  private static final Logger LOG = LoggerFactory.getLogger(MosquittoClientsInteropTest.class);
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final String FORMAT = "MSG|%t|%q|%r|%p";

  private MidgeBroker broker;
  private String prefix;
  private final List<ChildProcess> processes = new ArrayList<>();

  // The tools are checked per test, not in @BeforeAll, so that a skip shows in the report.
  @BeforeEach
  void requireMosquittoClientsAndStartBroker(TestInfo test) {
    ExternalTools.require(
        ExternalTools.onPath("mosquitto_pub").isPresent()
            && ExternalTools.onPath("mosquitto_sub").isPresent()
            && ExternalTools.onPath("stdbuf").isPresent(),
        "mosquitto_pub / mosquitto_sub (or coreutils' stdbuf)",
        "installed mosquitto-clients (apt-get install -y mosquitto-clients)",
        "apt-get install mosquitto-clients");
    broker = MidgeBroker.builder().host("127.0.0.1").port(0).build().start();
    prefix = "mosquitto/" + test.getTestMethod().orElseThrow().getName() + "/";
  }

  @AfterEach
  void stopEverything() {
    for (ChildProcess p : processes) {
      p.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  // ---- publish and subscribe ----

  @ParameterizedTest(name = "-V {0}")
  @ValueSource(strings = {"mqttv31", "mqttv311", "mqttv5"})
  @DisplayName("MQTT-3.8.4-6: mosquitto_sub -q 2 receives mosquitto_pub's QoS 0, 1 and 2"
      + " messages at their QoS")
  void pubSub_whenPublishedAtEachQos_thenSubscriberReceivesPayloadAndQos(String version)
      throws Exception {
    ChildProcess sub = subscribed("sub-" + version, version, "-t", prefix + "#", "-q", "2");

    for (int qos = 0; qos <= 2; qos++) {
      publish("pub-" + version + "-" + qos, version, prefix + "q" + qos,
          "hello at " + qos, "-q", Integer.toString(qos));
    }

    List<Message> got = awaitMessages(sub, 3);
    assertThat(got).containsExactlyInAnyOrder(
        new Message(prefix + "q0", 0, false, "hello at 0"),
        new Message(prefix + "q1", 1, false, "hello at 1"),
        new Message(prefix + "q2", 2, false, "hello at 2"));
  }

  @ParameterizedTest(name = "-V {0}")
  @ValueSource(strings = {"mqttv311", "mqttv5"})
  @DisplayName("MQTT-3.3.1-6, MQTT-3.3.1-8: a message published with -r reaches a later"
      + " subscriber with the retain flag")
  void retained_whenPublishedWithRetainFlag_thenLaterSubscriberReceivesItRetained(String version)
      throws Exception {
    publish("pub-r-" + version, version, prefix + "r", "kept", "-q", "1", "-r");

    ChildProcess sub = subscribed("sub-r-" + version, version, "-t", prefix + "r", "-q", "1");

    List<Message> got = awaitMessages(sub, 1);
    assertThat(got).containsExactly(new Message(prefix + "r", 1, true, "kept"));
  }

  @ParameterizedTest(name = "-V {0}")
  @ValueSource(strings = {"mqttv311", "mqttv5"})
  @DisplayName("MQTT-3.1.2-8: the will of a mosquitto_sub killed with SIGKILL is published")
  void will_whenSubscriberKilledWithSigkill_thenWillDelivered(String version) throws Exception {
    ChildProcess watcher =
        subscribed("watch-" + version, version, "-t", prefix + "will", "-q", "1");
    ChildProcess doomed = subscribed("doomed-" + version, version, "-t", prefix + "other",
        "--will-topic", prefix + "will", "--will-payload", "killed", "--will-qos", "1");

    doomed.kill(); // SIGKILL: the kernel closes the socket, no DISCONNECT is sent

    List<Message> got = awaitMessages(watcher, 1);
    assertThat(got).containsExactly(new Message(prefix + "will", 1, false, "killed"));
    assertThat(doomed.output()).doesNotContain("sending DISCONNECT");
  }

  // ---- keep alive: the seeds' experiment 1 ----

  @Test
  @DisplayName("MQTT-3.12.4-1: mosquitto_sub -k 5 (MQTT 3.1.1), idle, pings about every 5 s and"
      + " every PINGREQ gets a PINGRESP")
  void keepAlive_whenIdleWithKeepAlive5_thenPingPairAboutEveryFiveSeconds() throws Exception {
    ChildProcess sub = subscribed("ka-v311", "mqttv311", "-t", prefix + "idle", "-k", "5");

    PingLog pings = awaitPingPairs(sub, 3, Duration.ofSeconds(30));

    assertThat(pings.meanIntervalMillis()).as("mean PINGREQ interval, ms: %s", pings.intervals())
        .isBetween(3_500L, 7_500L);
    assertThat(sub.isAlive()).isTrue();
    assertThat(sub.output()).doesNotContain("Connection error", "Error:");
  }

  @Test
  @DisplayName("MQTT 5 Server Keep Alive (3.2.2.3.14): mosquitto_sub -V mqttv5 -k 5 on a"
      + " listener with maximum 2 s pings about every 2 s, each answered")
  void keepAlive_whenMqtt5AndListenerMaximumTwoSeconds_thenPingPairAboutEveryTwoSeconds()
      throws Exception {
    broker.close();
    KeepAliveConfig d = KeepAliveConfig.DEFAULTS;
    KeepAliveConfig max2 = new KeepAliveConfig(d.minimum(), 2, d.outOfRange(), d.allowZero(),
        d.counting(), d.maxPacketArrival(), d.connectTimeout());
    broker = MidgeBroker.builder()
        .config(BrokerConfig.defaults().withListeners(List.of(
            ListenerConfig.defaults().withHost("127.0.0.1").withPort(0).withKeepAlive(max2))))
        .build().start();

    ChildProcess sub = subscribed("ka-v5", "mqttv5", "-t", prefix + "idle", "-k", "5");

    PingLog pings = awaitPingPairs(sub, 4, Duration.ofSeconds(20));

    assertThat(pings.meanIntervalMillis()).as("mean PINGREQ interval, ms: %s", pings.intervals())
        .isBetween(1_000L, 3_500L);
    assertThat(sub.isAlive()).isTrue();
  }

  // ---- helpers ----

  /** A message as mosquitto_sub printed it. */
  record Message(String topic, int qos, boolean retained, String payload) {}

  /** The PINGREQ lines' times, once each PINGREQ has its PINGRESP. */
  record PingLog(List<Long> pingreqNanos) {
    List<Long> intervals() {
      List<Long> out = new ArrayList<>();
      for (int i = 1; i < pingreqNanos.size(); i++) {
        out.add(TimeUnit.NANOSECONDS.toMillis(pingreqNanos.get(i) - pingreqNanos.get(i - 1)));
      }
      return out;
    }

    long meanIntervalMillis() {
      return (long) intervals().stream().mapToLong(Long::longValue).average().orElse(0);
    }
  }

  /**
   * Waits for {@code pairs} PINGREQ/PINGRESP pairs and checks that they alternate, every PINGREQ
   * answered before the next one goes out.
   */
  private static PingLog awaitPingPairs(ChildProcess sub, int pairs, Duration atMost) {
    await().atMost(atMost).pollInterval(Duration.ofMillis(200))
        .failFast("mosquitto_sub exited", () -> !sub.isAlive())
        .until(() -> sub.lines(l -> l.contains("received PINGRESP")).size() >= pairs);
    List<String> sequence = sub.lines().stream().map(ChildProcess.Line::text)
        .filter(l -> l.contains("sending PINGREQ") || l.contains("received PINGRESP"))
        .map(l -> l.contains("PINGREQ") ? "PINGREQ" : "PINGRESP")
        .toList();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < sequence.size() / 2; i++) {
      expected.add("PINGREQ");
      expected.add("PINGRESP");
    }
    assertThat(sequence.subList(0, expected.size())).as(sub.output()).isEqualTo(expected);
    List<Long> times = sub.lines(l -> l.contains("sending PINGREQ")).stream()
        .map(ChildProcess.Line::nanos).toList();
    PingLog log = new PingLog(times.subList(0, Math.min(times.size(), pairs)));
    LOG.info("{}: {} PINGREQ/PINGRESP pairs, ms between PINGREQs {}", sub, pairs,
        log.intervals());
    return log;
  }

  /** Starts mosquitto_sub and waits until its SUBACK is in. */
  private ChildProcess subscribed(String id, String version, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("stdbuf", "-oL", "mosquitto_sub",
        "-h", "127.0.0.1", "-p", Integer.toString(broker.port()), "-i", id, "-V", version,
        "-d", "-F", FORMAT));
    cmd.addAll(List.of(args));
    ChildProcess p = ChildProcess.start("mosquitto_sub " + id, cmd, null);
    processes.add(p);
    await().atMost(WAIT)
        .failFast("mosquitto_sub exited", () -> !p.isAlive())
        .until(() -> p.hasLine(l -> l.contains("received SUBACK")));
    return p;
  }

  /** Runs mosquitto_pub to completion; fails unless it exits 0. */
  private void publish(String id, String version, String topic, String message, String... args)
      throws Exception {
    List<String> cmd = new ArrayList<>(List.of("mosquitto_pub",
        "-h", "127.0.0.1", "-p", Integer.toString(broker.port()), "-i", id, "-V", version,
        "-d", "-t", topic, "-m", message));
    cmd.addAll(List.of(args));
    try (ChildProcess p = ChildProcess.start("mosquitto_pub " + id, cmd, null)) {
      int exit = p.awaitExit(WAIT);
      assertThat(exit).as("mosquitto_pub exit code; output:%n%s", p.output()).isZero();
    }
  }

  private static List<Message> awaitMessages(ChildProcess sub, int n) {
    await().atMost(WAIT)
        .until(() -> sub.lines(l -> l.startsWith("MSG|")).size() >= n);
    return sub.lines(l -> l.startsWith("MSG|")).stream().map(l -> {
      String[] f = l.text().split("\\|", 5);
      return new Message(f[1], Integer.parseInt(f[2]), "1".equals(f[3]), f[4]);
    }).toList();
  }
}
