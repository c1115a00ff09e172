package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.LimitsConfig;
import dev.midge.broker.config.SessionConfig;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Publish;
import dev.midge.testkit.RawMqttConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * limits.publish-rate-per-client: a connection sending PUBLISH packets faster than the rate (after
 * its burst) is read more slowly, not refused: MQTT 5's DISCONNECT 0x96 Message rate too high is
 * not used, and nothing is lost. Counted in {@code
 * midge.limits.reached{limit=publish-rate-per-client}} each time reading stops.
 *
 * <p>No timing is asserted from below: the token bucket bounds how many PUBLISH packets the broker
 * can have taken in by any moment (the burst plus the rate times the time since the first was
 * sent), so each PUBACK is checked against that bound, which a slow machine only makes easier.
 */
@DisplayName("Limits: publish-rate-per-client")
class PublishRateScenario extends ConformanceScenario {
  private static final int RATE = 40;
  private static final int BURST = 5;
  private static final int MESSAGES = 60;

  private static BrokerConfig rateLimited() {
    return config(LimitsConfig.DEFAULTS.withPublishRatePerClient(RATE, BURST));
  }

  private double limitReached() {
    return counter("midge.limits.reached", "limit", "publish-rate-per-client");
  }

  private static List<String> expected() {
    return IntStream.rangeClosed(1, MESSAGES).mapToObj(i -> "m" + i).toList();
  }

  /** The most PUBLISH packets the broker can have taken in {@code nanos} after the first. */
  private static long bound(long nanos) {
    return BURST + (long) Math.ceil(RATE * nanos / 1e9) + 1;
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("limits.publish-rate-per-client: a publisher sending 60 QoS 1 PUBLISHes at once is"
      + " taken in no faster than the burst and the rate allow, and every message is"
      + " acknowledged and delivered, in order (MQTT-4.6.0-6 (3.1.1) / MQTT-4.6.0-5 (5.0))")
  void publish_whenFasterThanRate_thenSlowedAndNothingLost(MqttVersion version) {
    startBroker(rateLimited());
    RawMqttConnection sub = subscriber(version, "reader", "r/#", MqttQos.AT_MOST_ONCE);
    RawMqttConnection pub = client(version, "fast");

    long start = System.nanoTime();
    for (int i = 1; i <= MESSAGES; i++) {
      pub.send(publish("r/t", MqttQos.AT_LEAST_ONCE, i, "m" + i));
    }
    List<Integer> acked = new ArrayList<>();
    for (int i = 1; i <= MESSAGES; i++) {
      Puback ack = pub.expect(Puback.class, WAIT);
      long elapsed = System.nanoTime() - start;
      acked.add(ack.packetId());
      assertThat((long) acked.size()).as("PUBACKs %.3f s after the first PUBLISH", elapsed / 1e9)
          .isLessThanOrEqualTo(bound(elapsed));
    }

    assertThat(acked).containsExactlyElementsOf(
        IntStream.rangeClosed(1, MESSAGES).boxed().toList());
    assertThat(payloads(drain(sub))).containsExactlyElementsOf(expected());
    assertThat(limitReached()).isPositive();
    pub.ping(WAIT); // still connected: throttled, never disconnected
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(value = MqttVersion.class, names = {"V3_1_1", "V5"})
  @DisplayName("limits.publish-rate-per-client with flow control: a publisher both rate limited and"
      + " held back by a subscriber behind reads again once neither holds, and all 60 messages"
      + " arrive in order, none dropped")
  void publish_whenRateLimitedAndHeldBack_thenResumesAndNothingLost(MqttVersion version) {
    startBroker(rateLimited().withSessions(new SessionConfig(4, 20, false)));
    RawMqttConnection sub = subscriber(version, "slow", "f/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(version, "fast");

    for (int i = 1; i <= MESSAGES; i++) {
      pub.send(publish("f/t", MqttQos.AT_LEAST_ONCE, i, "m" + i));
    }
    List<Integer> acked = pubacks(pub); // the subscriber does not acknowledge yet

    assertThat(acked).as("held back by the subscriber").hasSizeLessThan(MESSAGES);
    assertThat(counter("midge.publishers.held.back")).isPositive();

    List<Publish> received = new ArrayList<>();
    while (received.size() < MESSAGES) {
      List<Publish> more = drain(sub); // acknowledges: the queue drains, the publisher resumes
      assertThat(more).as("progress after %s messages", received.size()).isNotEmpty();
      received.addAll(more);
      acked.addAll(pubacks(pub));
    }
    acked.addAll(pubacks(pub));

    assertThat(payloads(received)).containsExactlyElementsOf(expected());
    assertThat(acked).containsExactlyElementsOf(
        IntStream.rangeClosed(1, MESSAGES).boxed().toList());
    assertThat(limitReached()).isPositive();
    assertThat(counter("midge.messages.dropped", "cause", "queue-full")).isZero();
  }

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
