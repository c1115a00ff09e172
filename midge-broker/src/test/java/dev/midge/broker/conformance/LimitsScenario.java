package dev.midge.broker.conformance;

import static dev.midge.broker.conformance.Frames.expectHexWithoutReasonString;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.LimitsConfig;
import dev.midge.broker.metrics.DisconnectCause;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Pubcomp;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Pubrec;
import dev.midge.codec.packet.Pubrel;
import dev.midge.codec.packet.Will;
import dev.midge.codec.reason.ConnackReasonCode;
import dev.midge.codec.reason.PubrecReasonCode;
import dev.midge.testkit.RawMqttConnection;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The broker-wide limits: limits.max-connections (CONNACK 0x89 Server busy, 0x03 Server
 * unavailable in MQTT 3.x) and limits.max-retained-messages (0x97 Quota exceeded in MQTT 5, the
 * message dropped in MQTT 3.x). Each refusal is counted in {@code midge.limits.reached}.
 */
@DisplayName("Limits: max-connections and max-retained-messages")
class LimitsScenario extends ConformanceScenario {
  private static final int RETAINED_MAX = 2;

  private static BrokerConfig maxConnections(int n) {
    return config(LimitsConfig.DEFAULTS.withMaxConnections(n));
  }

  private static BrokerConfig maxRetained(int n) {
    return config(LimitsConfig.DEFAULTS.withMaxRetainedMessages(n));
  }

  private double limitReached(String limit) {
    return counter("midge.limits.reached", "limit", limit);
  }

  /** Fills the retained store: r/1 and r/2 kept; a watcher on r/# then sees their live copies. */
  private RawMqttConnection fillRetained(MqttVersion version) {
    startBroker(maxRetained(RETAINED_MAX));
    RawMqttConnection pub = client(version, "filler");
    publishFully(pub, retained("r/1", MqttQos.AT_LEAST_ONCE, 1, "one"));
    publishFully(pub, retained("r/2", MqttQos.AT_LEAST_ONCE, 2, "two"));
    assertThat(broker.services().retained().size()).isEqualTo(RETAINED_MAX);
    return pub;
  }

  /** A subscriber to r/#, past the retained messages it got on subscribing. */
  private RawMqttConnection watcher(MqttVersion version) {
    RawMqttConnection w = subscriber(version, "watcher", "r/#", MqttQos.AT_LEAST_ONCE);
    assertThat(payloads(drain(w))).as("retained on subscribing").containsExactly("one", "two");
    return w;
  }

  /** The retained messages a new subscriber to r/# gets. */
  private List<String> retainedPayloads(MqttVersion version) {
    RawMqttConnection late = client(version, "late-" + System.nanoTime());
    late.subscribe(1, "r/#", MqttQos.AT_LEAST_ONCE);
    return payloads(drain(late));
  }

  // ---- limits.max-connections ----

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.2.2-7 (5.0) / MQTT-3.2.2-4, -5 (3.1.1): beyond limits.max-connections a"
      + " CONNECT gets CONNACK 0x89 Server busy (MQTT 3.x: 0x03 Server unavailable) and is"
      + " closed; a place freed by a closed connection is taken again")
  void connect_whenMaxConnectionsReached_thenServerBusy(MqttVersion version) {
    startBroker(maxConnections(2));
    client(version, "one");
    RawMqttConnection two = client(version, "two");

    RawMqttConnection three = open(version);
    three.send(Connect.builder(version).clientId("three").keepAlive(0)
        .cleanStart(true).build());

    assertThat(expectHexWithoutReasonString(three, Connack.class, WAIT))
        .isEqualTo(version.isV5() ? "20 03 00 89 00" : "20 02 00 03");
    three.expectClosed(WAIT);
    assertThat(limitReached("max-connections")).isEqualTo(1);
    awaitDisconnects(DisconnectCause.CONNECT_REFUSED, 1);

    two.disconnect();
    two.expectClosed(WAIT);
    await("place given back").atMost(WAIT)
        .until(() -> broker.services().connectionLimit().held() == 1);
    client(version, "three").ping(WAIT);
    assertThat(broker.services().connectionLimit().held()).isEqualTo(2);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.4-2 (3.1.1) / MQTT-3.1.4-3 (5.0): at limits.max-connections a client"
      + " taking over its own connection is let in, and the old connection's place comes free")
  void connect_whenFullAndTakingOver_thenAccepted(MqttVersion version) {
    startBroker(maxConnections(1));
    RawMqttConnection old = client(version, "returning");

    RawMqttConnection fresh = client(version, "returning");

    old.expectClosed(WAIT);
    fresh.ping(WAIT);
    await("one place held").atMost(WAIT)
        .until(() -> broker.services().connectionLimit().held() == 1);
    assertThat(limitReached("max-connections")).isZero();
  }

  @Test
  @DisplayName("limits.max-connections: a refused CONNECT and every closed connection give their"
      + " place back, however many come and go")
  void connect_whenClientsComeAndGo_thenNoPlaceLeaks() {
    startBroker(maxConnections(1));
    for (int i = 0; i < 10; i++) {
      RawMqttConnection c = client(MqttVersion.V5, "visitor-" + i);
      RawMqttConnection refused = open(MqttVersion.V3_1_1);
      assertThat(refused.connect("intruder-" + i, 0, true).reasonCode())
          .isEqualTo(ConnackReasonCode.SERVER_UNAVAILABLE);
      refused.expectClosed(WAIT);
      c.disconnect();
      c.expectClosed(WAIT);
      await().atMost(WAIT).until(() -> broker.services().connectionLimit().held() == 0);
    }
    assertThat(limitReached("max-connections")).isEqualTo(10);
  }

  // ---- limits.max-retained-messages ----

  @Test
  @DisplayName("limits.max-retained-messages (MQTT 5, §4.13): a retained QoS 1 PUBLISH to a new"
      + " topic in a full store gets PUBACK 0x97 and is neither kept nor delivered")
  void retained_whenFullAndQos1_thenPuback0x97() {
    RawMqttConnection pub = fillRetained(MqttVersion.V5);
    RawMqttConnection watcher = watcher(MqttVersion.V5);

    pub.send(retained("r/3", MqttQos.AT_LEAST_ONCE, 3, "three"));

    assertThat(expectHexWithoutReasonString(pub, Puback.class, WAIT)).isEqualTo("40 03 00 03 97");
    watcher.expectNothing(QUIET);
    assertThat(broker.services().retained().size()).isEqualTo(RETAINED_MAX);
    assertThat(retainedPayloads(MqttVersion.V5)).containsExactly("one", "two");
    assertThat(limitReached("max-retained-messages")).isEqualTo(1);
  }

  @Test
  @DisplayName("limits.max-retained-messages (MQTT 5, §4.3.3): a retained QoS 2 PUBLISH to a new"
      + " topic in a full store gets PUBREC 0x97, the flow ends there and its packet identifier"
      + " is free again")
  void retained_whenFullAndQos2_thenPubrec0x97AndIdFree() {
    RawMqttConnection pub = fillRetained(MqttVersion.V5);
    RawMqttConnection watcher = watcher(MqttVersion.V5);

    pub.send(retained("r/3", MqttQos.EXACTLY_ONCE, 3, "three"));

    assertThat(expectHexWithoutReasonString(pub, Pubrec.class, WAIT)).isEqualTo("50 03 00 03 97");
    pub.expectNothing(QUIET); // no PUBREL awaited: the flow has ended
    pub.send(publish("r/3", MqttQos.EXACTLY_ONCE, 3, "live, not retained"));
    Pubrec rec = pub.expect(Pubrec.class, WAIT);
    assertThat(rec.reasonCode()).isEqualTo(PubrecReasonCode.SUCCESS);
    pub.send(new Pubrel(3));
    assertThat(pub.expect(Pubcomp.class, WAIT).packetId()).isEqualTo(3);
    assertThat(payloads(drain(watcher))).containsExactly("live, not retained");
    assertThat(broker.services().retained().size()).isEqualTo(RETAINED_MAX);
  }

  @Test
  @DisplayName("limits.max-retained-messages (MQTT 5, §4.13): a retained QoS 0 PUBLISH to a new"
      + " topic in a full store, with no acknowledgement to say 0x97, gets DISCONNECT 0x97")
  void retained_whenFullAndQos0_thenDisconnect0x97() {
    RawMqttConnection pub = fillRetained(MqttVersion.V5);

    pub.send(retained("r/3", MqttQos.AT_MOST_ONCE, 0, "three"));

    assertThat(expectHexWithoutReasonString(pub, Disconnect.class, WAIT)).isEqualTo("e0 01 97");
    pub.expectClosed(WAIT);
    awaitDisconnects(DisconnectCause.QUOTA_EXCEEDED, 1);
    assertThat(broker.services().retained().size()).isEqualTo(RETAINED_MAX);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(value = MqttVersion.class, names = {"V3_1", "V3_1_1"})
  @DisplayName("limits.max-retained-messages (MQTT 3.x, which has no code for it): retained"
      + " PUBLISHes to new topics in a full store are acknowledged as usual, dropped (neither"
      + " kept nor delivered) and counted; the connection stays")
  void retained_whenFull3x_thenDroppedAndCounted(MqttVersion version) {
    RawMqttConnection pub = fillRetained(version);
    RawMqttConnection watcher = watcher(version);

    publishFully(pub, retained("r/3", MqttQos.AT_MOST_ONCE, 0, "zero"));
    publishFully(pub, retained("r/4", MqttQos.AT_LEAST_ONCE, 4, "one"));
    publishFully(pub, retained("r/5", MqttQos.EXACTLY_ONCE, 5, "two"));

    watcher.expectNothing(QUIET);
    assertThat(limitReached("max-retained-messages")).isEqualTo(3);
    assertThat(retainedPayloads(version)).containsExactly("one", "two");
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("limits.max-retained-messages: in a full store a retained message may always be"
      + " replaced or deleted, and a deletion makes room for a new topic")
  void retained_whenFull_thenReplaceAndDeleteAllowed(MqttVersion version) {
    RawMqttConnection pub = fillRetained(version);

    publishFully(pub, retained("r/1", MqttQos.AT_LEAST_ONCE, 3, "one again"));
    publishFully(pub, retained("r/2", MqttQos.AT_LEAST_ONCE, 4, ""));
    publishFully(pub, retained("r/3", MqttQos.AT_LEAST_ONCE, 5, "three"));

    assertThat(retainedPayloads(version)).containsExactly("one again", "three");
    assertThat(limitReached("max-retained-messages")).isZero();
  }

  @Test
  @DisplayName("limits.max-retained-messages, MQTT-3.1.2-8: a retained will to a new topic in a"
      + " full store is still published, just not kept")
  void will_whenRetainedAndStoreFull_thenDeliveredNotKept() {
    fillRetained(MqttVersion.V5);
    RawMqttConnection watcher = watcher(MqttVersion.V5);
    RawMqttConnection mortal = client(MqttVersion.V5, "mortal", 0,
        new Will("r/will", bytes("bye"), MqttQos.AT_LEAST_ONCE, true));

    mortal.abort();

    List<Publish> got = drain(watcher);
    assertThat(payloads(got)).containsExactly("bye");
    assertThat(retainedPayloads(MqttVersion.V5)).containsExactly("one", "two");
    assertThat(limitReached("max-retained-messages")).isEqualTo(1);
  }
}
