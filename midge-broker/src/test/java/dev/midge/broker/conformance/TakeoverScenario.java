package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.metrics.DisconnectCause;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.reason.ConnackReasonCode;
import dev.midge.codec.reason.DisconnectReasonCode;
import dev.midge.testkit.Frame;
import dev.midge.testkit.RawMqttConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Session takeover: a new connection with a client identifier already connected closes the old
 * connection (MQTT 5: after DISCONNECT 0x8E) and carries the session on; several connections
 * racing with one identifier end with exactly one connected.
 */
@DisplayName("Takeover: one connection per client identifier")
class TakeoverScenario extends ConformanceScenario {

  @BeforeEach
  void start() {
    startBroker();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.4-2 (3.1.1) / MQTT-3.1.4-3 (5.0): a second connection with the same"
      + " client identifier closes the first (MQTT 5: DISCONNECT 0x8E first) and is accepted")
  void secondConnection_whenSameClientId_thenFirstClosed(MqttVersion version) {
    RawMqttConnection first = client(version, "twin");

    RawMqttConnection second = client(version, "twin");

    first.expectClosed(WAIT);
    if (version.isV5()) {
      assertThat(first.expect(Disconnect.class, WAIT).reasonCode())
          .isEqualTo(DisconnectReasonCode.SESSION_TAKEN_OVER);
    }
    assertThat(first.receiveAny(java.time.Duration.ZERO)).isNull();
    second.ping(WAIT);
    awaitDisconnects(DisconnectCause.TAKEOVER, 1);
    assertThat(metrics().connections()).isEqualTo(1);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.4-2, MQTT-3.1.4-3 (3.1.1) / MQTT-3.1.4-3, MQTT-3.1.4-4 (5.0),"
      + " MQTT-4.4.0-1: taken over with clean start 0, the session goes on on the new connection"
      + " — subscriptions kept, the unacknowledged message resent there, nothing more to the old")
  void takeover_whenCleanStartZero_thenSessionContinuesOnNewConnection(MqttVersion version) {
    RawMqttConnection old = client(persistent(version, "mover"));
    old.subscribe(1, "m/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(version, "pub");
    publishFully(pub, publish("m/1", MqttQos.AT_LEAST_ONCE, 1, "in flight"));
    Publish unacked = old.expect(Publish.class, WAIT);

    RawMqttConnection fresh = open(version);
    Connack ack = fresh.connect(persistent(version, "mover"));

    assertAccepted(ack);
    assertThat(ack.sessionPresent()).isEqualTo(version != MqttVersion.V3_1);
    old.expectClosed(WAIT);
    Publish resent = fresh.expect(Publish.class, WAIT);
    assertThat(resent.packetId()).isEqualTo(unacked.packetId());
    assertThat(resent.dup()).isTrue();
    acknowledge(fresh, resent);
    publishFully(pub, publish("m/2", MqttQos.AT_LEAST_ONCE, 2, "after"));
    assertThat(payloads(drain(fresh))).containsExactly("after");
    assertThat(old.received()).extracting(Frame::decoded)
        .noneMatch(p -> p instanceof Publish m && text(m.payload()).equals("after"));
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.4-2, MQTT-3.1.2-6 (3.1.1) / MQTT-3.1.4-3, MQTT-3.1.2-4 (5.0): taken over"
      + " with clean start 1, the old connection is closed and its session discarded")
  void takeover_whenCleanStart_thenOldSessionDiscarded(MqttVersion version) {
    RawMqttConnection old = client(persistent(version, "restarter"));
    old.subscribe(1, "r/#", MqttQos.AT_LEAST_ONCE);

    RawMqttConnection fresh = open(version);
    Connack ack = fresh.connect("restarter", 0, true);

    assertAccepted(ack);
    assertThat(ack.sessionPresent()).isFalse();
    old.expectClosed(WAIT);
    publishFully(client(version, "pub"), publish("r/1", MqttQos.AT_LEAST_ONCE, 1, "x"));
    assertThat(drain(fresh)).as("the old subscription is gone").isEmpty();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.4-2 (3.1.1) / MQTT-3.1.4-3 (5.0): six connections racing with one client"
      + " identifier (clean start and not, mixed) end with exactly one connected, which works;"
      + " five rounds")
  void simultaneousConnects_whenSameClientId_thenExactlyOneConnected(MqttVersion version)
      throws InterruptedException {
    int racers = 6;
    for (int round = 1; round <= 5; round++) {
      String id = "racer-" + round;
      List<RawMqttConnection> conns = new ArrayList<>();
      List<Connect> connects = new ArrayList<>();
      for (int i = 0; i < racers; i++) {
        conns.add(open(version));
        connects.add(i % 2 == 0 ? persistent(version, id)
            : Connect.builder(version).clientId(id).keepAlive(0).cleanStart(true).build());
      }
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < racers; i++) {
        RawMqttConnection c = conns.get(i);
        Connect connect = connects.get(i);
        Thread t = new Thread(() -> {
          try {
            if (go.await(5, TimeUnit.SECONDS)) {
              c.send(connect);
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } catch (RuntimeException e) {
            // closed under us by a faster racer's takeover: that is the race
          }
        }, "racer-" + round + "-" + i);
        t.start();
        threads.add(t);
      }
      go.countDown();
      for (Thread t : threads) {
        t.join(5000);
      }

      await("one connection left in round " + round).atMost(WAIT).untilAsserted(() ->
          assertThat(conns.stream().filter(c -> !c.isClosed()).count()).isEqualTo(1));
      RawMqttConnection winner = conns.stream().filter(c -> !c.isClosed()).findFirst().orElseThrow();
      Connack ack = winner.expect(Connack.class, WAIT);
      assertThat(ack.reasonCode()).isEqualTo(ConnackReasonCode.SUCCESS);
      winner.subscribe(1, "race/" + round, MqttQos.AT_LEAST_ONCE);
      RawMqttConnection pub = client(version, "race-pub-" + round);
      publishFully(pub, publish("race/" + round, MqttQos.AT_LEAST_ONCE, 2, "won"));
      assertThat(payloads(drain(winner))).containsExactly("won");
      assertThat(broker.services().sessions().get(id)).isNotNull();
      assertThat(broker.services().sessions().get(id).claimedBy()).isNotNull();
      await().atMost(WAIT).untilAsserted(() ->
          assertThat(metrics().connections()).as("the winner and the publisher").isEqualTo(2));
      for (RawMqttConnection c : List.of(winner, pub)) {
        c.disconnect();
        c.expectClosed(WAIT);
      }
    }
  }
}
