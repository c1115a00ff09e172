package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.broker.config.KeepAliveConfig;
import dev.midge.broker.metrics.DisconnectCause;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Will;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.DisconnectReasonCode;
import dev.midge.testkit.RawMqttConnection;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A large message on a slow link (KEEPALIVE.md, "What users of the anchors complain about"): by
 * default the bytes of a packet still arriving count as life, so a client trickling a PUBLISH over
 * longer than 1.5 × its keep alive is not dropped; a separate bound, max packet arrival, stops a
 * client from holding a connection open with a packet that never completes; a listener counting
 * only whole packets applies the specification's wording strictly.
 */
@DisplayName("Slow packets: bytes count as life, bounded by the max packet arrival")
class SlowPacketScenario extends ConformanceScenario {
  private static final int PIECES = 8;
  private static final Duration PAUSE = Duration.ofMillis(500);

  private static KeepAliveConfig policy(KeepAliveConfig.Counting counting, Duration maxArrival) {
    return new KeepAliveConfig(0, 65535, KeepAliveConfig.OutOfRange.CLAMP, true, counting,
        maxArrival, CONNECT_TIMEOUT);
  }

  private static Publish bigPublish(int packetId, int size) {
    byte[] payload = new byte[size];
    for (int i = 0; i < size; i++) {
      payload[i] = (byte) ('a' + i % 26);
    }
    return new Publish("slow/big", MqttQos.AT_LEAST_ONCE, false, false, packetId, payload,
        Properties.EMPTY);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("KEEPALIVE.md, MQTT-3.1.2-24 (3.1.1) / MQTT-3.1.2-22 (5.0) as Midge reads it:"
      + " counting bytes, a PUBLISH trickled over more than 1.5 × keep alive, faster than the max"
      + " packet arrival, is not silence — not disconnected, and delivered")
  void trickledPublish_whenBytesCount_thenNotDisconnectedAndDelivered(MqttVersion version) {
    startBroker(config(policy(KeepAliveConfig.Counting.BYTES, Duration.ofSeconds(120))));
    RawMqttConnection subscriber = subscriber(version, "receiver", "slow/#", MqttQos.AT_LEAST_ONCE);
    int keepAlive = 1;
    RawMqttConnection slow = client(version, "slow-link", keepAlive, null);
    Publish big = bigPublish(7, 4000);
    byte[] bytes = RawMqttConnection.encode(big, version);

    long start = System.nanoTime();
    int sent = slow.trickle(bytes, (bytes.length + PIECES - 1) / PIECES, PAUSE);
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(sent).as("bytes sent before any close").isEqualTo(bytes.length);
    assertThat(took).as("the packet took longer than 1.5 × keep alive to send")
        .isGreaterThan(seconds(1.5 * keepAlive));
    assertThat(slow.expect(Puback.class, WAIT).packetId()).isEqualTo(7);
    assertThat(slow.isClosed()).isFalse();
    Publish delivered = subscriber.expect(Publish.class, WAIT);
    assertThat(delivered.payload()).isEqualTo(big.payload());
    acknowledge(subscriber, delivered);
    assertThat(metrics().disconnects(DisconnectCause.KEEP_ALIVE_TIMEOUT)).isZero();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("KEEPALIVE.md: a packet still incomplete after the max packet arrival (2 s) is"
      + " disconnected then, though bytes keep coming and keep alive is 10 s (MQTT 5: DISCONNECT"
      + " 0x8D), and the will is published (MQTT-3.1.2-8)")
  void neverEndingPacket_whenMaxPacketArrivalPasses_thenDisconnected(MqttVersion version) {
    Duration maxArrival = Duration.ofSeconds(2);
    startBroker(config(policy(KeepAliveConfig.Counting.BYTES, maxArrival)));
    RawMqttConnection watcher = subscriber(version, "watcher", "#", MqttQos.AT_LEAST_ONCE);
    Will will = new Will("will/slow", bytes("too slow"), MqttQos.AT_MOST_ONCE, false);
    RawMqttConnection slow = client(version, "slow-loris", 10, will);
    byte[] bytes = RawMqttConnection.encode(bigPublish(3, 20_000), version);

    long start = System.nanoTime(); // before the packet's first byte
    int sent = slow.trickle(bytes, 40, Duration.ofMillis(200)); // 20 kB would take 100 s

    assertThat(sent).isLessThan(bytes.length);
    slow.expectClosed(WAIT);
    assertThat(slow.closedAfter(start)).isBetween(maxArrival, maxArrival.plus(SLACK));
    if (version.isV5()) {
      assertThat(slow.expect(Disconnect.class, WAIT).reasonCode())
          .isEqualTo(DisconnectReasonCode.KEEP_ALIVE_TIMEOUT);
    }
    Publish w = watcher.expect(Publish.class, WAIT);
    assertThat(w.topic()).as("only the will arrives, not the half-sent PUBLISH")
        .isEqualTo("will/slow");
    watcher.expectNothing(QUIET);
    awaitDisconnects(DisconnectCause.SLOW_PACKET, 1);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.2-24 (3.1.1) / MQTT-3.1.2-22 (5.0) read strictly (counting packets):"
      + " a trickled PUBLISH is silence, disconnected 1.5 × keep alive after the last whole"
      + " packet (MQTT 5: DISCONNECT 0x8D)")
  void trickledPublish_whenPacketsCount_thenDisconnectedAtOneAndAHalfKeepAlives(
      MqttVersion version) {
    startBroker(config(policy(KeepAliveConfig.Counting.PACKETS, Duration.ofSeconds(120))));
    RawMqttConnection subscriber = subscriber(version, "receiver", "slow/#", MqttQos.AT_LEAST_ONCE);
    int keepAlive = 1;
    RawMqttConnection slow = client(version, "slow-link", keepAlive, null);
    long lastWholePacket = slow.lastSentNanos(); // the CONNECT
    byte[] bytes = RawMqttConnection.encode(bigPublish(7, 4000), version);

    int sent = slow.trickle(bytes, (bytes.length + PIECES - 1) / PIECES, PAUSE);

    assertThat(sent).isLessThan(bytes.length);
    slow.expectClosed(WAIT);
    Duration limit = seconds(1.5 * keepAlive);
    assertThat(slow.closedAfter(lastWholePacket)).isBetween(limit, limit.plus(SLACK));
    if (version.isV5()) {
      assertThat(slow.expect(Disconnect.class, WAIT).reasonCode())
          .isEqualTo(DisconnectReasonCode.KEEP_ALIVE_TIMEOUT);
    }
    subscriber.expectNothing(QUIET);
    awaitDisconnects(DisconnectCause.KEEP_ALIVE_TIMEOUT, 1);
  }
}
