package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.broker.config.SessionConfig;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Pubcomp;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Pubrec;
import dev.midge.codec.packet.Pubrel;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.PubrecReasonCode;
import dev.midge.testkit.RawMqttConnection;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Persistent sessions (clean session 0 in 3.x, clean start 0 with a session expiry in 5.0):
 * subscriptions and QoS 1 and 2 messages kept while the client is away, unacknowledged messages
 * resent with their packet ids, clean start discarding it all, and the bound on what is queued.
 */
@DisplayName("Sessions: kept across connections, resent, discarded by clean start, bounded")
class SessionScenario extends ConformanceScenario {

  /** Connects with a persistent session; asserts session present as MQTT 3.1.1 and 5.0 set it. */
  private RawMqttConnection resume(MqttVersion version, String clientId, boolean expectPresent) {
    RawMqttConnection c = open(version);
    Connack ack = c.connect(persistent(version, clientId));
    assertAccepted(ack);
    // MQTT 3.1 has no session present flag (its CONNACK byte 1 is reserved).
    assertThat(ack.sessionPresent()).as("session present")
        .isEqualTo(expectPresent && version != MqttVersion.V3_1);
    return c;
  }

  /** A persistent session subscribed to {@code filter}, then disconnected normally. */
  private void leaveSubscribed(MqttVersion version, String clientId, String filter, MqttQos qos) {
    RawMqttConnection c = resume(version, clientId, false);
    c.subscribe(1, filter, qos);
    c.disconnect();
    c.expectClosed(WAIT);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.2-4 (3.1.1) / MQTT-3.1.2-5 (5.0): a resumed session keeps its"
      + " subscriptions")
  void persistentSession_whenResumed_thenSubscriptionsKept(MqttVersion version) {
    startBroker();
    leaveSubscribed(version, "keeper", "s/#", MqttQos.AT_LEAST_ONCE);

    RawMqttConnection c = resume(version, "keeper", true);
    publishFully(client(version, "pub"), publish("s/1", MqttQos.AT_LEAST_ONCE, 1, "still"));

    assertThat(payloads(drain(c))).containsExactly("still");
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.2-5 (3.1.1) / MQTT-3.1.2-23, MQTT-4.5.0-1 (5.0): QoS 1 and 2 messages"
      + " for an offline persistent session are queued and delivered in order on reconnect; QoS 0"
      + " is not queued (allowed, off by default)")
  void offlineSession_whenMessagesPublished_thenQos1And2QueuedAndDeliveredOnReconnect(
      MqttVersion version) {
    startBroker();
    leaveSubscribed(version, "away", "q/#", MqttQos.EXACTLY_ONCE);
    RawMqttConnection pub = client(version, "pub");
    publishFully(pub, publish("q/a", MqttQos.AT_LEAST_ONCE, 1, "one"));
    publishFully(pub, publish("q/a", MqttQos.AT_MOST_ONCE, 0, "zero"));
    publishFully(pub, publish("q/a", MqttQos.EXACTLY_ONCE, 2, "two"));

    RawMqttConnection c = resume(version, "away", true);

    List<Publish> got = drain(c);
    assertThat(payloads(got)).containsExactly("one", "two");
    assertThat(got).extracting(Publish::qos)
        .containsExactly(MqttQos.AT_LEAST_ONCE, MqttQos.EXACTLY_ONCE);
    assertThat(got).allSatisfy(p -> assertThat(p.dup()).as("first delivery").isFalse());
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-4.4.0-1, MQTT-3.3.1-1: unacknowledged QoS 1 and QoS 2 PUBLISH packets are"
      + " sent again on reconnect with DUP 1 and their original packet ids, in order")
  void unacknowledgedPublish_whenClientReconnects_thenResentWithDupAndSamePacketId(
      MqttVersion version) {
    startBroker();
    leaveSubscribed(version, "forgetful", "u/#", MqttQos.EXACTLY_ONCE);
    RawMqttConnection c = resume(version, "forgetful", true);
    RawMqttConnection pub = client(version, "pub");
    publishFully(pub, publish("u/1", MqttQos.AT_LEAST_ONCE, 1, "q1"));
    publishFully(pub, publish("u/2", MqttQos.EXACTLY_ONCE, 2, "q2"));
    Publish first1 = c.expect(Publish.class, WAIT);
    Publish first2 = c.expect(Publish.class, WAIT);

    c.abort(); // no PUBACK, no PUBREC
    RawMqttConnection again = resume(version, "forgetful", true);

    Publish re1 = again.expect(Publish.class, WAIT);
    Publish re2 = again.expect(Publish.class, WAIT);
    assertThat(re1.packetId()).isEqualTo(first1.packetId());
    assertThat(re1.dup()).isTrue();
    assertThat(text(re1.payload())).isEqualTo("q1");
    assertThat(re2.packetId()).isEqualTo(first2.packetId());
    assertThat(re2.dup()).isTrue();
    assertThat(re2.qos()).isEqualTo(MqttQos.EXACTLY_ONCE);
    acknowledge(again, re1);
    acknowledge(again, re2);
    again.expectNothing(QUIET);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-4.4.0-1; MQTT-4.3.3-1 (3.1.1) / MQTT-4.3.3-6 (5.0): a PUBREL without"
      + " PUBCOMP is sent again on reconnect, and the PUBLISH is not")
  void unacknowledgedPubrel_whenClientReconnects_thenPubrelResentNotPublish(MqttVersion version) {
    startBroker();
    leaveSubscribed(version, "halfway", "h/#", MqttQos.EXACTLY_ONCE);
    RawMqttConnection c = resume(version, "halfway", true);
    publishFully(client(version, "pub"), publish("h/1", MqttQos.EXACTLY_ONCE, 1, "q2"));
    Publish p = c.expect(Publish.class, WAIT);
    c.send(new Pubrec(p.packetId()));
    assertThat(c.expect(Pubrel.class, WAIT).packetId()).isEqualTo(p.packetId());

    c.abort(); // no PUBCOMP
    RawMqttConnection again = resume(version, "halfway", true);

    assertThat(again.expect(Pubrel.class, WAIT).packetId()).isEqualTo(p.packetId());
    again.send(new Pubcomp(p.packetId()));
    again.expectNothing(QUIET);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-4.4.0-1, MQTT-4.3.3-2 (3.1.1) / MQTT-4.3.3-10 (5.0): a client resending its"
      + " QoS 2 PUBLISH (DUP 1, same id) on a resumed session after PUBREC is not delivered twice")
  void inboundQos2_whenClientResendsAfterReconnect_thenDeliveredOnce(MqttVersion version) {
    startBroker();
    RawMqttConnection sub = subscriber(version, "sub", "in/#", MqttQos.EXACTLY_ONCE);
    RawMqttConnection pub = resume(version, "sender", false);
    Publish message = publish("in/t", MqttQos.EXACTLY_ONCE, 9, "once only");
    pub.send(message);
    assertThat(pub.expect(Pubrec.class, WAIT).packetId()).isEqualTo(9);

    pub.abort(); // before PUBREL
    RawMqttConnection again = resume(version, "sender", true);
    again.send(message.withDup(true));
    assertThat(again.expect(Pubrec.class, WAIT).packetId()).isEqualTo(9);
    again.send(new Pubrel(9));
    assertThat(again.expect(Pubcomp.class, WAIT).packetId()).isEqualTo(9);

    assertThat(payloads(drain(sub))).containsExactly("once only");
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.2-6 (3.1.1) / MQTT-3.1.2-4 (5.0): clean start discards the stored"
      + " session — subscriptions and queued messages — and the clean session is not kept")
  void cleanStart_whenSessionStored_thenDiscarded(MqttVersion version) {
    startBroker();
    leaveSubscribed(version, "reset", "c/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(version, "pub");
    publishFully(pub, publish("c/1", MqttQos.AT_LEAST_ONCE, 1, "queued"));

    RawMqttConnection clean = open(version);
    Connack ack = clean.connect("reset", 0, true);

    assertThat(ack.sessionPresent()).isFalse();
    publishFully(pub, publish("c/2", MqttQos.AT_LEAST_ONCE, 2, "after"));
    assertThat(drain(clean)).as("no queued message, no subscription").isEmpty();
    clean.disconnect();
    clean.expectClosed(WAIT);
    resume(version, "reset", false); // the clean session ended with its connection
  }

  @Test
  @DisplayName("MQTT-3.1.2-23 (5.0): clean start 0 with no session expiry — the session ends"
      + " with the connection; nothing is queued for it")
  void mqtt5NoSessionExpiry_whenDisconnected_thenSessionEnds() {
    startBroker();
    RawMqttConnection c = open(MqttVersion.V5);
    assertAccepted(c.connect(Connect.builder(MqttVersion.V5).clientId("fleeting")
        .cleanStart(false).keepAlive(0).build()));
    c.subscribe(1, "f/#", MqttQos.AT_LEAST_ONCE);
    c.disconnect();
    c.expectClosed(WAIT);
    publishFully(client(MqttVersion.V5, "pub"), publish("f/1", MqttQos.AT_LEAST_ONCE, 1, "lost"));

    RawMqttConnection again = open(MqttVersion.V5);
    Connack ack = again.connect(Connect.builder(MqttVersion.V5).clientId("fleeting")
        .cleanStart(false).keepAlive(0)
        .properties(Properties.builder().sessionExpiryInterval(60).build()).build());

    assertThat(ack.sessionPresent()).isFalse();
    assertThat(drain(again)).isEmpty();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("DESIGN.md (sessions.max-queued-messages): an offline session queues at most 5"
      + " messages here; the excess is dropped and counted in midge.messages.dropped")
  void queueBound_whenMoreMessagesThanAllowed_thenExcessDroppedAndCounted(MqttVersion version) {
    startBroker(config(new SessionConfig(32, 5, false)));
    leaveSubscribed(version, "overflowing", "b/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(version, "pub");
    for (int i = 1; i <= 8; i++) {
      publishFully(pub, publish("b/t", MqttQos.AT_LEAST_ONCE, i, "m" + i));
    }

    RawMqttConnection c = resume(version, "overflowing", true);

    assertThat(payloads(drain(c))).containsExactly("m1", "m2", "m3", "m4", "m5");
    assertThat(counter("midge.messages.dropped", "cause", "queue-full")).isEqualTo(3);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("DESIGN.md (sessions.max-queued-bytes): an offline session queues messages up to"
      + " 200 bytes of topic and payload here; the excess is dropped and counted in"
      + " midge.messages.dropped")
  void queueBytesBound_whenMessagesWeighMoreThanAllowed_thenExcessDroppedAndCounted(
      MqttVersion version) {
    startBroker(config(new SessionConfig(32, 1000, false).withMaxQueuedBytes(200)));
    leaveSubscribed(version, "heavy", "h/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(version, "pub");
    String payload = "x".repeat(47); // 3 bytes of topic + 47 of payload: 50 bytes a message
    for (int i = 1; i <= 6; i++) {
      publishFully(pub, publish("h/t", MqttQos.AT_LEAST_ONCE, i, i + payload.substring(1)));
    }

    RawMqttConnection c = resume(version, "heavy", true);

    assertThat(drain(c)).hasSize(4);
    assertThat(counter("midge.messages.dropped", "cause", "queue-full")).isEqualTo(2);
  }

  @Test
  @DisplayName("MQTT-4.4.0-2, MQTT-4.3.3-4 (5.0): a PUBREC with a reason code of 0x80 or more"
      + " acknowledges the PUBLISH — no PUBREL, not resent on reconnect, and its in-flight slot"
      + " is free for the next message")
  void pubrecWithErrorCode_whenMqtt5_thenMessageDoneAndWindowFreed() {
    startBroker(config(new SessionConfig(1, 100, false))); // one message in flight at a time
    leaveSubscribed(MqttVersion.V5, "picky", "p/#", MqttQos.EXACTLY_ONCE);
    RawMqttConnection c = resume(MqttVersion.V5, "picky", true);
    RawMqttConnection pub = client(MqttVersion.V5, "pub");
    publishFully(pub, publish("p/1", MqttQos.EXACTLY_ONCE, 1, "refused"));
    publishFully(pub, publish("p/2", MqttQos.EXACTLY_ONCE, 2, "accepted"));

    Publish refused = c.expect(Publish.class, WAIT);
    assertThat(text(refused.payload())).isEqualTo("refused");
    c.send(new Pubrec(refused.packetId(), PubrecReasonCode.UNSPECIFIED_ERROR, Properties.EMPTY));

    List<Publish> next = drain(c);
    assertThat(payloads(next)).as("no PUBREL; the next message flows").containsExactly("accepted");
    c.abort();
    RawMqttConnection again = resume(MqttVersion.V5, "picky", true);
    assertThat(again.receiveAny(QUIET)).as("nothing resent after reconnect").isNull();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-4.6.0-6 (3.1.1) / MQTT-4.6.0-5 (5.0): with an in-flight window of 2"
      + " (sessions.max-inflight-messages), twelve queued QoS 1 messages arrive in order, the"
      + " PUBACKs letting the next ones out")
  void inflightWindow_whenManyQueued_thenSentInOrderAsAcknowledged(MqttVersion version) {
    startBroker(config(new SessionConfig(2, 100, false)));
    leaveSubscribed(version, "windowed", "w/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(version, "pub");
    for (int i = 1; i <= 12; i++) {
      publishFully(pub, publish("w/t", MqttQos.AT_LEAST_ONCE, i, "m" + i));
    }

    RawMqttConnection c = resume(version, "windowed", true);
    Publish a = c.expect(Publish.class, WAIT);
    Publish b = c.expect(Publish.class, WAIT);
    c.expectNothing(QUIET); // the window is full
    c.send(new Puback(a.packetId()));
    c.send(new Puback(b.packetId()));

    List<Publish> rest = drain(c);
    assertThat(payloads(List.of(a, b))).containsExactly("m1", "m2");
    assertThat(payloads(rest)).containsExactlyElementsOf(
        IntStream.rangeClosed(3, 12).mapToObj(i -> "m" + i).toList());
  }
}
