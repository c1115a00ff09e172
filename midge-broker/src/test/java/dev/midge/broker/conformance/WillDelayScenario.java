package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Will;
import dev.midge.codec.property.Properties;
import dev.midge.codec.property.PropertyId;
import dev.midge.codec.reason.DisconnectReasonCode;
import dev.midge.testkit.Frame;
import dev.midge.testkit.RawMqttConnection;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * MQTT 5 Will Delay Interval (§3.1.3.2.2): after an abnormal end the will waits out its delay and
 * is published then, or when the session ends if that is earlier (MQTT-3.1.2-8); a connection
 * resuming the session before then means it is never published (MQTT-3.1.3-9); DISCONNECT 0x00
 * deletes it (MQTT-3.1.2-10), 0x04 keeps it, delay and all. Short real intervals (1–2 s), bounded
 * waits; timings are measured from just before the client's connection ends, so a will can never
 * appear early by the measurement.
 */
@DisplayName("Will delay (MQTT 5): held for the delay or until the session ends; a resume cancels")
class WillDelayScenario extends ConformanceScenario {
  private static final MqttVersion V5 = MqttVersion.V5;

  @BeforeEach
  void start() {
    startBroker();
  }

  /** A QoS 0 will to {@code will/<name>} with this delay in seconds. */
  private static Will will(String name, long delay) {
    return new Will("will/" + name, bytes("gone " + name), MqttQos.AT_MOST_ONCE, false,
        Properties.builder().willDelayInterval(delay).userProperty("k", "v").build());
  }

  /** Connects a 5.0 client with a will and a session expiry; asserts accepted. */
  private RawMqttConnection connect(String clientId, boolean cleanStart, long expiry, Will will) {
    RawMqttConnection c = open(V5);
    assertAccepted(c.connect(Connect.builder(V5).clientId(clientId).keepAlive(0)
        .cleanStart(cleanStart).will(will)
        .properties(Properties.builder().sessionExpiryInterval(expiry).build()).build()));
    return c;
  }

  private RawMqttConnection watcher() {
    return subscriber(V5, "watcher", "will/#", MqttQos.AT_MOST_ONCE);
  }

  /** Waits until the broker holds {@code n} wills waiting out their delay. */
  private void awaitPendingWills(int n) {
    await("pending wills").atMost(WAIT)
        .untilAsserted(() -> assertThat(broker.services().wills().size()).isEqualTo(n));
  }

  /** The will the watcher receives within {@code within}, with how long after {@code since}. */
  private static Publish expectWill(RawMqttConnection watcher, String name, long since,
      Duration within, Duration notBefore) {
    Frame f = watcher.receiveFrame(within);
    assertThat(f).as("will of " + name + " within " + within.toMillis() + " ms").isNotNull();
    assertThat(f.decoded()).isInstanceOf(Publish.class);
    Publish p = (Publish) f.decoded();
    assertThat(p.topic()).isEqualTo("will/" + name);
    assertThat(text(p.payload())).isEqualTo("gone " + name);
    assertThat(Duration.ofNanos(f.arrivalNanos() - since)).as("will published after")
        .isGreaterThanOrEqualTo(notBefore);
    return p;
  }

  @Test
  @DisplayName("MQTT-3.1.2-8 (5.0), §3.1.3.2.2: after an abnormal end the will is published once"
      + " its Will Delay Interval has passed, not before, without the Will Delay property")
  void willDelay_whenConnectionLost_thenWillPublishedAfterDelay() {
    RawMqttConnection watcher = watcher();
    RawMqttConnection c = connect("delayed", true, 60, will("delayed", 1));

    long before = System.nanoTime();
    c.abort();

    Publish p = expectWill(watcher, "delayed", before, seconds(1).plus(WAIT), seconds(1));
    assertThat(p.properties().has(PropertyId.WILL_DELAY_INTERVAL)).isFalse();
    assertThat(p.properties().userProperties()).as("other will properties kept").hasSize(1);
    awaitPendingWills(0);
    watcher.expectNothing(QUIET);
  }

  @Test
  @DisplayName("MQTT-3.1.3-9, MQTT-3.1.2-8 (5.0): a connection resuming the session before the"
      + " Will Delay Interval has passed means the will is never published")
  void willDelay_whenClientResumesInTime_thenWillNotPublished() {
    RawMqttConnection watcher = watcher();
    RawMqttConnection c = connect("comeback", true, 60, will("comeback", 2));
    c.abort();
    awaitPendingWills(1);

    Connack ack = open(V5).connect(Connect.builder(V5).clientId("comeback").keepAlive(0)
        .cleanStart(false).properties(Properties.builder().sessionExpiryInterval(60).build())
        .build());

    assertThat(ack.sessionPresent()).isTrue();
    awaitPendingWills(0);
    watcher.expectNothing(seconds(2).plus(SLACK));
  }

  @Test
  @DisplayName("MQTT-3.1.2-8 (5.0), §3.1.3.2.2: the will goes when the session ends if that is"
      + " earlier than its delay — session expiry 1 s, will delay 60 s")
  void willDelay_whenSessionExpiresFirst_thenWillPublishedAtSessionEnd() {
    RawMqttConnection watcher = watcher();
    RawMqttConnection c = connect("outlived", true, 1, will("outlived", 60));

    long before = System.nanoTime();
    c.abort();

    expectWill(watcher, "outlived", before, seconds(1).plus(WAIT), seconds(1));
    assertThat(broker.services().sessions().get("outlived")).isNull();
    awaitPendingWills(0);
  }

  @Test
  @DisplayName("MQTT-3.1.2-8 (5.0), §3.1.2.11.2: with Session Expiry 0 the session ends with the"
      + " connection, so a delayed will is published at once")
  void willDelay_whenSessionEndsWithConnection_thenWillPublishedAtOnce() {
    RawMqttConnection watcher = watcher();
    RawMqttConnection c = connect("ephemeral", true, 0, will("ephemeral", 60));

    long since = System.nanoTime(); // before the abort: the will may arrive at once
    c.abort();

    expectWill(watcher, "ephemeral", since, WAIT, Duration.ZERO);
    awaitPendingWills(0);
  }

  @Test
  @DisplayName("MQTT-3.1.2-8 (5.0), 3.14.2.1: DISCONNECT 0x04 (Disconnect with Will Message)"
      + " publishes the will after its delay")
  void disconnectWithWill_whenDelay_thenWillPublishedAfterDelay() {
    RawMqttConnection watcher = watcher();
    RawMqttConnection c = connect("deliberate", true, 60, will("deliberate", 1));

    long before = System.nanoTime();
    c.send(new Disconnect(DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE));
    c.expectClosed(WAIT);

    expectWill(watcher, "deliberate", before, seconds(1).plus(WAIT), seconds(1));
  }

  @Test
  @DisplayName("MQTT-3.1.2-8, MQTT-3.1.2-10 (5.0): DISCONNECT 0x00 deletes a delayed will — never"
      + " published")
  void normalDisconnect_whenDelay_thenWillNeverPublished() {
    RawMqttConnection watcher = watcher();
    RawMqttConnection c = connect("polite", true, 60, will("polite", 1));

    c.disconnect();
    c.expectClosed(WAIT);

    assertThat(broker.services().wills().size()).isZero();
    watcher.expectNothing(seconds(1).plus(SLACK));
  }

  @Test
  @DisplayName("MQTT-3.1.3-9, MQTT-3.1.4-3 (5.0): a takeover that resumes the session (clean start"
      + " 0) cancels the old connection's delayed will; the old one gets DISCONNECT 0x8E")
  void takeover_whenResumingAndWillDelayed_thenWillNotPublished() {
    RawMqttConnection watcher = watcher();
    RawMqttConnection old = connect("twin", true, 60, will("twin", 1));

    RawMqttConnection fresh = open(V5);
    Connack ack = fresh.connect(Connect.builder(V5).clientId("twin").keepAlive(0)
        .cleanStart(false).properties(Properties.builder().sessionExpiryInterval(60).build())
        .build());

    assertThat(ack.sessionPresent()).isTrue();
    assertThat(old.expect(Disconnect.class, WAIT).reasonCode())
        .isEqualTo(DisconnectReasonCode.SESSION_TAKEN_OVER);
    old.expectClosed(WAIT);
    awaitPendingWills(0);
    watcher.expectNothing(seconds(1).plus(SLACK));
    fresh.ping(WAIT);
  }

  @Test
  @DisplayName("MQTT-3.1.2-8, MQTT-3.1.2-4 (5.0): a new connection with clean start 1 ends the old"
      + " session, so the old connection's delayed will is published at once")
  void cleanStart_whenWillDelayed_thenWillPublishedAtOnce() {
    RawMqttConnection watcher = watcher();
    RawMqttConnection c = connect("restarter", true, 60, will("restarter", 60));
    c.abort();
    awaitPendingWills(1);

    long before = System.nanoTime();
    RawMqttConnection again = open(V5);
    Connack ack = again.connect(Connect.builder(V5).clientId("restarter").keepAlive(0)
        .cleanStart(true).properties(Properties.builder().sessionExpiryInterval(60).build())
        .build());

    assertThat(ack.sessionPresent()).isFalse();
    expectWill(watcher, "restarter", before, WAIT, Duration.ZERO);
    awaitPendingWills(0);
  }

  @Test
  @DisplayName("MQTT-3.1.2-8, MQTT-3.1.3-9 (5.0) with the HiveMQ MQTT client: a will with a 1 s"
      + " delay and a session expiry of 60 s is published after the delay; a second one is"
      + " cancelled by resuming the session in time")
  void hiveMqClient_whenWillDelayed_thenPublishedAfterDelayOrCancelledByResume() {
    RawMqttConnection watcher = watcher();
    Mqtt5BlockingClient published = hiveMq("hivemq-late");
    published.connectWith().cleanStart(true).sessionExpiryInterval(60)
        .willPublish().topic("will/hivemq-late").payload(bytes("gone hivemq-late"))
        .delayInterval(1).applyWillPublish().send();
    Mqtt5BlockingClient cancelled = hiveMq("hivemq-back");
    cancelled.connectWith().cleanStart(true).sessionExpiryInterval(60)
        .willPublish().topic("will/hivemq-back").payload(bytes("gone hivemq-back"))
        .delayInterval(2).applyWillPublish().send();

    long before = System.nanoTime();
    published.disconnectWith().reasonCode(com.hivemq.client.mqtt.mqtt5.message.disconnect
        .Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE).send();
    cancelled.disconnectWith().reasonCode(com.hivemq.client.mqtt.mqtt5.message.disconnect
        .Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE).send();
    awaitPendingWills(2);
    Mqtt5BlockingClient back = hiveMq("hivemq-back");
    try {
      Mqtt5ConnAck ack = back.connectWith().cleanStart(false).sessionExpiryInterval(60).send();
      assertThat(ack.isSessionPresent()).isTrue();

      expectWill(watcher, "hivemq-late", before, seconds(1).plus(WAIT), seconds(1));
      awaitPendingWills(0);
      watcher.expectNothing(seconds(2).plus(SLACK)); // past hivemq-back's delay: cancelled
    } finally {
      back.disconnect();
    }
  }

  private Mqtt5BlockingClient hiveMq(String id) {
    return MqttClient.builder().useMqttVersion5().identifier(id)
        .transportConfig().serverHost("127.0.0.1").serverPort(broker.port())
        .socketConnectTimeout(5, TimeUnit.SECONDS).mqttConnectTimeout(5, TimeUnit.SECONDS)
        .applyTransportConfig()
        .buildBlocking();
  }
}
