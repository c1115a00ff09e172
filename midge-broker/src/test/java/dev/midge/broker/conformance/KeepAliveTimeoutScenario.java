package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.broker.metrics.DisconnectCause;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.Pingreq;
import dev.midge.codec.packet.Pingresp;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Will;
import dev.midge.codec.reason.DisconnectReasonCode;
import dev.midge.testkit.RawMqttConnection;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The seeds' first experiment, from the broker's side: a client that goes silent with its socket
 * open is dropped after one and a half times its keep alive, measured from the last byte it sent
 * to the instant the broker closed the socket, and its will goes out; a client that keeps talking
 * (PINGREQ or anything else) is never dropped; keep alive 0 turns the mechanism off.
 */
@DisplayName("Keep alive: 1.5 × keep alive of silence ends the connection")
class KeepAliveTimeoutScenario extends ConformanceScenario {

  @BeforeEach
  void start() {
    startBroker();
  }

  static Stream<Arguments> versionsAndKeepAlives() {
    return Arrays.stream(MqttVersion.values())
        .flatMap(v -> Stream.of(Arguments.of(v, 1), Arguments.of(v, 2)));
  }

  @ParameterizedTest(name = "MQTT {0}, keep alive {1} s")
  @MethodSource("versionsAndKeepAlives")
  @DisplayName("MQTT-3.1.2-24 (3.1.1) / MQTT-3.1.2-22 (5.0), MQTT-3.1.2-8: a silent client is"
      + " closed between 1.5 × and 1.5 × + 0.5 s after its last packet, and its will published")
  void silentClient_whenOneAndAHalfKeepAlivesPass_thenClosedAndWillPublished(
      MqttVersion version, int keepAlive) {
    RawMqttConnection watcher = subscriber(version, "watcher", "will/silent", MqttQos.EXACTLY_ONCE);
    Will will = new Will("will/silent", bytes("gone quiet"), MqttQos.AT_LEAST_ONCE, true);
    RawMqttConnection silent = client(version, "silent", keepAlive, will);
    Duration limit = seconds(1.5 * keepAlive);

    silent.expectClosed(limit.plus(WAIT));

    assertThat(silent.closedAfterLastSend())
        .as("silence from the last byte sent to the close")
        .isBetween(limit, limit.plus(SLACK));
    if (version.isV5()) {
      // MQTT 5: the server may say why before it closes; Midge does (0x8D Keep Alive timeout).
      assertThat(silent.expect(Disconnect.class, WAIT).reasonCode())
          .isEqualTo(DisconnectReasonCode.KEEP_ALIVE_TIMEOUT);
    }
    assertThat(silent.receiveAny(Duration.ZERO)).as("nothing else before the close").isNull();

    Publish p = watcher.expect(Publish.class, WAIT);
    assertThat(p.topic()).isEqualTo("will/silent");
    assertThat(text(p.payload())).isEqualTo("gone quiet");
    assertThat(p.qos()).as("the will's QoS").isEqualTo(MqttQos.AT_LEAST_ONCE);
    assertThat(p.retain()).as("forwarded to an existing subscription: RETAIN 0").isFalse();
    acknowledge(watcher, p);

    // The will was retained (Will Retain 1): a later subscriber gets it with RETAIN 1.
    RawMqttConnection late = client(version, "late");
    late.subscribe(1, "will/#", MqttQos.EXACTLY_ONCE);
    Publish retained = late.expect(Publish.class, WAIT);
    assertThat(text(retained.payload())).isEqualTo("gone quiet");
    assertThat(retained.retain()).isTrue();
    assertThat(retained.qos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
    acknowledge(late, retained);

    awaitDisconnects(DisconnectCause.KEEP_ALIVE_TIMEOUT, 1);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.2-24 (3.1.1) / MQTT-3.1.2-22 (5.0): keep alive 0 turns the mechanism"
      + " off — a client that never sends PINGREQ stays connected")
  void keepAliveZero_whenSilentForThreeSeconds_thenStillConnected(MqttVersion version) {
    RawMqttConnection idle = client(version, "idle", 0, null);

    idle.expectNothing(Duration.ofSeconds(3));

    assertThat(idle.isClosed()).isFalse();
    idle.ping(WAIT); // and it still works
    assertThat(metrics().disconnects(DisconnectCause.KEEP_ALIVE_TIMEOUT)).isZero();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.12.4-1, MQTT-3.1.2-24 (3.1.1) / MQTT-3.1.2-22 (5.0): a client sending"
      + " PINGREQ every keep alive gets a PINGRESP for each and stays connected; once it stops"
      + " it is closed 1.5 × keep alive after its last PINGREQ")
  void pingingClient_whenPingreqEveryKeepAlive_thenPingrespEachTimeAndStaysConnected(
      MqttVersion version) {
    int keepAlive = 1;
    RawMqttConnection pinger = client(version, "pinger", keepAlive, null);
    Duration period = Duration.ofSeconds(keepAlive);

    for (int i = 0; i < 4; i++) { // four periods: more than 1.5 × keep alive, twice over
      waitUntil(pinger.lastSentNanos() + period.toNanos(), pinger);
      pinger.send(Pingreq.INSTANCE);
      pinger.expect(Pingresp.class, period); // MQTT-3.12.4-1
    }
    assertThat(pinger.isClosed()).as("still connected after four keep-alive periods").isFalse();

    pinger.expectClosed(seconds(1.5 * keepAlive).plus(WAIT));
    assertThat(pinger.closedAfterLastSend())
        .as("the deadline ran from the last PINGREQ")
        .isBetween(seconds(1.5 * keepAlive), seconds(1.5 * keepAlive).plus(SLACK));
    assertThat(counter("midge.pings")).as("PINGREQs answered").isEqualTo(4);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.2-24 (3.1.1) / MQTT-3.1.2-22 (5.0): any control packet, not only"
      + " PINGREQ, resets the keep-alive deadline")
  void publishingClient_whenPublishingWithinEveryKeepAlive_thenNeverPingsAndStaysConnected(
      MqttVersion version) {
    int keepAlive = 1;
    RawMqttConnection talker = client(version, "talker", keepAlive, null);
    Duration period = Duration.ofSeconds(keepAlive);

    for (int i = 1; i <= 4; i++) {
      waitUntil(talker.lastSentNanos() + period.toNanos(), talker);
      MqttQos qos = i % 2 == 0 ? MqttQos.AT_LEAST_ONCE : MqttQos.AT_MOST_ONCE;
      talker.send(publish("talk/" + i, qos, i, "still here"));
      if (qos == MqttQos.AT_LEAST_ONCE) {
        assertThat(talker.expect(Puback.class, period).packetId()).isEqualTo(i);
      }
    }
    assertThat(talker.isClosed()).as("still connected after four keep-alive periods").isFalse();

    talker.expectClosed(seconds(1.5 * keepAlive).plus(WAIT));
    assertThat(talker.closedAfterLastSend())
        .as("the deadline ran from the last PUBLISH")
        .isBetween(seconds(1.5 * keepAlive), seconds(1.5 * keepAlive).plus(SLACK));
    assertThat(counter("midge.pings")).as("PINGREQs answered").isZero();
  }

  /** Waits, watching the connection, until {@code deadlineNanos}: it must stay silent and open. */
  private static void waitUntil(long deadlineNanos, RawMqttConnection c) {
    long left = deadlineNanos - System.nanoTime();
    if (left > 0) {
      c.expectNothing(Duration.ofNanos(left));
    }
  }
}
