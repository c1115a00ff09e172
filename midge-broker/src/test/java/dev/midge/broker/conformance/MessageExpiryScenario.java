package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.config.SessionConfig;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Will;
import dev.midge.codec.property.Properties;
import dev.midge.testkit.ManualClock;
import dev.midge.testkit.RawMqttConnection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * MQTT 5 Message Expiry Interval (§3.3.2.3.3): the broker gives each message a deadline when it
 * receives it; a copy whose deadline has come before its delivery to a subscriber started is
 * deleted for that subscriber (MQTT-3.3.2-5) and counted as {@code
 * midge.messages.dropped{cause="expired"}}; a copy sent carries the interval minus the whole
 * seconds it waited (MQTT-3.3.2-6); a copy in flight is resent all the same. Retained messages and
 * wills expire too.
 *
 * <p>The broker runs on a {@link ManualClock}: time passes when a test says so, never by waiting.
 * Publishers are MQTT 5 (only they can set the interval); subscribers are of every version where
 * the rule is about which messages arrive.
 */
@DisplayName("Message Expiry Interval (MQTT 5 §3.3.2.3.3, MQTT-3.3.2-5, MQTT-3.3.2-6)")
class MessageExpiryScenario extends ConformanceScenario {
  private static final MqttVersion V5 = MqttVersion.V5;
  private static final String EXPIRED = "expired";

  private final ManualClock clock = new ManualClock();

  private void start() {
    startBroker(config(), clock);
  }

  private static Publish expiring(String topic, MqttQos qos, int packetId, String payload,
      long seconds) {
    return publish(topic, qos, packetId, payload)
        .withProperties(Properties.builder().messageExpiryInterval(seconds).build());
  }

  /** A persistent session of {@code clientId} subscribed to {@code filter} at QoS 1, now offline. */
  private void offlineSubscriber(MqttVersion version, String clientId, String filter) {
    RawMqttConnection c = client(persistent(version, clientId));
    c.subscribe(1, filter, MqttQos.AT_LEAST_ONCE);
    c.disconnect();
    c.expectClosed(WAIT);
    await("offline session of " + clientId).atMost(WAIT).until(() -> {
      var s = broker.services().sessions().get(clientId);
      return s != null && s.claimedBy() == null;
    });
  }

  /** Resumes the persistent session of {@code clientId}; asserts it was present. */
  private RawMqttConnection resume(MqttVersion version, String clientId) {
    RawMqttConnection c = open(version);
    Connack ack = c.connect(persistent(version, clientId));
    assertAccepted(ack);
    if (version != MqttVersion.V3_1) {
      assertThat(ack.sessionPresent()).as("session present").isTrue();
    }
    return c;
  }

  private double expiredCount() {
    return counter("midge.messages.dropped", "cause", EXPIRED);
  }

  @ParameterizedTest(name = "subscriber MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.3.2-5: a message queued for an offline session whose interval passes is"
      + " not delivered; the others are, in order; the expired copy is counted")
  void queued_whenIntervalPassesOffline_thenNotDeliveredAndCounted(MqttVersion version) {
    start();
    offlineSubscriber(version, "sleeper", "exp/#");
    RawMqttConnection pub = client(V5, "pub");
    publishFully(pub, expiring("exp/a", MqttQos.AT_LEAST_ONCE, 1, "short", 10));
    publishFully(pub, publish("exp/b", MqttQos.AT_LEAST_ONCE, 2, "forever"));
    publishFully(pub, expiring("exp/c", MqttQos.EXACTLY_ONCE, 3, "long", 60));

    clock.advance(Duration.ofSeconds(10)); // "short" has exactly run out

    List<Publish> got = drain(resume(version, "sleeper"));
    assertThat(payloads(got)).containsExactly("forever", "long");
    assertThat(expiredCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("MQTT-3.3.2-6: a queued message goes out with the interval minus the whole seconds"
      + " it waited; one without an interval gets none")
  void queued_whenSentLater_thenCarriesRemainingInterval() {
    start();
    offlineSubscriber(V5, "sleeper", "exp/#");
    RawMqttConnection pub = client(V5, "pub");
    publishFully(pub, expiring("exp/a", MqttQos.AT_LEAST_ONCE, 1, "thirty", 30));
    publishFully(pub, publish("exp/b", MqttQos.AT_LEAST_ONCE, 2, "none"));

    clock.advance(Duration.ofMillis(12_300)); // 17.7 s left: 30 minus 12 whole seconds waited

    List<Publish> got = drain(resume(V5, "sleeper"));
    assertThat(payloads(got)).containsExactly("thirty", "none");
    assertThat(got.get(0).properties().messageExpiryInterval()).isEqualTo(18L);
    assertThat(got.get(1).properties().messageExpiryInterval()).isNull();
    assertThat(expiredCount()).isZero();
  }

  @ParameterizedTest(name = "QoS {0}")
  @EnumSource(MqttQos.class)
  @DisplayName("MQTT-3.3.2-6, MQTT-3.3.2-4: an online subscriber gets the interval as received"
      + " (no time waited), the other properties unaltered")
  void online_whenDeliveredAtOnce_thenFullInterval(MqttQos qos) {
    start();
    RawMqttConnection sub = subscriber(V5, "sub", "exp/#", MqttQos.EXACTLY_ONCE);
    RawMqttConnection pub = client(V5, "pub");
    Properties props = Properties.builder().messageExpiryInterval(45).payloadFormatIndicator(1)
        .contentType("text/plain").userProperty("k", "v").build();
    publishFully(pub, publish("exp/now", qos, 1, "hello").withProperties(props));

    List<Publish> got = drain(sub);
    assertThat(got).hasSize(1);
    assertThat(got.get(0).properties()).isEqualTo(props);
  }

  @Test
  @DisplayName("MQTT-3.3.2-5: a Message Expiry Interval of 0 has passed on arrival: no subscriber"
      + " gets the message")
  void online_whenIntervalZero_thenNotDelivered() {
    start();
    RawMqttConnection sub = subscriber(V5, "sub", "exp/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(V5, "pub");
    publishFully(pub, expiring("exp/zero", MqttQos.AT_LEAST_ONCE, 1, "gone", 0));
    publishFully(pub, publish("exp/zero", MqttQos.AT_LEAST_ONCE, 2, "stays"));

    assertThat(payloads(drain(sub))).containsExactly("stays");
    assertThat(expiredCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("MQTT-3.3.2-5: a message waiting behind a full in-flight window expires there; the"
      + " next one goes when the window opens")
  void queued_whenExpiresBehindFullWindow_thenSkipped() {
    start();
    RawMqttConnection sub = client(Connect.builder(V5).clientId("slow").keepAlive(0)
        .cleanStart(true).properties(Properties.builder().receiveMaximum(1).build()).build());
    sub.subscribe(1, "exp/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(V5, "pub");
    publishFully(pub, publish("exp/1", MqttQos.AT_LEAST_ONCE, 1, "first"));
    publishFully(pub, expiring("exp/2", MqttQos.AT_LEAST_ONCE, 2, "brief", 5));
    publishFully(pub, publish("exp/3", MqttQos.AT_LEAST_ONCE, 3, "third"));
    Publish first = sub.expect(Publish.class, WAIT);
    sub.expectNothing(QUIET); // the window of 1 is full

    clock.advance(Duration.ofSeconds(6));
    sub.send(new Puback(first.packetId()));

    assertThat(payloads(drain(sub))).containsExactly("third");
    assertThat(expiredCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("MQTT-3.3.2-5: a message in flight has started its delivery: resent after a"
      + " reconnect even once its interval has passed, with 0 s left")
  void inflight_whenExpiredBeforeReconnect_thenResentWithZero() {
    start();
    RawMqttConnection c = client(persistent(V5, "forgetful"));
    c.subscribe(1, "exp/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(V5, "pub");
    publishFully(pub, expiring("exp/x", MqttQos.AT_LEAST_ONCE, 1, "started", 10));
    Publish sent = c.expect(Publish.class, WAIT);
    assertThat(sent.properties().messageExpiryInterval()).isEqualTo(10L);
    c.close(); // without PUBACK

    clock.advance(Duration.ofSeconds(30));

    RawMqttConnection back = resume(V5, "forgetful");
    Publish again = back.expect(Publish.class, WAIT);
    assertThat(again.dup()).isTrue();
    assertThat(again.packetId()).isEqualTo(sent.packetId());
    assertThat(text(again.payload())).isEqualTo("started");
    assertThat(again.properties().messageExpiryInterval()).isZero();
    assertThat(expiredCount()).isZero();
  }

  @Test
  @DisplayName("MQTT-3.3.2-5: a full queue first sheds expired messages at its head, so a new one"
      + " is not turned away for them")
  void queueFull_whenHeadExpired_thenShedAndNewOneQueued() {
    startBroker(config(new SessionConfig(32, 2, false)), clock);
    offlineSubscriber(V5, "sleeper", "exp/#");
    RawMqttConnection pub = client(V5, "pub");
    publishFully(pub, expiring("exp/a", MqttQos.AT_LEAST_ONCE, 1, "a", 5));
    publishFully(pub, expiring("exp/b", MqttQos.AT_LEAST_ONCE, 2, "b", 5));
    clock.advance(Duration.ofSeconds(5));
    publishFully(pub, publish("exp/c", MqttQos.AT_LEAST_ONCE, 3, "c"));

    assertThat(payloads(drain(resume(V5, "sleeper")))).containsExactly("c");
    assertThat(expiredCount()).isEqualTo(2);
    assertThat(counter("midge.messages.dropped", "cause", "queue-full")).isZero();
  }

  @ParameterizedTest(name = "subscriber MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("§3.3.1.3, MQTT-3.3.2-6: a retained message goes to new subscribers with the time it"
      + " has left; once expired it is no longer retained, and the store forgets it")
  void retained_whenExpired_thenNotSentAndForgotten(MqttVersion version) {
    start();
    RawMqttConnection pub = client(V5, "pub");
    publishFully(pub, expiring("exp/state", MqttQos.AT_LEAST_ONCE, 1, "on", 20).withRetain(true));
    clock.advance(Duration.ofSeconds(5));

    RawMqttConnection early = subscriber(version, "early", "exp/#", MqttQos.AT_LEAST_ONCE);
    List<Publish> got = drain(early);
    assertThat(payloads(got)).containsExactly("on");
    assertThat(got.get(0).retain()).isTrue();
    if (version.isV5()) {
      assertThat(got.get(0).properties().messageExpiryInterval()).isEqualTo(15L);
    }

    clock.advance(Duration.ofSeconds(15));
    RawMqttConnection late = subscriber(version, "late", "exp/#", MqttQos.AT_LEAST_ONCE);
    assertThat(drain(late)).isEmpty();
    await("expired retained message removed").atMost(WAIT)
        .until(() -> broker.services().retained().size() == 0);
    assertThat(expiredCount()).as("skipped, not dropped: it was no longer retained").isZero();
  }

  @Test
  @DisplayName("§3.1.3.2.4: a will's Message Expiry Interval counts from when the will is"
      + " published, not from CONNECT")
  void will_whenPublishedLongAfterConnect_thenFullIntervalFromThen() {
    start();
    offlineSubscriber(V5, "heir", "exp/#");
    RawMqttConnection watcher = subscriber(V5, "watcher", "exp/#", MqttQos.AT_LEAST_ONCE);
    Will will = new Will("exp/will", bytes("bye"), MqttQos.AT_LEAST_ONCE, false,
        Properties.builder().messageExpiryInterval(10).build());
    RawMqttConnection mortal = client(V5, "mortal", 0, will);
    clock.advance(Duration.ofSeconds(60)); // far longer than the will's interval

    mortal.abort();

    List<Publish> got = drain(watcher);
    assertThat(payloads(got)).containsExactly("bye");
    assertThat(got.get(0).properties().messageExpiryInterval()).isEqualTo(10L);
    // The copy queued for the offline session expires 10 s after the will was published.
    clock.advance(Duration.ofSeconds(10));
    assertThat(drain(resume(V5, "heir"))).isEmpty();
    assertThat(expiredCount()).isEqualTo(1);
  }
}
