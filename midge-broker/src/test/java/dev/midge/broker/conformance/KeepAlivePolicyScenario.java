package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.broker.config.KeepAliveConfig;
import dev.midge.broker.config.KeepAliveConfig.OutOfRange;
import dev.midge.broker.metrics.DisconnectCause;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.reason.ConnackReasonCode;
import dev.midge.codec.reason.DisconnectReasonCode;
import dev.midge.testkit.RawMqttConnection;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A listener's keep-alive policy (DESIGN.md, "Keep Alive"): a minimum and a maximum; MQTT 3.x
 * clients outside the range are clamped silently or refused (CONNACK return code 2, the only code
 * 3.x has, the log saying why); keep alive 0 may be forbidden; MQTT 5 clients are never refused
 * but told the value to use through Server Keep Alive, and timed out on it.
 */
@DisplayName("Keep-alive policy: minimum, maximum, clamp or refuse, keep alive 0, Server Keep Alive")
class KeepAlivePolicyScenario extends ConformanceScenario {

  private void startWith(int min, int max, OutOfRange outOfRange, boolean allowZero) {
    startBroker(config(keepAlive(min, max, outOfRange, allowZero)));
  }

  /** Asserts the client is closed 1.5 × {@code effective} after its last packet. */
  private static void assertTimedOutAfter(RawMqttConnection c, int effective) {
    Duration limit = seconds(1.5 * effective);
    c.expectClosed(limit.plus(WAIT));
    assertThat(c.closedAfterLastSend()).isBetween(limit, limit.plus(SLACK));
    if (c.version().isV5()) {
      assertThat(c.expect(Disconnect.class, WAIT).reasonCode())
          .isEqualTo(DisconnectReasonCode.KEEP_ALIVE_TIMEOUT);
    }
  }

  // ---- MQTT 3.x: clamp ----

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(value = MqttVersion.class, names = {"V3_1", "V3_1_1"})
  @DisplayName("MQTT-3.1.2-24 (3.1.1) on the clamped value: keep alive 1 s below a 2 s minimum"
      + " is raised to 2 s, and the client is timed out after 3 s")
  void belowMinimum_whenClamp_thenRaisedToMinimumAndTimedOutOnIt(MqttVersion version) {
    startWith(2, 3, OutOfRange.CLAMP, true);
    RawMqttConnection c = open(version);
    assertAccepted(c.connect("too-eager", 1, true));

    assertThat(connectionOf("too-eager").keepAliveEffective()).isEqualTo(2);
    assertTimedOutAfter(c, 2);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(value = MqttVersion.class, names = {"V3_1", "V3_1_1"})
  @DisplayName("MQTT-3.1.2-24 (3.1.1) on the clamped value: keep alive 600 s above a 2 s maximum"
      + " is lowered to 2 s, and the client is timed out after 3 s")
  void aboveMaximum_whenClamp_thenLoweredToMaximumAndTimedOutOnIt(MqttVersion version) {
    startWith(1, 2, OutOfRange.CLAMP, true);
    RawMqttConnection c = open(version);
    assertAccepted(c.connect("too-lazy", 600, true));

    assertThat(connectionOf("too-lazy").keepAliveEffective()).isEqualTo(2);
    assertTimedOutAfter(c, 2);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(value = MqttVersion.class, names = {"V3_1", "V3_1_1"})
  @DisplayName("MQTT-3.1.2-24 (3.1.1) on the clamped value: keep alive 0 where 0 is not allowed"
      + " becomes the maximum, and the client is timed out on it")
  void zero_whenNotAllowedAndClamp_thenMaximum(MqttVersion version) {
    startWith(0, 2, OutOfRange.CLAMP, false);
    RawMqttConnection c = open(version);
    assertAccepted(c.connect("no-keep-alive", 0, true));

    assertThat(connectionOf("no-keep-alive").keepAliveEffective()).isEqualTo(2);
    assertTimedOutAfter(c, 2);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(value = MqttVersion.class, names = {"V3_1", "V3_1_1"})
  @DisplayName("MQTT-3.1.2-24 (3.1.1): a keep alive inside the range is used as asked")
  void inRange_whenAnyPolicy_thenUsedAsAsked(MqttVersion version) {
    startWith(1, 30, OutOfRange.REFUSE, false);
    RawMqttConnection c = open(version);
    assertAccepted(c.connect("just-right", 17, true));

    assertThat(connectionOf("just-right").keepAliveEffective()).isEqualTo(17);
    assertThat(connectionOf("just-right").keepAliveRequested()).isEqualTo(17);
  }

  // ---- MQTT 3.x: refuse ----

  static Stream<Arguments> refusedKeepAlives() {
    return Stream.of(MqttVersion.V3_1, MqttVersion.V3_1_1).flatMap(v -> Stream.of(
        Arguments.of(v, 1, "below the minimum"),
        Arguments.of(v, 600, "above the maximum"),
        Arguments.of(v, 0, "0 where 0 is not allowed")));
  }

  @ParameterizedTest(name = "MQTT {0}, keep alive {1} s ({2})")
  @MethodSource("refusedKeepAlives")
  @DisplayName("MQTT-3.2.2-4, MQTT-3.2.2-5 (3.1.1): out of range with the refuse policy —"
      + " CONNACK return code 2 with session present 0, then the connection is closed")
  void outOfRange_whenRefuse_thenConnackReturnCode2AndClosed(MqttVersion version, int keepAlive,
      String why) {
    startWith(2, 3, OutOfRange.REFUSE, false);
    RawMqttConnection c = open(version);

    Connack ack = c.connect("refused", keepAlive, true);

    assertThat(ack.reasonCode()).isEqualTo(ConnackReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
    assertThat(c.received().get(0).hex()).as("3.x CONNACK, return code 2").isEqualTo("20 02 00 02");
    c.expectClosed(WAIT);
    awaitDisconnects(DisconnectCause.CONNECT_REFUSED, 1);
    assertThat(metrics().connections()).isZero();
  }

  // ---- MQTT 5: Server Keep Alive ----

  @Test
  @DisplayName("MQTT-3.2.2-21 (5.0), MQTT-3.1.2-22 (5.0) on the imposed value: keep alive 600 s"
      + " above a 2 s maximum is answered with Server Keep Alive 2 and timed out after 3 s with"
      + " DISCONNECT 0x8D; the refuse policy does not apply to MQTT 5")
  void mqtt5AboveMaximum_whenConnecting_thenServerKeepAliveAndTimedOutOnIt() {
    startWith(1, 2, OutOfRange.REFUSE, true);
    RawMqttConnection c = open(MqttVersion.V5);

    Connack ack = c.connect("v5-lazy", 600, true);

    assertAccepted(ack);
    assertThat(ack.properties().serverKeepAlive()).isEqualTo(2);
    assertTimedOutAfter(c, 2);
    awaitDisconnects(DisconnectCause.KEEP_ALIVE_TIMEOUT, 1);
  }

  @Test
  @DisplayName("MQTT-3.2.2-21 (5.0): keep alive 1 s below a 2 s minimum is answered with Server"
      + " Keep Alive 2")
  void mqtt5BelowMinimum_whenConnecting_thenServerKeepAliveMinimum() {
    startWith(2, 3, OutOfRange.REFUSE, true);
    RawMqttConnection c = open(MqttVersion.V5);

    Connack ack = c.connect("v5-eager", 1, true);

    assertAccepted(ack);
    assertThat(ack.properties().serverKeepAlive()).isEqualTo(2);
    assertThat(connectionOf("v5-eager").keepAliveEffective()).isEqualTo(2);
  }

  @Test
  @DisplayName("MQTT-3.2.2-21 (5.0), MQTT-3.1.2-22 (5.0): keep alive 0 where 0 is not allowed"
      + " is answered with Server Keep Alive = the maximum, and timed out on it")
  void mqtt5Zero_whenNotAllowed_thenServerKeepAliveMaximumAndTimedOut() {
    startWith(0, 2, OutOfRange.REFUSE, false);
    RawMqttConnection c = open(MqttVersion.V5);

    Connack ack = c.connect("v5-zero", 0, true);

    assertAccepted(ack);
    assertThat(ack.properties().serverKeepAlive()).isEqualTo(2);
    assertTimedOutAfter(c, 2);
  }

  @Test
  @DisplayName("MQTT-3.2.2-22 (5.0): a keep alive inside the range gets no Server Keep Alive and"
      + " is used as asked")
  void mqtt5InRange_whenConnecting_thenNoServerKeepAlive() {
    startWith(1, 30, OutOfRange.REFUSE, false);
    RawMqttConnection c = open(MqttVersion.V5);

    Connack ack = c.connect("v5-right", 17, true);

    assertAccepted(ack);
    assertThat(ack.properties().serverKeepAlive()).isNull();
    assertThat(connectionOf("v5-right").keepAliveEffective()).isEqualTo(17);
  }
}
