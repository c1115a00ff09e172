package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.broker.metrics.DisconnectCause;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.testkit.RawMqttConnection;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A socket that never sends CONNECT is closed after the listener's connect timeout (1 s here):
 * "If the Server does not receive a CONNECT Packet within a reasonable amount of time after the
 * Network Connection is established, the Server SHOULD close the connection" (3.1.1 section
 * 3.1.4, 5.0 section 3.1.4; no statement id). Measured from just before the TCP connect to the
 * instant the broker closed the socket.
 */
@DisplayName("Connect timeout: a socket without CONNECT is closed")
class ConnectTimeoutScenario extends ConformanceScenario {

  @BeforeEach
  void start() {
    startBroker(); // connect timeout 1 s
  }

  @Test
  @DisplayName("3.1.4 (3.1.1, 5.0), no statement id: a socket that sends nothing is closed after"
      + " the connect timeout, having been sent nothing")
  void silentSocket_whenConnectTimeoutPasses_thenClosedWithoutAnswer() {
    RawMqttConnection socket = open(MqttVersion.V3_1_1);

    socket.expectClosed(CONNECT_TIMEOUT.plus(WAIT));

    assertThat(socket.closedAfter(socket.openedNanos()))
        .isBetween(CONNECT_TIMEOUT, CONNECT_TIMEOUT.plus(Duration.ofSeconds(1)));
    assertThat(socket.received()).as("no CONNACK, no DISCONNECT").isEmpty();
    awaitDisconnects(DisconnectCause.CONNECT_TIMEOUT, 1);
    assertThat(metrics().connections()).isZero();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("3.1.4 (3.1.1, 5.0), no statement id: bytes of a CONNECT that never completes do"
      + " not hold the socket open past the connect timeout")
  void partialConnect_whenConnectTimeoutPasses_thenClosed(MqttVersion version) {
    RawMqttConnection socket = open(version);
    byte[] connect = RawMqttConnection.encode(
        Connect.builder(version).clientId("partial").keepAlive(60).build(), version);
    socket.sendRaw(Arrays.copyOf(connect, connect.length - 3));
    socket.expectNothing(Duration.ofMillis(500));
    socket.sendRaw(connect[connect.length - 3]); // a byte more, still incomplete

    socket.expectClosed(CONNECT_TIMEOUT.plus(WAIT));

    assertThat(socket.closedAfter(socket.openedNanos()))
        .isBetween(CONNECT_TIMEOUT, CONNECT_TIMEOUT.plus(Duration.ofSeconds(1)));
    assertThat(socket.received()).isEmpty();
    awaitDisconnects(DisconnectCause.CONNECT_TIMEOUT, 1);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("3.1.4 (3.1.1, 5.0), no statement id: a CONNECT that arrives in time ends the"
      + " connect timeout; with keep alive 0 the connection then stays open")
  void lateButInTimeConnect_whenAccepted_thenConnectTimeoutNoLongerApplies(MqttVersion version) {
    RawMqttConnection client = open(version);
    client.expectNothing(Duration.ofMillis(600));

    Connack ack = client.connect("just-in-time", 0, true);

    assertAccepted(ack);
    client.expectNothing(CONNECT_TIMEOUT.plus(Duration.ofMillis(500)));
    client.ping(WAIT);
    assertThat(metrics().disconnects(DisconnectCause.CONNECT_TIMEOUT)).isZero();
  }
}
