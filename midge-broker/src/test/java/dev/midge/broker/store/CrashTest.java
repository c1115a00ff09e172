package dev.midge.broker.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.broker.config.StorageConfig;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Pubcomp;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Pubrec;
import dev.midge.codec.packet.Pubrel;
import dev.midge.codec.packet.Suback;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.ConnackReasonCode;
import dev.midge.testkit.ChildProcess;
import dev.midge.testkit.RawMqttConnection;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The broker killed with SIGKILL in the middle of a stream of QoS 1 and QoS 2 messages, then
 * started again on the same data directory: every message whose PUBACK or PUBCOMP the publisher
 * got reaches the persistent subscriber, and QoS 2 messages exactly once, also after the
 * publisher completes what the crash interrupted (PUBREL for what had its PUBREC, the PUBLISH
 * again, with DUP, for the rest).
 *
 * <p>The broker runs in a child JVM ({@link CrashTestBroker}) so that it can be killed for real:
 * no shutdown hook, no orderly close of the store, the process simply gone.
 */
class CrashTest {
  private static final Duration START = Duration.ofSeconds(30);
  private static final Duration WAIT = Duration.ofSeconds(10);
  /** How long a subscriber must hear nothing to be done. */
  private static final Duration QUIET = Duration.ofSeconds(2);
  private static final int N = 2000;
  /** The publisher's acknowledgements to wait for before the kill: part-way through. */
  private static final int KILL_AFTER = 100;

  /** Payload bytes beyond the message's name, so that the store has something to write. */
  private static final int PADDING = 500;

  @TempDir Path dataDir;
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private ChildProcess startBroker(StorageConfig.Sync sync) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ChildProcess broker = ChildProcess.start("crash-test-broker", List.of(java,
        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        CrashTestBroker.class.getName(), dataDir.toString(), sync.name()), null);
    open.add(broker);
    return broker;
  }

  private static int port(ChildProcess broker) {
    return Awaitility.await("the broker's port").atMost(START)
        .failFast("the broker process ended: " + broker, () -> !broker.isAlive())
        .until(() -> broker.lines(l -> l.startsWith(CrashTestBroker.PORT)).stream()
            .map(l -> Integer.parseInt(l.text().substring(CrashTestBroker.PORT.length())))
            .findFirst().orElse(null), p -> p != null);
  }

  private RawMqttConnection connect(int port, MqttVersion version, String clientId,
      boolean expectPresent) {
    RawMqttConnection c = RawMqttConnection.open(port, version);
    open.add(c);
    Connect.Builder b = Connect.builder(version).clientId(clientId).keepAlive(0)
        .cleanStart(false);
    if (version.isV5()) {
      b.properties(Properties.builder().sessionExpiryInterval(3600).build());
    }
    Connack ack = c.connect(b.build());
    assertThat(ack.reasonCode()).isEqualTo(ConnackReasonCode.SUCCESS);
    assertThat(ack.sessionPresent()).as("session present of " + clientId)
        .isEqualTo(expectPresent);
    return c;
  }

  private static Publish message(int id) {
    boolean qos2 = id % 2 == 0;
    return new Publish(qos2 ? "crash/q2" : "crash/q1",
        qos2 ? MqttQos.EXACTLY_ONCE : MqttQos.AT_LEAST_ONCE, false, false, id,
        (("m" + id) + " ".repeat(PADDING)).getBytes(StandardCharsets.UTF_8), Properties.EMPTY);
  }

  /** What the publisher knows of each of its messages. */
  private static final class Publisher {
    final Set<Integer> acked = ConcurrentHashMap.newKeySet(); // PUBACK or PUBCOMP
    final Set<Integer> received = ConcurrentHashMap.newKeySet(); // QoS 2 with PUBREC

    /** Reads acknowledgements until {@code until} of them, or the connection ends. */
    void readAcks(RawMqttConnection c, int until) {
      while (acked.size() < until) {
        Object o = c.receiveAny(WAIT);
        if (o == null) {
          return; // the broker is gone
        }
        if (o instanceof Puback a) {
          acked.add(a.packetId());
        } else if (o instanceof Pubrec r) {
          received.add(r.packetId());
          try {
            c.send(new Pubrel(r.packetId()));
          } catch (UncheckedIOException gone) {
            return;
          }
        } else if (o instanceof Pubcomp p) {
          acked.add(p.packetId());
        }
      }
    }
  }

  /**
   * A subscriber as MQTT-4.3.3 has a receiver be: it takes each QoS 2 message once, holding its
   * packet identifier from PUBLISH to PUBREL, so that the broker's resend of a PUBLISH it has
   * (DUP, same identifier, after a restart) is not counted again. Its state outlives its
   * connections, as a client's session state does.
   */
  private static final class Subscriber {
    final Map<String, Integer> counts = new ConcurrentHashMap<>();
    final Set<Integer> awaitingPubrel = ConcurrentHashMap.newKeySet();

    /**
     * Takes what the broker sends until it is quiet for {@code quiet}, or the connection ends.
     */
    void pump(RawMqttConnection c, Duration quiet) {
      try {
        while (true) {
          Object o = c.receiveAny(quiet);
          if (o == null) {
            return;
          }
          if (o instanceof Publish m) {
            String payload = new String(m.payload(), StandardCharsets.UTF_8).strip();
            if (m.qos() == MqttQos.EXACTLY_ONCE) {
              if (awaitingPubrel.add(m.packetId())) {
                counts.merge(payload, 1, Integer::sum);
              }
              c.send(new Pubrec(m.packetId()));
            } else {
              counts.merge(payload, 1, Integer::sum);
              if (m.qos() == MqttQos.AT_LEAST_ONCE) {
                c.send(new Puback(m.packetId()));
              }
            }
          } else if (o instanceof Pubrel rel) {
            awaitingPubrel.remove(rel.packetId());
            c.send(new Pubcomp(rel.packetId()));
          }
        }
      } catch (UncheckedIOException gone) {
        // the broker was killed
      }
    }

    /** Asserts every message arrived, QoS 2 ones exactly once. */
    void assertEveryMessageOnce(String who) {
      for (int id = 1; id <= N; id++) {
        Integer n = counts.get("m" + id);
        assertThat(n).as("%s: message %d delivered", who, id).isNotNull();
        if (id % 2 == 0) {
          assertThat(n).as("%s: QoS 2 message %d delivered exactly once", who, id).isOne();
        }
      }
    }
  }

  @ParameterizedTest(name = "MQTT {0}, sync: {1}")
  @CsvSource({"V3_1_1, ALWAYS", "V5, ALWAYS", "V3_1_1, NEVER"})
  @DisplayName("kill -9 part-way through 2000 QoS 1 and 2 messages: after a restart on the same"
      + " data directory an offline persistent subscriber has every acknowledged message; once"
      + " the publisher completes the interrupted flows, it and a subscriber that was online"
      + " during the kill have every message, QoS 2 ones exactly once (MQTT-4.3.3)")
  void broker_whenKilledMidStream_thenNothingAcknowledgedIsLost(MqttVersion version,
      StorageConfig.Sync sync) throws Exception {
    ChildProcess broker = startBroker(sync);
    int port = port(broker);
    RawMqttConnection away = connect(port, version, "away", false);
    assertThat(away.subscribe(1, "crash/#", MqttQos.EXACTLY_ONCE)).isInstanceOf(Suback.class);
    away.disconnect();
    away.expectClosed(WAIT);
    Subscriber offline = new Subscriber();
    Subscriber online = new Subscriber();
    RawMqttConnection live = connect(port, version, "live", false);
    assertThat(live.subscribe(1, "crash/#", MqttQos.EXACTLY_ONCE)).isInstanceOf(Suback.class);
    Thread liveReader = new Thread(() -> online.pump(live, START), "crash-test-live");
    liveReader.start();

    RawMqttConnection pub = connect(port, version, "pub", false);
    Publisher publisher = new Publisher();
    Thread sender = new Thread(() -> {
      try {
        for (int id = 1; id <= N; id++) {
          pub.send(message(id));
        }
      } catch (UncheckedIOException gone) {
        // killed meanwhile
      }
    }, "crash-test-sender");
    sender.start();
    publisher.readAcks(pub, KILL_AFTER);
    broker.kill(); // SIGKILL
    sender.join(WAIT.toMillis());
    liveReader.join(START.toMillis());
    pub.awaitClosed(WAIT);
    Set<Integer> ackedBeforeKill = Set.copyOf(publisher.acked);
    assertThat(ackedBeforeKill).as("acknowledged before the kill").hasSizeGreaterThanOrEqualTo(
        KILL_AFTER);

    broker = startBroker(sync);
    port = port(broker);
    // First the offline subscriber alone: what was acknowledged before the kill is there.
    RawMqttConnection away2 = connect(port, version, "away", true);
    offline.pump(away2, QUIET);
    for (int id : ackedBeforeKill) {
      assertThat(offline.counts).as("message %d, acknowledged before the kill", id)
          .containsKey("m" + id);
    }

    // Then the publisher completes what the kill interrupted, as MQTT-4.4.0-1 asks.
    RawMqttConnection pub2 = connect(port, version, "pub", true);
    Publisher resumed = new Publisher();
    resumed.acked.addAll(ackedBeforeKill);
    for (int id = 1; id <= N; id++) {
      if (ackedBeforeKill.contains(id)) {
        continue;
      }
      if (publisher.received.contains(id)) {
        pub2.send(new Pubrel(id)); // PUBREC came before the kill: only PUBREL is owed
      } else {
        pub2.send(message(id).withDup(true));
      }
    }
    resumed.readAcks(pub2, N);
    assertThat(resumed.acked).as("every message acknowledged after the restart").hasSize(N);

    offline.pump(away2, QUIET);
    offline.assertEveryMessageOnce("the offline subscriber");
    RawMqttConnection live2 = connect(port, version, "live", true);
    online.pump(live2, QUIET);
    online.assertEveryMessageOnce("the subscriber online during the kill");
  }

  @ParameterizedTest(name = "MQTT {0}")
  @CsvSource({"V3_1_1", "V5"})
  @DisplayName("SUBACK only once the subscription is durable: killed with SIGKILL right after the"
      + " last of 20 SUBACKs, the broker still has every subscription after a restart")
  void broker_whenKilledRightAfterSuback_thenTheSubscriptionIsKept(MqttVersion version)
      throws Exception {
    ChildProcess broker = startBroker(StorageConfig.Sync.ALWAYS);
    int port = port(broker);
    RawMqttConnection sub = connect(port, version, "subscriber", false);
    int filters = 20;
    for (int i = 1; i <= filters; i++) {
      assertThat(sub.subscribe(i, "kept/" + i, MqttQos.AT_LEAST_ONCE))
          .isInstanceOf(Suback.class);
    }
    broker.kill(); // SIGKILL, as soon as the last SUBACK is in
    sub.awaitClosed(WAIT);

    broker = startBroker(StorageConfig.Sync.ALWAYS);
    port = port(broker);
    RawMqttConnection pub = connect(port, version, "publisher", false);
    for (int i = 1; i <= filters; i++) {
      pub.send(new Publish("kept/" + i, MqttQos.AT_LEAST_ONCE, false, false, i,
          ("after " + i).getBytes(StandardCharsets.UTF_8), Properties.EMPTY));
      assertThat(pub.expect(Puback.class, WAIT).packetId()).isEqualTo(i);
    }
    RawMqttConnection back = connect(port, version, "subscriber", true);
    Subscriber got = new Subscriber();
    got.pump(back, QUIET);
    for (int i = 1; i <= filters; i++) {
      assertThat(got.counts).as("the message to kept/%d", i).containsKey("after " + i);
    }
  }
}
