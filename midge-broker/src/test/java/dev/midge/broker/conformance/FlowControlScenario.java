package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.config.SessionConfig;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Publish;
import dev.midge.testkit.RawMqttConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Flow control from subscribers to publishers: a connected subscriber whose queue is half full
 * holds its publishers back (their connections stop reading) instead of dropping what it cannot
 * take yet; one that does not catch up within sessions.slow-subscriber-timeout stops holding
 * them back, and what exceeds its queue is dropped.
 *
 * <p>Here the subscriber is slow by not acknowledging: with an in-flight window of 4 and a queue
 * of 20, 4 messages go out, and the queue holds publishers back from 10.
 */
class FlowControlScenario extends ConformanceScenario {
  private static final int MESSAGES = 60;
  private static final SessionConfig SMALL = new SessionConfig(4, 20, false);

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("docs/storage.md (flow control), MQTT-4.6.0-6 (3.1.1) / MQTT-4.6.0-5 (5.0): a"
      + " subscriber behind holds its publisher back; once it acknowledges, all 60 messages"
      + " arrive in order and none is dropped")
  void slowSubscriber_whenPublisherFaster_thenPublisherHeldBackAndNothingDropped(
      MqttVersion version) {
    startBroker(config(SMALL));
    RawMqttConnection sub = subscriber(version, "slow", "f/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(version, "fast");

    for (int i = 1; i <= MESSAGES; i++) {
      pub.send(publish("f/t", MqttQos.AT_LEAST_ONCE, i, "m" + i));
    }
    List<Integer> acked = pubacks(pub);

    assertThat(acked).as("the publisher is held back: not all its messages are taken in")
        .hasSizeLessThan(MESSAGES)
        .hasSizeLessThanOrEqualTo(SMALL.maxInflightMessages() + SMALL.maxQueuedMessages());
    assertThat(counter("midge.publishers.held.back")).isPositive();

    List<Publish> received = drain(sub); // acknowledges as it goes: the queue drains
    acked.addAll(pubacks(pub));

    assertThat(payloads(received)).containsExactlyElementsOf(
        IntStream.rangeClosed(1, MESSAGES).mapToObj(i -> "m" + i).toList());
    assertThat(acked).containsExactlyElementsOf(IntStream.rangeClosed(1, MESSAGES).boxed()
        .toList());
    assertThat(counter("midge.messages.dropped", "cause", "queue-full")).isZero();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("docs/storage.md (sessions.slow-subscriber-timeout): a subscriber that does not"
      + " catch up within 300 ms lets its publisher go on; what exceeds its queue is dropped and"
      + " counted")
  void stuckSubscriber_whenTimeoutPasses_thenPublisherGoesOnAndExcessDropped(
      MqttVersion version) {
    startBroker(config(SMALL.withSlowSubscriberTimeout(Duration.ofMillis(300))));
    RawMqttConnection sub = subscriber(version, "stuck", "f/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(version, "fast");

    for (int i = 1; i <= MESSAGES; i++) {
      pub.send(publish("f/t", MqttQos.AT_LEAST_ONCE, i, "m" + i));
    }
    List<Integer> acked = new ArrayList<>();
    for (int i = 1; i <= MESSAGES; i++) {
      acked.add(pub.expect(Puback.class, WAIT).packetId());
    }

    assertThat(acked).hasSize(MESSAGES);
    int kept = SMALL.maxInflightMessages() + SMALL.maxQueuedMessages();
    await().atMost(WAIT).untilAsserted(() -> assertThat(
        counter("midge.messages.dropped", "cause", "queue-full")).isEqualTo(MESSAGES - kept));
    assertThat(payloads(drain(sub))).hasSize(kept)
        .startsWith("m1", "m2", "m3", "m4");
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("docs/storage.md (sessions.slow-subscriber-timeout 0): nobody is held back; a"
      + " full queue drops at once")
  void noFlowControl_whenTimeoutZero_thenQueueOverflowsAtOnce(MqttVersion version) {
    startBroker(config(SMALL.withSlowSubscriberTimeout(Duration.ZERO)));
    RawMqttConnection sub = subscriber(version, "stuck", "f/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(version, "fast");

    for (int i = 1; i <= MESSAGES; i++) {
      publishFully(pub, publish("f/t", MqttQos.AT_LEAST_ONCE, i, "m" + i));
    }

    int kept = SMALL.maxInflightMessages() + SMALL.maxQueuedMessages();
    // The PUBACK goes once the message is routed; the subscriber's thread takes it in after.
    await().atMost(WAIT).untilAsserted(() -> assertThat(
        counter("midge.messages.dropped", "cause", "queue-full")).isEqualTo(MESSAGES - kept));
    assertThat(counter("midge.publishers.held.back")).isZero();
    assertThat(drain(sub)).hasSize(kept);
  }

  /** The PUBACKs that come until the broker has been quiet for {@link #QUIET}. */
  private static List<Integer> pubacks(RawMqttConnection pub) {
    List<Integer> ids = new ArrayList<>();
    Object o;
    while ((o = pub.receiveAny(QUIET)) != null) {
      assertThat(o).isInstanceOf(Puback.class);
      ids.add(((Puback) o).packetId());
    }
    return ids;
  }
}
