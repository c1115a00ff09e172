package dev.midge.broker.conformance;

import static dev.midge.testkit.RawPackets.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.broker.config.LimitsConfig;
import dev.midge.broker.metrics.DisconnectCause;
import dev.midge.broker.session.Session;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Pingreq;
import dev.midge.codec.packet.Pingresp;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Suback;
import dev.midge.codec.packet.Subscribe;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.ConnackReasonCode;
import dev.midge.codec.reason.SubackReasonCode;
import dev.midge.testkit.RawMqttConnection;
import dev.midge.testkit.RawPackets;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * CONNECT and CONNACK: client identifier rules, the session present flag, the connect flags'
 * rules, and what happens to packets sent right behind a CONNECT.
 *
 * <p>A CONNECT that does not conform is closed without CONNACK in 3.x (MQTT-3.1.4-1 of 3.1.1);
 * MQTT 5 allows a CONNACK with a reason code of 0x80 or more first (MQTT-3.1.4-1 of 5.0), and
 * Midge sends it.
 */
@DisplayName("CONNECT: client identifiers, session present, connect flags")
class ConnectScenario extends ConformanceScenario {

  /** The 3.x answer is silence; the 5.0 answer CONNACK 0x81. Either way the socket closes. */
  private void assertMalformedConnectRefused(RawMqttConnection c) {
    if (c.version().isV5()) {
      Connack ack = c.expect(Connack.class, WAIT);
      assertThat(ack.reasonCode()).isEqualTo(ConnackReasonCode.MALFORMED_PACKET);
      assertThat(ack.sessionPresent()).isFalse();
    }
    c.expectClosed(WAIT);
    if (!c.version().isV5()) {
      assertThat(c.received()).as("3.x: closed without CONNACK").isEmpty();
    }
    awaitDisconnects(DisconnectCause.PROTOCOL_ERROR, 1);
    assertThat(broker.services().sessions().size()).isZero();
  }

  /** The CONNACK refused with return code 2 (0x85 in 5.0), session present 0, then closed. */
  private void assertIdentifierRejected(RawMqttConnection c, Connack ack) {
    assertThat(ack.reasonCode()).isEqualTo(ConnackReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
    assertThat(ack.sessionPresent()).isFalse();
    if (!c.version().isV5()) {
      assertThat(c.received().get(0).hex()).isEqualTo("20 02 00 02");
    }
    c.expectClosed(WAIT);
    awaitDisconnects(DisconnectCause.CONNECT_REFUSED, 1);
  }

  // ---- client identifiers ----

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(value = MqttVersion.class, names = {"V3_1_1", "V5"})
  @DisplayName("MQTT-3.1.3-6 (3.1.1) / MQTT-3.1.3-6, MQTT-3.1.3-7, MQTT-3.2.2-16 (5.0): an empty"
      + " client identifier with clean start is accepted and a unique one assigned (told to MQTT"
      + " 5 clients in CONNACK)")
  void emptyClientId_whenCleanStart_thenAcceptedWithUniqueAssignedId(MqttVersion version) {
    startBroker();
    RawMqttConnection first = open(version);
    RawMqttConnection second = open(version);

    Connack ack1 = first.connect("", 0, true);
    Connack ack2 = second.connect("", 0, true);

    assertAccepted(ack1);
    assertAccepted(ack2);
    List<String> ids = broker.services().sessions().all().stream().map(Session::clientId).toList();
    assertThat(ids).hasSize(2).doesNotHaveDuplicates().allSatisfy(id -> assertThat(id).isNotEmpty());
    if (version.isV5()) {
      assertThat(List.of(ack1.properties().assignedClientIdentifier(),
          ack2.properties().assignedClientIdentifier())).containsExactlyInAnyOrderElementsOf(ids);
    } else {
      assertThat(ack1.properties().isEmpty()).isTrue();
    }
    // Each is a client like any other.
    first.subscribe(1, "assigned/#", MqttQos.AT_MOST_ONCE);
    second.send(publish("assigned/x", MqttQos.AT_MOST_ONCE, 0, "hi"));
    assertThat(text(first.expect(Publish.class, WAIT).payload())).isEqualTo("hi");
  }

  @Test
  @DisplayName("MQTT-3.1.3-8, MQTT-3.2.2-4, MQTT-3.2.2-5 (3.1.1): an empty client identifier with"
      + " clean session 0 is refused with return code 2, then the connection is closed")
  void emptyClientId_whenCleanSessionZero_thenIdentifierRejected() {
    startBroker();
    RawMqttConnection c = open(MqttVersion.V3_1_1);

    Connack ack = c.connect("", 0, false);

    assertIdentifierRejected(c, ack);
    assertThat(broker.services().sessions().size()).isZero();
  }

  @Test
  @DisplayName("MQTT-3.1.3-6, MQTT-3.1.3-7, MQTT-3.2.2-16 (5.0): MQTT 5 lets an empty client"
      + " identifier come with clean start 0; one is assigned")
  void emptyClientId_whenMqtt5WithoutCleanStart_thenAssigned() {
    startBroker();
    RawMqttConnection c = open(MqttVersion.V5);

    Connack ack = c.connect(Connect.builder(MqttVersion.V5).clientId("").cleanStart(false)
        .keepAlive(0).build());

    assertAccepted(ack);
    assertThat(ack.properties().assignedClientIdentifier()).isNotEmpty();
  }

  @Test
  @DisplayName("MQTT 3.1 section 3.1 (client identifier of 1 to 23 characters), as MQTT-3.1.3-9"
      + " (3.1.1): an empty client identifier is refused with return code 2")
  void emptyClientId_whenMqtt31_thenIdentifierRejected() {
    startBroker();
    RawMqttConnection c = open(MqttVersion.V3_1);

    Connack ack = c.connect("", 0, true);

    assertIdentifierRejected(c, ack);
  }

  @Test
  @DisplayName("MQTT 3.1 section 3.1, as MQTT-3.1.3-9 (3.1.1): a client identifier of 24"
      + " characters is refused with return code 2; 23 are accepted")
  void clientIdOf24Characters_whenMqtt31_thenIdentifierRejected() {
    startBroker();
    RawMqttConnection tooLong = open(MqttVersion.V3_1);

    Connack ack = tooLong.connect("a".repeat(24), 0, true);

    assertIdentifierRejected(tooLong, ack);
    assertAccepted(open(MqttVersion.V3_1).connect("b".repeat(23), 0, true));
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(value = MqttVersion.class, names = {"V3_1_1", "V5"})
  @DisplayName("MQTT-3.1.3-5: more than 23 bytes (and any character) may be allowed; Midge"
      + " accepts a 200-character identifier by default")
  void longClientId_whenMqtt311OrMqtt5_thenAccepted(MqttVersion version) {
    startBroker();
    String id = "client/ünïcode-" + "x".repeat(185);

    assertAccepted(open(version).connect(id, 0, true));
    assertThat(broker.services().sessions().get(id)).isNotNull();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.3-9 (3.1.1) / MQTT-3.1.3-8 (5.0), MQTT-3.1.4-5 (3.1.1) / MQTT-3.1.4-6"
      + " (5.0): an identifier over limits.max-client-id-length is refused (return code 2, 0x85"
      + " in 5.0), and a PUBLISH sent right behind the refused CONNECT is not processed")
  void clientIdOverConfiguredLimit_whenConnecting_thenRefusedAndFollowingPacketsIgnored(
      MqttVersion version) {
    startBroker(config(new LimitsConfig(LimitsConfig.DEFAULTS.maxPacketSize(), 23)));
    RawMqttConnection c = open(version);
    byte[] connect = RawMqttConnection.encode(
        Connect.builder(version).clientId("c".repeat(24)).keepAlive(0).build(), version);
    byte[] publish = RawMqttConnection.encode(
        retained("refused/retained", MqttQos.AT_MOST_ONCE, 0, "must not be kept"), version);

    c.sendRaw(RawPackets.concat(connect, publish));

    assertIdentifierRejected(c, c.expect(Connack.class, WAIT));
    assertThat(broker.services().retained().size()).as("the PUBLISH was not processed").isZero();
  }

  // ---- session present ----

  /** Makes a stored session for {@code clientId}: persistent, subscribed, then disconnected. */
  private void storeSession(MqttVersion version, String clientId) {
    RawMqttConnection c = open(version);
    assertAccepted(c.connect(persistent(version, clientId)));
    c.subscribe(1, "stored/#", MqttQos.AT_LEAST_ONCE);
    c.disconnect();
    c.expectClosed(WAIT);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.2.2-1 (3.1.1) / MQTT-3.2.2-2 (5.0): clean start 1 gets session present 0,"
      + " even though a session was stored")
  void sessionPresent_whenCleanStart_thenZero(MqttVersion version) {
    startBroker();
    storeSession(version, "returning");

    Connack ack = open(version).connect("returning", 0, true);

    assertAccepted(ack);
    assertThat(ack.sessionPresent()).isFalse();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.2.2-3 (3.1.1) / MQTT-3.2.2-3 (5.0): clean start 0 without a stored session"
      + " gets session present 0")
  void sessionPresent_whenNoStoredSession_thenZero(MqttVersion version) {
    startBroker();

    Connack ack = open(version).connect(persistent(version, "first-time"));

    assertAccepted(ack);
    assertThat(ack.sessionPresent()).isFalse();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(value = MqttVersion.class, names = {"V3_1_1", "V5"})
  @DisplayName("MQTT-3.2.2-2 (3.1.1) / MQTT-3.2.2-3 (5.0): clean start 0 with a stored session"
      + " gets session present 1")
  void sessionPresent_whenStoredSession_thenOne(MqttVersion version) {
    startBroker();
    storeSession(version, "returning");

    Connack ack = open(version).connect(persistent(version, "returning"));

    assertAccepted(ack);
    assertThat(ack.sessionPresent()).isTrue();
  }

  @Test
  @DisplayName("MQTT 3.1 section 3.2 (CONNACK byte 1 not used): an MQTT 3.1 client resuming a"
      + " stored session gets the session, but byte 1 of CONNACK stays 0")
  void sessionPresent_whenMqtt31ResumesSession_thenFlagByteZeroButSessionResumed() {
    startBroker();
    storeSession(MqttVersion.V3_1, "old-timer");
    RawMqttConnection publisher = client(MqttVersion.V3_1, "publisher");
    publishFully(publisher, publish("stored/x", MqttQos.AT_LEAST_ONCE, 1, "kept for you"));
    RawMqttConnection c = open(MqttVersion.V3_1);

    Connack ack = c.connect(persistent(MqttVersion.V3_1, "old-timer"));

    assertAccepted(ack);
    assertThat(c.received().get(0).hex()).isEqualTo("20 02 00 00");
    Publish queued = c.expect(Publish.class, WAIT);
    assertThat(text(queued.payload())).isEqualTo("kept for you");
    acknowledge(c, queued);
  }

  // ---- connect flags ----

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.2-3, MQTT-3.1.4-1: the reserved connect flag set — closed (3.x without"
      + " CONNACK; 5.0 after CONNACK 0x81)")
  void reservedConnectFlag_whenSet_thenClosed(MqttVersion version) {
    startBroker();
    RawMqttConnection c = open(version);

    c.sendRaw(rawConnect(version, 0x03, utf8("reserved")));

    assertMalformedConnectRefused(c);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.2-13, MQTT-3.1.2-11 (3.1.1) / MQTT-3.1.2-11 (5.0), MQTT-3.1.4-1: will QoS"
      + " 1 without the will flag — closed (3.x without CONNACK; 5.0 after CONNACK 0x81)")
  void willQosWithoutWillFlag_whenConnecting_thenClosed(MqttVersion version) {
    startBroker();
    RawMqttConnection c = open(version);

    c.sendRaw(rawConnect(version, 0x02 | 0x08, utf8("no-will")));

    assertMalformedConnectRefused(c);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.2-15, MQTT-3.1.2-11 (3.1.1) / MQTT-3.1.2-13 (5.0), MQTT-3.1.4-1: will"
      + " retain without the will flag — closed (3.x without CONNACK; 5.0 after CONNACK 0x81)")
  void willRetainWithoutWillFlag_whenConnecting_thenClosed(MqttVersion version) {
    startBroker();
    RawMqttConnection c = open(version);

    c.sendRaw(rawConnect(version, 0x02 | 0x20, utf8("no-will")));

    assertMalformedConnectRefused(c);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.2-14 (3.1.1) / MQTT-3.1.2-12 (5.0), MQTT-3.1.4-1: will QoS 3 — closed"
      + " (3.x without CONNACK; 5.0 after CONNACK 0x81)")
  void willQos3_whenConnecting_thenClosed(MqttVersion version) {
    startBroker();
    RawMqttConnection c = open(version);
    byte[] willProperties = version.isV5() ? RawPackets.bytes(0) : new byte[0];

    c.sendRaw(rawConnect(version, 0x02 | 0x04 | 0x18, utf8("bad-will"), willProperties,
        utf8("will/topic"), utf8("payload")));

    assertMalformedConnectRefused(c);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(value = MqttVersion.class, names = {"V3_1", "V3_1_1"})
  @DisplayName("MQTT-3.1.2-22, MQTT-3.1.4-1 (3.1.1): a password without a user name — closed"
      + " without CONNACK")
  void passwordWithoutUserName_whenMqtt3_thenClosedWithoutConnack(MqttVersion version) {
    startBroker();
    RawMqttConnection c = open(version);

    c.sendRaw(rawConnect(version, 0x02 | 0x40, utf8("secretive"), utf8("hunter2")));

    assertMalformedConnectRefused(c);
  }

  @Test
  @DisplayName("MQTT 5.0 section 3.1.2.9: MQTT 5 allows a password without a user name")
  void passwordWithoutUserName_whenMqtt5_thenAccepted() {
    startBroker();

    Connack ack = open(MqttVersion.V5).connect(Connect.builder(MqttVersion.V5)
        .clientId("token-holder").keepAlive(0).password(bytes("token")).build());

    assertAccepted(ack);
  }

  // ---- packets right behind CONNECT ----

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.2.0-1, 3.1.4 (clients may send packets right after CONNECT): SUBSCRIBE and"
      + " PINGREQ sent with the CONNECT are answered after the CONNACK, in order")
  void packetsRightBehindConnect_whenSentBeforeConnack_thenAnsweredAfterIt(MqttVersion version) {
    startBroker();
    RawMqttConnection c = open(version);
    byte[] connect = RawMqttConnection.encode(
        Connect.builder(version).clientId("eager").keepAlive(0).build(), version);
    byte[] subscribe = RawMqttConnection.encode(new Subscribe(3,
        List.of(new Subscription("eager/#", MqttQos.AT_LEAST_ONCE)), Properties.EMPTY), version);
    byte[] ping = RawMqttConnection.encode(Pingreq.INSTANCE, version);
    c.version(version);

    c.sendRaw(RawPackets.concat(connect, subscribe, ping));

    assertAccepted(c.expect(Connack.class, WAIT));
    Suback suback = c.expect(Suback.class, WAIT);
    assertThat(suback.packetId()).isEqualTo(3);
    assertThat(suback.reasonCodes()).containsExactly(SubackReasonCode.GRANTED_QOS_1);
    c.expect(Pingresp.class, WAIT);
  }
}
