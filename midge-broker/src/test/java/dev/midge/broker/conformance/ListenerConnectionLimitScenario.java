package dev.midge.broker.conformance;

import static dev.midge.broker.conformance.Frames.expectHexWithoutReasonString;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.LimitsConfig;
import dev.midge.broker.config.ListenerConfig;
import dev.midge.broker.connection.ConnectionLimit;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.reason.ConnackReasonCode;
import dev.midge.testkit.RawMqttConnection;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * listeners[].max-connections: a listener's own bound on connected clients, on top of the
 * broker-wide limits.max-connections, refused the same way (CONNACK 0x89 Server busy, 0x03 Server
 * unavailable in MQTT 3.x) and counted in {@code midge.limits.reached{limit=listener-max-connections}}.
 */
@DisplayName("Limits: listeners[].max-connections")
class ListenerConnectionLimitScenario extends ConformanceScenario {
  private static final int SMALL = 0;
  private static final int OPEN = 1;

  /** Listener 0, "small", lets in {@code max}; listener 1, "open", has no limit of its own. */
  private static BrokerConfig twoListeners(int max, LimitsConfig limits) {
    ListenerConfig base = ListenerConfig.defaults().withKeepAlive(keepAlive()).withPort(0);
    return config(limits).withListeners(List.of(
        base.withName("small").withMaxConnections(max),
        base.withName("open").withHost("127.0.0.1")));
  }

  private double limitReached(String limit) {
    return counter("midge.limits.reached", "limit", limit);
  }

  private ConnectionLimit smallLimit() {
    return Objects.requireNonNull(broker.services().listenerConnectionLimit(
        broker.config().listeners().get(SMALL)));
  }

  private RawMqttConnection clientOn(int listener, MqttVersion version, String clientId) {
    RawMqttConnection c = open(listener, version);
    assertAccepted(c.connect(clientId, 0, true));
    return c;
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.2.2-7 (5.0) / MQTT-3.2.2-4, -5 (3.1.1): beyond listeners[].max-connections"
      + " a CONNECT on that listener gets CONNACK 0x89 Server busy (MQTT 3.x: 0x03) and is"
      + " closed, while another listener still lets clients in; a freed place is taken again")
  void connect_whenListenerFull_thenServerBusyThereOnly(MqttVersion version) {
    startBroker(twoListeners(2, LimitsConfig.DEFAULTS));
    clientOn(SMALL, version, "one");
    RawMqttConnection two = clientOn(SMALL, version, "two");

    RawMqttConnection three = open(SMALL, version);
    three.send(Connect.builder(version).clientId("three").keepAlive(0).cleanStart(true).build());

    assertThat(expectHexWithoutReasonString(three, Connack.class, WAIT))
        .isEqualTo(version.isV5() ? "20 03 00 89 00" : "20 02 00 03");
    three.expectClosed(WAIT);
    assertThat(limitReached("listener-max-connections")).isEqualTo(1);
    assertThat(limitReached("max-connections")).isZero();
    clientOn(OPEN, version, "elsewhere-1").ping(WAIT);
    clientOn(OPEN, version, "elsewhere-2").ping(WAIT);
    clientOn(OPEN, version, "elsewhere-3").ping(WAIT);

    two.disconnect();
    two.expectClosed(WAIT);
    await("place given back").atMost(WAIT).until(() -> smallLimit().held() == 1);
    clientOn(SMALL, version, "three").ping(WAIT);
    assertThat(smallLimit().held()).isEqualTo(2);
    assertThat(broker.services().connectionLimit().held()).isEqualTo(5);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.4-2 (3.1.1) / MQTT-3.1.4-3 (5.0): on a full listener a client taking"
      + " over its own connection on that listener is let in, and the old place comes free")
  void connect_whenListenerFullAndTakingOver_thenAccepted(MqttVersion version) {
    startBroker(twoListeners(1, LimitsConfig.DEFAULTS));
    RawMqttConnection old = clientOn(SMALL, version, "returning");

    RawMqttConnection fresh = clientOn(SMALL, version, "returning");

    old.expectClosed(WAIT);
    fresh.ping(WAIT);
    await("one place held").atMost(WAIT).until(() -> smallLimit().held() == 1);
    assertThat(limitReached("listener-max-connections")).isZero();
  }

  @Test
  @DisplayName("listeners[].max-connections: a client whose old connection is on another"
      + " listener gets no exemption on a full one (its old place frees nothing here)")
  void connect_whenListenerFullAndOldConnectionElsewhere_thenRefused() {
    startBroker(twoListeners(1, LimitsConfig.DEFAULTS));
    clientOn(SMALL, MqttVersion.V5, "holder");
    RawMqttConnection elsewhere = clientOn(OPEN, MqttVersion.V5, "wanderer");

    RawMqttConnection moving = open(SMALL, MqttVersion.V5);
    Connack connack = moving.connect("wanderer", 0, true);

    assertThat(connack.reasonCode()).isEqualTo(ConnackReasonCode.SERVER_BUSY);
    moving.expectClosed(WAIT);
    elsewhere.ping(WAIT); // not taken over: the refused CONNECT claimed nothing
    assertThat(limitReached("listener-max-connections")).isEqualTo(1);
  }

  @Test
  @DisplayName("listeners[].max-connections with limits.max-connections: the broker-wide limit"
      + " still counts the clients of every listener, and a refusal on the listener's limit"
      + " gives its broker-wide place back")
  void connect_whenBothLimits_thenEachHolds() {
    startBroker(twoListeners(1, LimitsConfig.DEFAULTS.withMaxConnections(2)));
    clientOn(SMALL, MqttVersion.V3_1_1, "small-1");
    RawMqttConnection refused = open(SMALL, MqttVersion.V3_1_1);
    assertThat(refused.connect("small-2", 0, true).reasonCode())
        .isEqualTo(ConnackReasonCode.SERVER_UNAVAILABLE);
    refused.expectClosed(WAIT);
    await().atMost(WAIT).until(() -> broker.services().connectionLimit().held() == 1);

    clientOn(OPEN, MqttVersion.V3_1_1, "open-1");
    RawMqttConnection globallyRefused = open(OPEN, MqttVersion.V3_1_1);
    assertThat(globallyRefused.connect("open-2", 0, true).reasonCode())
        .isEqualTo(ConnackReasonCode.SERVER_UNAVAILABLE);

    assertThat(limitReached("listener-max-connections")).isEqualTo(1);
    assertThat(limitReached("max-connections")).isEqualTo(1);
  }
}
