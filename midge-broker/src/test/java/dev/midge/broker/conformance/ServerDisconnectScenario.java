package dev.midge.broker.conformance;

import static dev.midge.broker.conformance.Frames.assertClosedSilently;
import static dev.midge.broker.conformance.Frames.expectHexWithoutReasonString;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.LimitsConfig;
import dev.midge.broker.config.MqttConfig;
import dev.midge.broker.metrics.DisconnectCause;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Pubrec;
import dev.midge.codec.packet.Will;
import dev.midge.codec.property.Properties;
import dev.midge.testkit.RawMqttConnection;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every DISCONNECT the broker sends an MQTT 5 client, byte for byte (§3.14, §4.13): the reason
 * code of each server-side cause, the Server Reference of a redirection on shutdown (§4.11), and
 * the administrative disconnect of {@code MidgeBroker.disconnectClient} (0x98). MQTT 3.x clients,
 * which have no DISCONNECT from a server, are closed; the will goes in every case, as none of
 * these is the client's own normal DISCONNECT.
 */
@DisplayName("Server DISCONNECT: every reason code on the wire (MQTT 5 §3.14, §4.13)")
class ServerDisconnectScenario extends ConformanceScenario {
  private static final String VICTIM = "victim";
  private static final Will WILL = new Will("will/victim", bytes("gone"), MqttQos.AT_MOST_ONCE,
      false);
  /** Server Reference "other:1883": property 0x1C, a 10-byte string. */
  private static final String REFERENCE_PROPERTY = "0d 1c 00 0a 6f 74 68 65 72 3a 31 38 38 33";

  /** One server-side cause: the broker it needs, how to provoke it, and the bytes that result. */
  enum Provocation {
    MALFORMED_PACKET("MQTT-4.13.1-1: malformed input (a five-byte remaining length)",
        ConformanceScenario::config, 0, (t, c) -> c.sendHex("30 ff ff ff ff 7f"),
        "e0 01 81", DisconnectCause.PROTOCOL_ERROR),
    PROTOCOL_ERROR("MQTT-3.1.0-2: a second CONNECT", ConformanceScenario::config, 0,
        (t, c) -> c.send(Connect.builder(MqttVersion.V5).clientId(VICTIM).build()),
        "e0 01 82", DisconnectCause.PROTOCOL_ERROR),
    SERVER_SHUTTING_DOWN("§4.13: the broker stops", ConformanceScenario::config, 0,
        (t, c) -> t.broker.close(), "e0 01 8b", DisconnectCause.SERVER_SHUTDOWN),
    KEEP_ALIVE_TIMEOUT("MQTT-3.1.2-22: nothing for 1.5 × keep alive",
        ConformanceScenario::config, 1, (t, c) -> { }, "e0 01 8d",
        DisconnectCause.KEEP_ALIVE_TIMEOUT),
    SESSION_TAKEN_OVER("MQTT-3.1.4-3: another connection with the client identifier (its clean"
        + " start ends the old session, so the will goes at once)",
        ConformanceScenario::config, 0, (t, c) -> t.client(MqttVersion.V5, VICTIM),
        "e0 01 8e", DisconnectCause.TAKEOVER),
    RECEIVE_MAXIMUM_EXCEEDED("MQTT-3.3.4-7: beyond mqtt.receive-maximum 1",
        () -> config().withMqtt(MqttConfig.DEFAULTS.withReceiveMaximum(1)), 0, (t, c) -> {
          c.send(publish("rm", MqttQos.EXACTLY_ONCE, 1, "x"));
          c.expect(Pubrec.class, WAIT);
          c.send(publish("rm", MqttQos.EXACTLY_ONCE, 2, "x"));
        }, "e0 01 93", DisconnectCause.PROTOCOL_ERROR),
    TOPIC_ALIAS_INVALID("MQTT-3.3.2-8: topic alias 0", ConformanceScenario::config, 0,
        (t, c) -> c.send(publish("a", MqttQos.AT_MOST_ONCE, 0, "x")
            .withProperties(Properties.builder().topicAlias(0).build())),
        "e0 01 94", DisconnectCause.PROTOCOL_ERROR),
    PACKET_TOO_LARGE("MQTT-3.2.2-15: beyond limits.max-packet-size 64",
        () -> config(new LimitsConfig(64, LimitsConfig.DEFAULTS.maxClientIdLength())), 0,
        (t, c) -> c.send(publish("big", MqttQos.AT_MOST_ONCE, 0, "x".repeat(100))),
        "e0 01 95", DisconnectCause.PROTOCOL_ERROR),
    QUOTA_EXCEEDED("§4.13: a retained QoS 0 PUBLISH beyond limits.max-retained-messages 1",
        () -> config(LimitsConfig.DEFAULTS.withMaxRetainedMessages(1)), 0, (t, c) -> {
          publishFully(c, retained("q/1", MqttQos.AT_MOST_ONCE, 0, "x"));
          c.send(retained("q/2", MqttQos.AT_MOST_ONCE, 0, "x"));
        }, "e0 01 97", DisconnectCause.QUOTA_EXCEEDED),
    ADMINISTRATIVE_ACTION("§4.13: MidgeBroker.disconnectClient", ConformanceScenario::config, 0,
        (t, c) -> assertThat(t.broker.disconnectClient(VICTIM)).isTrue(), "e0 01 98",
        DisconnectCause.ADMINISTRATIVE),
    RETAIN_NOT_SUPPORTED("MQTT-3.2.2-14: a retained PUBLISH with mqtt.retain-available false",
        () -> config().withMqtt(MqttConfig.DEFAULTS.withRetainAvailable(false)), 0,
        (t, c) -> c.send(retained("r", MqttQos.AT_MOST_ONCE, 0, "x")), "e0 01 9a",
        DisconnectCause.PROTOCOL_ERROR),
    QOS_NOT_SUPPORTED("MQTT-3.2.2-11: a QoS 1 PUBLISH with mqtt.maximum-qos 0",
        () -> config().withMqtt(MqttConfig.DEFAULTS.withMaximumQos(0)), 0,
        (t, c) -> c.send(publish("q", MqttQos.AT_LEAST_ONCE, 1, "x")), "e0 01 9b",
        DisconnectCause.PROTOCOL_ERROR),
    USE_ANOTHER_SERVER("§4.11: the broker stops with mqtt.server-reference",
        () -> config().withMqtt(MqttConfig.DEFAULTS.withServerReference("other:1883", false)), 0,
        (t, c) -> t.broker.close(), "e0 0f 9c " + REFERENCE_PROPERTY,
        DisconnectCause.SERVER_SHUTDOWN),
    SERVER_MOVED("§4.11: the broker stops with mqtt.server-reference and server-moved",
        () -> config().withMqtt(MqttConfig.DEFAULTS.withServerReference("other:1883", true)), 0,
        (t, c) -> t.broker.close(), "e0 0f 9d " + REFERENCE_PROPERTY,
        DisconnectCause.SERVER_SHUTDOWN);

    final String what;
    final Supplier<BrokerConfig> config;
    final int keepAlive;
    final BiConsumer<ServerDisconnectScenario, RawMqttConnection> provoke;
    final String hex;
    final DisconnectCause cause;

    Provocation(String what, Supplier<BrokerConfig> config, int keepAlive,
        BiConsumer<ServerDisconnectScenario, RawMqttConnection> provoke, String hex,
        DisconnectCause cause) {
      this.what = what;
      this.config = config;
      this.keepAlive = keepAlive;
      this.provoke = provoke;
      this.hex = hex;
      this.cause = cause;
    }

    @Override
    public String toString() {
      return hex.substring(6, 8) + " " + name() + " (" + what + ")";
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Provocation.class)
  @DisplayName("MQTT-4.13.1-1, §4.13.2, MQTT-3.14.2-1: each server-side cause sends DISCONNECT"
      + " with its reason code, then closes; the will is published")
  void serverSideCause_whenProvoked_thenDisconnectWithReasonCode(Provocation p) {
    startBroker(p.config.get());
    RawMqttConnection watcher = null;
    if (p.cause != DisconnectCause.SERVER_SHUTDOWN) {
      watcher = subscriber(MqttVersion.V5, "watcher", "will/#", MqttQos.AT_MOST_ONCE);
    }
    RawMqttConnection c = client(MqttVersion.V5, VICTIM, p.keepAlive, WILL);

    p.provoke.accept(this, c);

    assertThat(expectHexWithoutReasonString(c, Disconnect.class, WAIT)).isEqualTo(p.hex);
    c.expectClosed(WAIT);
    awaitDisconnects(p.cause, 1);
    if (watcher != null) {
      assertThat(topics(drain(watcher))).containsExactly(WILL.topic());
    }
  }

  // ---- shutdown with a server reference ----

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(value = MqttVersion.class, names = {"V3_1", "V3_1_1"})
  @DisplayName("§4.11: MQTT 3.x, which has no redirection, is simply closed when the broker stops"
      + " with mqtt.server-reference")
  void shutdown_whenServerReferenceAnd3x_thenClosed(MqttVersion version) {
    startBroker(config().withMqtt(MqttConfig.DEFAULTS.withServerReference("other:1883", false)));
    RawMqttConnection c = client(version, VICTIM);

    broker.close();

    assertClosedSilently(c, 1, WAIT);
  }

  @Test
  @DisplayName("MQTT-3.1.2-24: a Server Reference that would make the DISCONNECT larger than the"
      + " client's Maximum Packet Size is left out; the reason code 0x9C still goes")
  void shutdown_whenReferenceTooLargeForClient_thenReasonCodeAlone() {
    startBroker(config().withMqtt(MqttConfig.DEFAULTS.withServerReference("other:1883", false)));
    RawMqttConnection c = client(Connect.builder(MqttVersion.V5).clientId(VICTIM).keepAlive(0)
        .cleanStart(true).properties(Properties.builder().maximumPacketSize(16).build()).build());

    broker.close();

    assertThat(expectHexWithoutReasonString(c, Disconnect.class, WAIT)).isEqualTo("e0 01 9c");
    c.expectClosed(WAIT);
  }

  // ---- MidgeBroker.disconnectClient ----

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("§4.13: MidgeBroker.disconnectClient sends DISCONNECT 0x98 (MQTT 3.x: closes), the"
      + " will is published (MQTT-3.1.2-8) and only that client goes")
  void disconnectClient_whenConnected_thenDisconnectedWithWill(MqttVersion version) {
    startBroker();
    RawMqttConnection watcher = subscriber(version, "watcher", "will/#", MqttQos.AT_MOST_ONCE);
    RawMqttConnection c = client(version, VICTIM, 0, WILL);

    assertThat(broker.disconnectClient(VICTIM)).isTrue();

    if (version.isV5()) {
      assertThat(expectHexWithoutReasonString(c, Disconnect.class, WAIT)).isEqualTo("e0 01 98");
      c.expectClosed(WAIT);
    } else {
      assertClosedSilently(c, 1, WAIT);
    }
    List<Publish> got = drain(watcher);
    assertThat(topics(got)).containsExactly(WILL.topic());
    awaitDisconnects(DisconnectCause.ADMINISTRATIVE, 1);
    watcher.ping(WAIT);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(value = MqttVersion.class, names = {"V3_1_1", "V5"})
  @DisplayName("MQTT-3.2.2-3 (5.0) / MQTT-3.2.2-2 (3.1.1): after MidgeBroker.disconnectClient a"
      + " persistent session is kept, and the client resumes it")
  void disconnectClient_whenPersistentSession_thenSessionKept(MqttVersion version) {
    startBroker();
    Connect connect = persistent(version, VICTIM);
    RawMqttConnection c = client(connect);
    c.subscribe(1, "kept/#", MqttQos.AT_LEAST_ONCE);

    assertThat(broker.disconnectClient(VICTIM)).isTrue();
    c.expectClosed(WAIT);
    awaitDisconnects(DisconnectCause.ADMINISTRATIVE, 1);

    RawMqttConnection back = open(version);
    Connack ack = back.connect(connect);
    assertAccepted(ack);
    assertThat(ack.sessionPresent()).isTrue();
  }

  @Test
  @DisplayName("MidgeBroker.disconnectClient is false for an unknown client, an offline session,"
      + " and a client already disconnected")
  void disconnectClient_whenNotConnected_thenFalse() {
    startBroker();
    assertThat(broker.disconnectClient("nobody")).isFalse();
    RawMqttConnection c = client(persistent(MqttVersion.V5, VICTIM));
    c.disconnect();
    c.expectClosed(WAIT);
    await("offline").atMost(WAIT)
        .until(() -> broker.services().sessions().get(VICTIM).claimedBy() == null);
    assertThat(broker.disconnectClient(VICTIM)).as("offline session").isFalse();
    awaitDisconnects(DisconnectCause.CLIENT_DISCONNECT, 1);
    assertThat(metrics().disconnects(DisconnectCause.ADMINISTRATIVE)).isZero();
  }
}
