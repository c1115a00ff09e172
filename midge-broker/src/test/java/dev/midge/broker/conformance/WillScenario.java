package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.broker.metrics.DisconnectCause;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Will;
import dev.midge.codec.reason.DisconnectReasonCode;
import dev.midge.testkit.RawMqttConnection;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The will: published when the connection ends any way but a normal DISCONNECT — the client
 * closing or resetting the socket, a protocol error, a keep-alive timeout, a takeover — with the
 * will's QoS and retain flag; discarded by DISCONNECT (MQTT 5: unless its reason code asks for it,
 * and only 0x00 deletes it).
 */
@DisplayName("Will: published on every abnormal end, discarded by DISCONNECT")
class WillScenario extends ConformanceScenario {
  private static final Will WILL = new Will("will/client", bytes("goodbye"), MqttQos.AT_LEAST_ONCE,
      false);

  @BeforeEach
  void start() {
    startBroker();
  }

  /** Asserts the watcher gets exactly the will {@link #WILL}, once. */
  private static void assertWillPublished(RawMqttConnection watcher) {
    List<Publish> got = drain(watcher);
    assertThat(topics(got)).containsExactly("will/client");
    assertThat(text(got.get(0).payload())).isEqualTo("goodbye");
    assertThat(got.get(0).qos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.2-8: the client closing its socket without DISCONNECT gets its will"
      + " published")
  void socketClosed_whenNoDisconnect_thenWillPublished(MqttVersion version) {
    RawMqttConnection watcher = subscriber(version, "watcher", "will/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection c = client(version, "mortal", 0, WILL);

    c.close();

    assertWillPublished(watcher);
    awaitDisconnects(DisconnectCause.NETWORK, 1);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.2-8: a connection reset (a crashed client, a broken network) gets the"
      + " will published")
  void socketReset_whenNoDisconnect_thenWillPublished(MqttVersion version) {
    RawMqttConnection watcher = subscriber(version, "watcher", "will/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection c = client(version, "crasher", 0, WILL);

    c.abort();

    assertWillPublished(watcher);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.2-8: the server closing the connection for a protocol error publishes"
      + " the will")
  void protocolError_whenServerCloses_thenWillPublished(MqttVersion version) {
    RawMqttConnection watcher = subscriber(version, "watcher", "will/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection c = client(version, "rulebreaker", 0, WILL);

    c.sendHex("36 00"); // PUBLISH with QoS 3

    c.expectClosed(WAIT);
    assertWillPublished(watcher);
    awaitDisconnects(DisconnectCause.PROTOCOL_ERROR, 1);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.2-8, MQTT-3.1.2-24 (3.1.1) / MQTT-3.1.2-22 (5.0): a keep-alive timeout"
      + " publishes the will")
  void keepAliveTimeout_whenServerCloses_thenWillPublished(MqttVersion version) {
    RawMqttConnection watcher = subscriber(version, "watcher", "will/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection c = client(version, "sleeper", 1, WILL);

    c.expectClosed(seconds(1.5).plus(WAIT));

    assertWillPublished(watcher);
    awaitDisconnects(DisconnectCause.KEEP_ALIVE_TIMEOUT, 1);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.2-8, MQTT-3.1.4-2 (3.1.1) / MQTT-3.1.4-3 (5.0): a connection taken over"
      + " by a new one with the same client id publishes its will (no will delay)")
  void takeover_whenNewConnectionSameId_thenOldWillPublished(MqttVersion version) {
    RawMqttConnection watcher = subscriber(version, "watcher", "will/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection old = client(version, "twin", 0, WILL);

    RawMqttConnection fresh = client(version, "twin", 0, null);

    old.expectClosed(WAIT);
    assertWillPublished(watcher);
    fresh.ping(WAIT);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.14.4-3, MQTT-3.1.2-10: after a normal DISCONNECT the will is discarded —"
      + " not published, not retained")
  void disconnect_whenNormal_thenWillDiscarded(MqttVersion version) {
    RawMqttConnection watcher = subscriber(version, "watcher", "will/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection c = client(version, "polite", 0,
        new Will("will/client", bytes("goodbye"), MqttQos.AT_LEAST_ONCE, true));

    c.disconnect();

    c.expectClosed(WAIT);
    awaitDisconnects(DisconnectCause.CLIENT_DISCONNECT, 1);
    watcher.expectNothing(QUIET);
    assertThat(broker.services().retained().size()).isZero();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.2-17 (3.1.1) / MQTT-3.1.2-15 (5.0), MQTT-3.3.1-9 (3.1.1): will QoS 2"
      + " with Will Retain — forwarded at QoS 2 with RETAIN 0, and retained for later"
      + " subscribers (RETAIN 1)")
  void willQos2Retained_whenPublished_thenQosAndRetainHonoured(MqttVersion version) {
    RawMqttConnection watcher = subscriber(version, "watcher", "will/#", MqttQos.EXACTLY_ONCE);
    RawMqttConnection c = client(version, "important", 0,
        new Will("will/important", bytes("last words"), MqttQos.EXACTLY_ONCE, true));

    c.close();

    List<Publish> live = drain(watcher);
    assertThat(live).hasSize(1);
    assertThat(live.get(0).qos()).isEqualTo(MqttQos.EXACTLY_ONCE);
    assertThat(live.get(0).retain()).isFalse();
    RawMqttConnection late = client(version, "late");
    late.subscribe(1, "will/#", MqttQos.EXACTLY_ONCE);
    List<Publish> retained = drain(late);
    assertThat(payloads(retained)).containsExactly("last words");
    assertThat(retained.get(0).retain()).isTrue();
    assertThat(retained.get(0).qos()).isEqualTo(MqttQos.EXACTLY_ONCE);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.2-16 (3.1.1) / MQTT-3.1.2-14 (5.0): will QoS 0 without Will Retain —"
      + " forwarded at QoS 0 and not retained")
  void willQos0NotRetained_whenPublished_thenQos0AndNotRetained(MqttVersion version) {
    RawMqttConnection watcher = subscriber(version, "watcher", "will/#", MqttQos.EXACTLY_ONCE);
    RawMqttConnection c = client(version, "casual", 0,
        new Will("will/casual", bytes("bye"), MqttQos.AT_MOST_ONCE, false));

    c.close();

    List<Publish> live = drain(watcher);
    assertThat(live).extracting(Publish::qos).containsExactly(MqttQos.AT_MOST_ONCE);
    assertThat(broker.services().retained().size()).isZero();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.2-12 (3.1.1): without the will flag nothing is published when the"
      + " connection ends")
  void noWill_whenSocketClosed_thenNothingPublished(MqttVersion version) {
    RawMqttConnection watcher = subscriber(version, "watcher", "#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection c = client(version, "willless", 0, null);

    c.close();

    awaitDisconnects(DisconnectCause.NETWORK, 1);
    watcher.expectNothing(QUIET);
  }

  @Test
  @DisplayName("MQTT-3.1.2-8 (5.0), 3.14.2.1: DISCONNECT 0x04 (Disconnect with Will Message)"
      + " publishes the will")
  void disconnectWithWillMessage_whenMqtt5_thenWillPublished() {
    RawMqttConnection watcher = subscriber(MqttVersion.V5, "watcher", "will/#",
        MqttQos.AT_LEAST_ONCE);
    RawMqttConnection c = client(MqttVersion.V5, "dramatic", 0, WILL);

    c.send(new Disconnect(DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE));

    c.expectClosed(WAIT);
    assertWillPublished(watcher);
  }

  @ParameterizedTest(name = "DISCONNECT 0x{0}")
  @ValueSource(strings = {"80", "83", "93"})
  @DisplayName("MQTT-3.1.2-8, MQTT-3.14.4-3 (5.0): only DISCONNECT 0x00 deletes the will; a client"
      + " DISCONNECT reporting an error publishes it")
  void disconnectWithErrorCode_whenMqtt5_thenWillPublished(String code) {
    RawMqttConnection watcher = subscriber(MqttVersion.V5, "watcher", "will/#",
        MqttQos.AT_LEAST_ONCE);
    RawMqttConnection c = client(MqttVersion.V5, "failing", 0, WILL);

    c.send(new Disconnect(DisconnectReasonCode.of(Integer.parseInt(code, 16))));

    c.expectClosed(WAIT);
    assertWillPublished(watcher);
  }
}
