package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.session.Session;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.DisconnectReasonCode;
import dev.midge.testkit.RawMqttConnection;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * MQTT 5 Session Expiry Interval (§3.1.2.11.2, §3.14.2.2.2, §4.1): a session outlives its
 * connection by the interval CONNECT asked for (absent or 0: not at all; 0xFFFFFFFF: for ever),
 * then ends unless a connection resumed it in time; DISCONNECT may change the interval, except
 * from 0 to more. Short real intervals (1 s), bounded waits.
 */
@DisplayName("Session expiry (MQTT 5): kept for the interval, then ended; changed on DISCONNECT")
class SessionExpiryScenario extends ConformanceScenario {
  private static final MqttVersion V5 = MqttVersion.V5;

  @BeforeEach
  void start() {
    startBroker();
  }

  /** CONNECT 5.0 with this clean start and session expiry (null: no property). */
  private static Connect connect(String clientId, boolean cleanStart, @Nullable Long expiry) {
    Connect.Builder b = Connect.builder(V5).clientId(clientId).keepAlive(0).cleanStart(cleanStart);
    if (expiry != null) {
      b.properties(Properties.builder().sessionExpiryInterval(expiry).build());
    }
    return b.build();
  }

  /** Connects, asserts accepted and the session present flag. */
  private RawMqttConnection connect(String clientId, boolean cleanStart, @Nullable Long expiry,
      boolean expectPresent) {
    RawMqttConnection c = open(V5);
    Connack ack = c.connect(connect(clientId, cleanStart, expiry));
    assertAccepted(ack);
    assertThat(ack.sessionPresent()).as("session present").isEqualTo(expectPresent);
    return c;
  }

  /** A fresh session with this expiry, subscribed to {@code filter} at QoS 1, still connected. */
  private RawMqttConnection subscribed(String clientId, @Nullable Long expiry, String filter) {
    RawMqttConnection c = connect(clientId, true, expiry, false);
    c.subscribe(1, filter, MqttQos.AT_LEAST_ONCE);
    return c;
  }

  private static Disconnect disconnectWithExpiry(long expiry) {
    return new Disconnect(DisconnectReasonCode.NORMAL_DISCONNECTION,
        Properties.builder().sessionExpiryInterval(expiry).build());
  }

  private @Nullable Session session(String clientId) {
    return broker.services().sessions().get(clientId);
  }

  /** Waits until the broker holds the session of {@code clientId} offline. */
  private Session awaitOffline(String clientId) {
    return await("offline session of " + clientId).atMost(WAIT)
        .until(() -> session(clientId), s -> s != null && s.claimedBy() == null);
  }

  /** Waits until the broker has no session for {@code clientId}. */
  private void awaitEnded(String clientId, Duration atMost) {
    await("end of the session of " + clientId).atMost(atMost)
        .until(() -> session(clientId) == null);
  }

  @Test
  @DisplayName("MQTT-3.1.2-23, MQTT-3.1.2-5, MQTT-3.2.2-3 (5.0): within its Session Expiry Interval"
      + " the session is resumed — session present 1, the QoS 1 messages queued meanwhile"
      + " delivered")
  void sessionExpiry_whenReconnectedWithinInterval_thenSessionResumedAndQueuedDelivered() {
    RawMqttConnection c = subscribed("brief", 2L, "k/#");
    c.disconnect();
    c.expectClosed(WAIT);
    awaitOffline("brief");
    RawMqttConnection pub = client(V5, "pub");
    publishFully(pub, publish("k/1", MqttQos.AT_LEAST_ONCE, 1, "one"));
    publishFully(pub, publish("k/2", MqttQos.AT_LEAST_ONCE, 2, "two"));

    RawMqttConnection back = connect("brief", false, 2L, true);

    assertThat(payloads(drain(back))).containsExactly("one", "two");
  }

  @Test
  @DisplayName("MQTT-5.0 §3.1.2.11.2, §4.1: after its Session Expiry Interval the session ends —"
      + " not earlier; a later CONNECT gets session present 0 and no subscriptions")
  void sessionExpiry_whenIntervalPassed_thenSessionEnded() {
    RawMqttConnection c = subscribed("mayfly", 1L, "m/#");
    long before = System.nanoTime();
    c.disconnect();
    c.expectClosed(WAIT);
    awaitOffline("mayfly");

    awaitEnded("mayfly", seconds(1).plus(WAIT));
    assertThat(Duration.ofNanos(System.nanoTime() - before)).as("ended after the interval")
        .isGreaterThanOrEqualTo(seconds(1));

    RawMqttConnection back = connect("mayfly", false, 60L, false);
    publishFully(client(V5, "pub"), publish("m/1", MqttQos.AT_LEAST_ONCE, 1, "nobody"));
    assertThat(drain(back)).as("the subscription ended with the session").isEmpty();
  }

  @Test
  @DisplayName("MQTT-5.0 §3.1.2.11.2: 0xFFFFFFFF never expires — still there after a 1 s session"
      + " ended beside it")
  void sessionExpiryMax_whenOffline_thenNeverExpires() {
    RawMqttConnection forever = subscribed("forever", Session.NEVER_EXPIRES, "f/#");
    RawMqttConnection brief = subscribed("control", 1L, "f/#");
    forever.disconnect();
    brief.disconnect();
    forever.expectClosed(WAIT);
    brief.expectClosed(WAIT);
    Session kept = awaitOffline("forever");

    awaitEnded("control", seconds(1).plus(WAIT));
    publishFully(client(V5, "pub"), publish("f/1", MqttQos.AT_LEAST_ONCE, 1, "later"));

    assertThat(session("forever")).isSameAs(kept);
    RawMqttConnection back = connect("forever", false, Session.NEVER_EXPIRES, true);
    assertThat(payloads(drain(back))).containsExactly("later");
  }

  @Test
  @DisplayName("MQTT-5.0 §3.1.2.11.2: a Session Expiry Interval of 0 ends the session with the"
      + " connection, even with clean start 0")
  void sessionExpiryZero_whenDisconnected_thenSessionEndsAtOnce() {
    RawMqttConnection c = connect("zero", false, 0L, false);
    c.subscribe(1, "z/#", MqttQos.AT_LEAST_ONCE);
    c.disconnect();
    c.expectClosed(WAIT);

    awaitEnded("zero", WAIT);
    connect("zero", false, 60L, false);
  }

  @Test
  @DisplayName("MQTT-3.1.2-4, MQTT-3.1.2-23 (5.0): clean start 1 with an expiry starts a new"
      + " session that still outlives its connection")
  void cleanStartWithExpiry_whenReconnected_thenSessionPresent() {
    RawMqttConnection c = subscribed("fresh", 60L, "c/#");
    c.disconnect();
    c.expectClosed(WAIT);
    awaitOffline("fresh");

    connect("fresh", false, 60L, true);
  }

  @Test
  @DisplayName("MQTT-5.0 §3.1.2.11.2, §4.1: a reconnect within the interval cancels the expiry —"
      + " the session, online past the old deadline, is neither ended nor losing messages, and"
      + " is kept again after the next disconnect")
  void reconnect_whenWithinInterval_thenExpiryCancelled() {
    RawMqttConnection first = subscribed("returning", 1L, "r/#");
    first.disconnect();
    first.expectClosed(WAIT);
    Session s = awaitOffline("returning");

    RawMqttConnection again = connect("returning", false, 60L, true);
    long resumed = System.nanoTime();
    RawMqttConnection pub = client(V5, "pub");
    // Past the old 1 s deadline, and then some, while connected.
    await().pollDelay(seconds(1.5)).atMost(seconds(1.5).plus(WAIT)).until(() -> true);
    assertThat(Duration.ofNanos(System.nanoTime() - resumed)).isGreaterThan(seconds(1));
    assertThat(session("returning")).as("the same session, still registered").isSameAs(s);
    publishFully(pub, publish("r/1", MqttQos.AT_LEAST_ONCE, 1, "alive"));
    assertThat(payloads(drain(again))).containsExactly("alive");

    again.disconnect();
    again.expectClosed(WAIT);
    assertThat(awaitOffline("returning")).isSameAs(s);
    connect("returning", false, 60L, true);
  }

  @Test
  @DisplayName("MQTT-5.0 §3.14.2.2.2: DISCONNECT with Session Expiry Interval 0 after a non-zero"
      + " one in CONNECT ends the session with the connection")
  void disconnectSetsExpiryZero_whenSessionHadExpiry_thenSessionEndsAtOnce() {
    RawMqttConnection c = subscribed("changing", 300L, "d/#");

    c.send(disconnectWithExpiry(0));
    c.expectClosed(WAIT);

    awaitEnded("changing", WAIT);
    connect("changing", false, 300L, false);
  }

  @Test
  @DisplayName("MQTT-5.0 §3.14.2.2.2: DISCONNECT may shorten the Session Expiry Interval — 300 s"
      + " in CONNECT, 1 s on DISCONNECT, ended after 1 s")
  void disconnectShortensExpiry_whenIntervalPassed_thenSessionEnded() {
    RawMqttConnection c = subscribed("shortened", 300L, "s/#");
    c.send(disconnectWithExpiry(1));
    c.expectClosed(WAIT);
    awaitOffline("shortened");

    awaitEnded("shortened", seconds(1).plus(WAIT));
  }

  @Test
  @DisplayName("MQTT-5.0 §3.14.2.2.2, §4.13: a non-zero Session Expiry Interval on DISCONNECT after"
      + " 0 in CONNECT is a protocol error — DISCONNECT 0x82, and the session ends with the"
      + " connection as CONNECT said")
  void disconnectSetsExpiry_whenConnectHadZero_thenProtocolErrorAndSessionEnds() {
    RawMqttConnection c = connect("sneaky", false, null, false);
    c.subscribe(1, "p/#", MqttQos.AT_LEAST_ONCE);

    c.send(disconnectWithExpiry(60));

    Disconnect d = c.expect(Disconnect.class, WAIT);
    assertThat(d.reasonCode()).isEqualTo(DisconnectReasonCode.PROTOCOL_ERROR);
    assertThat(d.properties().sessionExpiryInterval())
        .as("MQTT-3.14.2-2: the server sends no Session Expiry Interval").isNull();
    c.expectClosed(WAIT);
    awaitEnded("sneaky", WAIT);
    connect("sneaky", false, 60L, false);
  }
}
