package dev.midge.broker.conformance;

import static dev.midge.testkit.RawPackets.frame;
import static dev.midge.testkit.RawPackets.lengthPrefixed;
import static dev.midge.testkit.RawPackets.u16;
import static dev.midge.testkit.RawPackets.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.config.LimitsConfig;
import dev.midge.broker.metrics.DisconnectCause;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Subscribe;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.ConnackReasonCode;
import dev.midge.codec.reason.DisconnectReasonCode;
import dev.midge.testkit.Hex;
import dev.midge.testkit.RawMqttConnection;
import dev.midge.testkit.RawPackets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed input and protocol errors, one test per input, each sent as raw bytes: the connection
 * is closed (MQTT-4.8.0-1 in 3.1.1, MQTT-4.13.1-1 in 5.0) — an MQTT 5 client that was connected
 * hears why first, in a DISCONNECT with the reason code; a CONNECT that fails is answered as
 * {@code MqttConnection.onDecodeFailure} does — and the broker carries on: it counts a protocol
 * error, and a second client on the same broker still connects, subscribes and receives a message.
 */
@DisplayName("Malformed input: closed with the right reason, the broker carries on")
class MalformedInputScenario extends ConformanceScenario {
  private static final int MAX_PACKET_SIZE = 1024;

  @BeforeEach
  void start() {
    startBroker(config(new LimitsConfig(MAX_PACKET_SIZE, LimitsConfig.DEFAULTS.maxClientIdLength())));
  }

  /** A connected client that is about to misbehave. */
  private RawMqttConnection offender(MqttVersion version) {
    return client(version, "offender");
  }

  /**
   * The offender is closed; MQTT 5 gets a DISCONNECT with {@code v5Reason} first (null: nothing
   * is sent); a protocol error is counted and the broker still serves a new client.
   */
  private void assertClosedAndBrokerCarriesOn(RawMqttConnection c,
      @Nullable DisconnectReasonCode v5Reason) {
    assertClosedAndBrokerCarriesOn(c, v5Reason, null);
  }

  /** As above, and {@code watcher}, subscribed to everything, got nothing of the bad input. */
  private void assertClosedAndBrokerCarriesOn(RawMqttConnection c,
      @Nullable DisconnectReasonCode v5Reason, @Nullable RawMqttConnection watcher) {
    c.expectClosed(WAIT);
    if (watcher != null) {
      watcher.expectNothing(QUIET);
      watcher.close();
    }
    if (c.version().isV5() && v5Reason != null) {
      assertThat(c.expect(Disconnect.class, WAIT).reasonCode()).isEqualTo(v5Reason);
    }
    assertThat(c.receiveAny(java.time.Duration.ZERO)).as("nothing more before the close").isNull();
    awaitDisconnects(DisconnectCause.PROTOCOL_ERROR, 1);
    assertBrokerStillServes(c.version());
    assertThat(metrics().disconnects(DisconnectCause.PROTOCOL_ERROR)).isEqualTo(1);
  }

  /** Property length 0 where MQTT 5 has properties, nothing for 3.x. */
  private static byte[] noProperties(MqttVersion version) {
    return version.isV5() ? RawPackets.bytes(0) : new byte[0];
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("2.2.3 (3.1.1) / 1.5.5 (5.0), MQTT-4.8.0-1 (3.1.1) / MQTT-4.13.1-1 (5.0): a"
      + " remaining length of five bytes closes the connection (MQTT 5: DISCONNECT 0x81)")
  void remainingLengthOfFiveBytes_whenReceived_thenClosed(MqttVersion version) {
    RawMqttConnection c = offender(version);
    c.sendHex("30 ff ff ff ff 7f");
    assertClosedAndBrokerCarriesOn(c, DisconnectReasonCode.MALFORMED_PACKET);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.8.1-1, MQTT-2.2.2-2 (3.1.1) / MQTT-2.1.3-1 (5.0): a SUBSCRIBE whose"
      + " reserved flag bits are 0000 instead of 0010 is malformed (MQTT 5: DISCONNECT 0x81)")
  void reservedFlagBits_whenWrong_thenClosed(MqttVersion version) {
    RawMqttConnection c = offender(version);
    byte[] subscribe = RawMqttConnection.encode(new Subscribe(1,
        List.of(new Subscription("a/b", MqttQos.AT_MOST_ONCE)), Properties.EMPTY), version);
    assertThat(subscribe[0]).isEqualTo((byte) 0x82);
    subscribe[0] = (byte) 0x80;
    c.sendRaw(subscribe);
    assertClosedAndBrokerCarriesOn(c, DisconnectReasonCode.MALFORMED_PACKET);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.3.1-4: a PUBLISH with both QoS bits set closes the connection (MQTT 5:"
      + " DISCONNECT 0x81)")
  void qos3_whenPublished_thenClosed(MqttVersion version) {
    RawMqttConnection watcher = subscriber(version, "watcher", "#", MqttQos.AT_MOST_ONCE);
    RawMqttConnection c = offender(version);
    c.sendRaw(frame(0x36, utf8("a/b"), u16(1), noProperties(version), RawPackets.bytes('x')));
    assertClosedAndBrokerCarriesOn(c, DisconnectReasonCode.MALFORMED_PACKET, watcher);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.0-1; MQTT-3.2.0-1 (3.1.1) / MQTT-3.14.0-1 (5.0): a first packet other"
      + " than CONNECT closes the connection, with no CONNACK and no DISCONNECT")
  void firstPacketNotConnect_whenSent_thenClosedWithoutAnswer(MqttVersion version) {
    RawMqttConnection watcher = subscriber(version, "watcher", "#", MqttQos.AT_MOST_ONCE);
    RawMqttConnection c = open(version);
    c.send(publish("sneaky/publish", MqttQos.AT_MOST_ONCE, 0, "no connect"));
    assertClosedAndBrokerCarriesOn(c, null, watcher);
    assertThat(c.received()).isEmpty();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.0-2: a second CONNECT is a protocol violation and closes the connection"
      + " (MQTT 5: DISCONNECT 0x82)")
  void secondConnect_whenSent_thenClosed(MqttVersion version) {
    RawMqttConnection c = offender(version);
    c.send(Connect.builder(version).clientId("offender").keepAlive(0).build());
    assertClosedAndBrokerCarriesOn(c, DisconnectReasonCode.PROTOCOL_ERROR);
  }

  static Stream<Arguments> invalidUtf8() {
    return Arrays.stream(MqttVersion.values()).flatMap(v -> Stream.of(
        Arguments.of(v, "ff", "byte 0xFF"),
        Arguments.of(v, "c0 af", "overlong '/'"),
        Arguments.of(v, "ed a0 80", "surrogate U+D800")));
  }

  @ParameterizedTest(name = "MQTT {0}, {2}")
  @MethodSource("invalidUtf8")
  @DisplayName("MQTT-1.5.3-1 (3.1.1) / MQTT-1.5.4-1 (5.0), MQTT-3.3.2-1: a topic that is not"
      + " well-formed UTF-8 closes the connection (MQTT 5: DISCONNECT 0x81), nothing is delivered")
  void invalidUtf8InTopic_whenPublished_thenClosed(MqttVersion version, String bad, String what) {
    RawMqttConnection watcher = subscriber(version, "watcher", "#", MqttQos.AT_MOST_ONCE);
    RawMqttConnection c = offender(version);
    byte[] topic = RawPackets.concat(RawPackets.bytes('a', '/'), Hex.bytes(bad), RawPackets.bytes('b'));
    c.sendRaw(frame(0x30, lengthPrefixed(topic), noProperties(version), RawPackets.bytes('x')));
    assertClosedAndBrokerCarriesOn(c, DisconnectReasonCode.MALFORMED_PACKET, watcher);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-1.5.3-2 (3.1.1) / MQTT-1.5.4-2 (5.0), MQTT-4.7.3-2: U+0000 in a topic closes"
      + " the connection (MQTT 5: DISCONNECT 0x81), nothing is delivered")
  void nullCharacterInTopic_whenPublished_thenClosed(MqttVersion version) {
    RawMqttConnection watcher = subscriber(version, "watcher", "#", MqttQos.AT_MOST_ONCE);
    RawMqttConnection c = offender(version);
    c.sendRaw(frame(0x30, lengthPrefixed(Hex.bytes("61 00 62")), noProperties(version),
        RawPackets.bytes('x')));
    assertClosedAndBrokerCarriesOn(c, DisconnectReasonCode.MALFORMED_PACKET, watcher);
  }

  static Stream<Arguments> wildcardTopics() {
    return Arrays.stream(MqttVersion.values()).flatMap(v -> Stream.of(
        Arguments.of(v, "a/+/c"), Arguments.of(v, "a/#")));
  }

  @ParameterizedTest(name = "MQTT {0}, topic {1}")
  @MethodSource("wildcardTopics")
  @DisplayName("MQTT-3.3.2-2, MQTT-4.7.1-1 (3.1.1) / MQTT-4.7.0-1 (5.0): a wildcard in a PUBLISH"
      + " topic closes the connection (MQTT 5: DISCONNECT 0x81, Midge counting the topic"
      + " malformed), nothing is delivered")
  void wildcardInPublishTopic_whenPublished_thenClosed(MqttVersion version, String topic) {
    RawMqttConnection watcher = subscriber(version, "watcher", "a/#", MqttQos.AT_MOST_ONCE);
    RawMqttConnection c = offender(version);
    c.send(publish(topic, MqttQos.AT_LEAST_ONCE, 5, "wild"));
    assertClosedAndBrokerCarriesOn(c, DisconnectReasonCode.MALFORMED_PACKET, watcher);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.2.2-15 (5.0): a packet of the maximum size (1 KiB, told to MQTT 5 clients"
      + " in CONNACK) passes, one byte more closes the connection (MQTT 5: DISCONNECT 0x95)")
  void packetOverMaximumSize_whenSent_thenClosed(MqttVersion version) {
    RawMqttConnection watcher = subscriber(version, "watcher", "big/#", MqttQos.AT_MOST_ONCE);
    RawMqttConnection c = open(version);
    Connack ack = c.connect("offender", 0, true);
    assertAccepted(ack);
    if (version.isV5()) {
      assertThat(ack.properties().maximumPacketSize()).isEqualTo((long) MAX_PACKET_SIZE);
    }
    Publish fits = publishOfSize("big/fits", version, MAX_PACKET_SIZE);
    c.send(fits);
    assertThat(watcher.expect(Publish.class, WAIT).payload()).isEqualTo(fits.payload());

    c.send(publishOfSize("big/too", version, MAX_PACKET_SIZE + 1));

    assertClosedAndBrokerCarriesOn(c, DisconnectReasonCode.PACKET_TOO_LARGE, watcher);
  }

  private static Publish publishOfSize(String topic, MqttVersion version, int size) {
    Publish empty = Publish.atMostOnce(topic, new byte[0]);
    int overhead = RawMqttConnection.encode(empty, version).length;
    // the remaining length takes two bytes either way at these sizes
    Publish p = Publish.atMostOnce(topic, new byte[size - overhead - 1]);
    assertThat(RawMqttConnection.encode(p, version)).hasSize(size);
    return p;
  }

  static Stream<Arguments> unsupportedLevels() {
    return Stream.of(
        Arguments.of("MQTT", 0), Arguments.of("MQTT", 2), Arguments.of("MQTT", 6),
        Arguments.of("MQTT", 255), Arguments.of("MQTT", 3), Arguments.of("MQIsdp", 4),
        Arguments.of("MQIsdp", 5));
  }

  @ParameterizedTest(name = "protocol name {0}, level {1}")
  @MethodSource("unsupportedLevels")
  @DisplayName("MQTT-3.1.2-2: an unsupported protocol level (or one that does not go with the"
      + " name) is answered with CONNACK return code 0x01 in the 3.x form — the level names no"
      + " version to answer in — then closed")
  void unsupportedProtocolLevel_whenConnecting_thenConnack01AndClosed(String name, int level) {
    RawMqttConnection c = open(MqttVersion.V3_1_1);
    c.sendRaw(rawConnect(name, level, 0x02, false, utf8("old-client")));

    Connack ack = c.expect(Connack.class, WAIT);

    assertThat(ack.reasonCode()).isEqualTo(ConnackReasonCode.UNSUPPORTED_PROTOCOL_VERSION);
    assertThat(c.received().get(0).hex()).isEqualTo("20 02 00 01");
    assertClosedAndBrokerCarriesOn(c, null);
  }

  static Stream<Arguments> wrongNames() {
    return Stream.of(
        Arguments.of("MQTX", 4), Arguments.of("mqtt", 4), Arguments.of("MQTT ", 4),
        Arguments.of("MQTX", 3), Arguments.of("MQTX", 5));
  }

  @ParameterizedTest(name = "protocol name ''{0}'', level {1}")
  @MethodSource("wrongNames")
  @DisplayName("MQTT-3.1.2-1: a wrong protocol name is not processed as MQTT — answered with"
      + " CONNACK return code 0x01 in the 3.x form (5.0 allows 0x84), then closed")
  void wrongProtocolName_whenConnecting_thenConnack01AndClosed(String name, int level) {
    RawMqttConnection c = open(MqttVersion.V3_1_1);
    c.sendRaw(rawConnect(name, level, 0x02, level == 5, utf8("odd-client")));

    Connack ack = c.expect(Connack.class, WAIT);

    assertThat(ack.reasonCode()).isEqualTo(ConnackReasonCode.UNSUPPORTED_PROTOCOL_VERSION);
    assertThat(c.received().get(0).hex()).isEqualTo("20 02 00 01");
    assertClosedAndBrokerCarriesOn(c, null);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.2-6 (3.1.1) / MQTT-3.1.2-4 (5.0), MQTT-4.8.0-1 (3.1.1) / MQTT-4.13.1-1"
      + " (5.0): a malformed packet in the same segment as the CONNECT, arriving while the"
      + " session is being attached, closes the connection and leaves no session behind")
  void malformedPacketRightBehindConnect_whenInOneSegment_thenClosedAndNoSessionLeft(
      MqttVersion version) {
    RawMqttConnection c = open(version);
    byte[] connect = RawMqttConnection.encode(
        Connect.builder(version).clientId("hasty").keepAlive(0).cleanStart(true).build(), version);
    c.sendRaw(RawPackets.concat(connect, Hex.bytes("30 ff ff ff ff 7f")));

    c.expectClosed(WAIT);
    awaitDisconnects(DisconnectCause.PROTOCOL_ERROR, 1);
    await("sessions left").atMost(WAIT).untilAsserted(() ->
        assertThat(broker.services().sessions().size()).isZero());
    // A clean session lasts as long as its connection: nothing of it may be resumed.
    RawMqttConnection again = open(version);
    Connack ack = again.connect(persistent(version, "hasty"));
    assertAccepted(ack);
    assertThat(ack.sessionPresent()).isFalse();
    assertBrokerStillServes(version);
  }
}
