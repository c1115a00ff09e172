package dev.midge.codec;

import static dev.midge.codec.DecoderHarness.assertFailure;
import static dev.midge.codec.DecoderHarness.connect;
import static dev.midge.codec.DecoderHarness.connectBody;
import static dev.midge.codec.DecoderHarness.hex;
import static dev.midge.codec.DecoderHarness.packet;
import static dev.midge.codec.DecoderHarness.props;
import static dev.midge.codec.DecoderHarness.propsIfV5;
import static dev.midge.codec.DecoderHarness.protocol;
import static dev.midge.codec.DecoderHarness.utf8;
import static dev.midge.codec.DecoderHarness.utf8Bytes;
import static dev.midge.codec.MqttPacketType.AUTH;
import static dev.midge.codec.MqttPacketType.CONNACK;
import static dev.midge.codec.MqttPacketType.CONNECT;
import static dev.midge.codec.MqttPacketType.DISCONNECT;
import static dev.midge.codec.MqttPacketType.PUBACK;
import static dev.midge.codec.MqttPacketType.PUBLISH;
import static dev.midge.codec.MqttPacketType.SUBACK;
import static dev.midge.codec.MqttPacketType.SUBSCRIBE;
import static dev.midge.codec.MqttVersion.V3_1;
import static dev.midge.codec.MqttVersion.V3_1_1;
import static dev.midge.codec.MqttVersion.V5;
import static dev.midge.codec.reason.ReasonCode.MALFORMED_PACKET;
import static dev.midge.codec.reason.ReasonCode.PROTOCOL_ERROR;

import dev.midge.codec.reason.ReasonCode;
import static dev.midge.codec.reason.ReasonCode.UNSUPPORTED_PROTOCOL_VERSION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Named.named;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.MqttPacket;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Subscribe;
import dev.midge.codec.property.UserProperty;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The malformed-input corpus of {@link MqttDecoder}: one test for each rejection the decoder
 * makes, its display name starting with the statement id the {@link DecodeFailure} reports.
 * Where a rule is the same in every version but its id is not, the test runs for each version and
 * names both ids: the decoder reports 5.0's on a 5.0 connection and 3.1.1's otherwise (3.1 has no
 * ids of its own), and 3.1.1's on a server that has not yet decoded a CONNECT.
 *
 * <p>Each test feeds raw bytes and, through {@link DecoderHarness#reject}, checks exactly one
 * failure with its reason code, statement id, packet type and version, that a valid packet after
 * it (in the same buffer and in the next) is discarded, that no exception escapes, and that every
 * buffer is released. The remaining length and the maximum packet size are in {@link
 * DecoderFramingTest}.
 */
class MalformedInputTest {

  /** Bytes of a PUBLISH with the given topic-name bytes (hex), QoS 0, no payload. */
  private static byte[] publishWithTopicBytes(MqttVersion v, String topicBytes) {
    return packet("30", utf8Bytes(topicBytes), propsIfV5(v));
  }

  /**
   * A 5.0 decoder for the end that receives {@code type}: a client's, or a server's that has
   * accepted a CONNECT, or for a CONNECT a server's that has seen nothing yet.
   */
  private static DecoderHarness v5(Role role, MqttPacketType type) {
    if (role == Role.CLIENT) {
      return DecoderHarness.client(V5);
    }
    return type == CONNECT ? DecoderHarness.freshServer() : DecoderHarness.server(V5);
  }

  // ---- fixed header and packet type ----

  @ParameterizedTest(name = "{2} on a {0} speaking MQTT {1}")
  @CsvSource({
    "SERVER,       , MQTT-3.1.1 §2.2.1",
    "SERVER, V3_1_1, MQTT-3.1.1 §2.2.1",
    "SERVER, V5    , MQTT-5.0 §2.1.2",
    "CLIENT, V3_1  , MQTT-3.1.1 §2.2.1",
    "CLIENT, V5    , MQTT-5.0 §2.1.2",
  })
  @DisplayName("MQTT-5.0 §2.1.2 (5.0), MQTT-3.1.1 §2.2.1 (3.x): packet type 0 is reserved")
  void packetType_whenReserved0_thenMalformed(Role role, @Nullable MqttVersion version,
      String statementId) {
    DecodeFailure f = DecoderHarness.of(role, version).reject(hex("00 00"));

    assertFailure(f, MALFORMED_PACKET, statementId, null, version);
  }

  @ParameterizedTest(name = "on a {0} speaking MQTT {1}")
  @CsvSource({"SERVER, V3_1_1", "SERVER, V3_1", "CLIENT, V3_1_1", "CLIENT, V3_1"})
  @DisplayName("MQTT-3.1.1 §2.2.1: packet type 15 (AUTH) is reserved before MQTT 5.0")
  void auth_whenBefore5_thenMalformed(Role role, MqttVersion version) {
    DecodeFailure f = DecoderHarness.of(role, version).reject(hex("F0 00"));

    assertFailure(f, MALFORMED_PACKET, "MQTT-3.1.1 §2.2.1", AUTH, version);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "PUBLISH,    30 03 00 01 61",
    "PUBREL,     62 02 00 01",
    "SUBSCRIBE,  82 06 00 01 00 01 61 00",
    "PINGREQ,    C0 00",
    "DISCONNECT, E0 00",
    "AUTH,       F0 00",
    "CONNACK,    20 02 00 00",
  })
  @DisplayName("MQTT-3.1.0-1: a first packet other than CONNECT is a protocol error")
  void firstPacket_whenNotConnect_thenProtocolError(MqttPacketType type, String bytes) {
    DecodeFailure f = DecoderHarness.freshServer().reject(hex(bytes));

    assertFailure(f, PROTOCOL_ERROR, "MQTT-3.1.0-1", type, null);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.0-2: a second CONNECT is a protocol error")
  void connect_whenSecondOnTheConnection_thenProtocolError(MqttVersion version) {
    DecodeFailure f = DecoderHarness.server(version).reject(connect(version));

    assertFailure(f, PROTOCOL_ERROR, "MQTT-3.1.0-2", CONNECT, version);
  }

  @ParameterizedTest(name = "{2} to a server speaking MQTT {0}")
  @CsvSource({
    "V5,     CONNACK,  MQTT-5.0 §2.1.2,   20 03 00 00 00",
    "V5,     SUBACK,   MQTT-5.0 §2.1.2,   90 04 00 01 00 00",
    "V5,     UNSUBACK, MQTT-5.0 §2.1.2,   B0 04 00 01 00 00",
    "V5,     PINGRESP, MQTT-5.0 §2.1.2,   D0 00",
    "V3_1_1, CONNACK,  MQTT-3.1.1 §2.2.1, 20 02 00 00",
    "V3_1_1, SUBACK,   MQTT-3.1.1 §2.2.1, 90 03 00 01 00",
    "V3_1_1, UNSUBACK, MQTT-3.1.1 §2.2.1, B0 02 00 01",
    "V3_1,   PINGRESP, MQTT-3.1.1 §2.2.1, D0 00",
  })
  @DisplayName("MQTT-5.0 §2.1.2 (5.0), MQTT-3.1.1 §2.2.1 (3.x): a packet only a server sends is"
      + " a protocol error when a client sends it")
  void serverPacket_whenSentToServer_thenProtocolError(MqttVersion version,
      MqttPacketType type, String statementId, String bytes) {
    DecodeFailure f = DecoderHarness.server(version).reject(hex(bytes));

    assertFailure(f, PROTOCOL_ERROR, statementId, type, version);
  }

  @ParameterizedTest(name = "{1} to a client speaking MQTT {0}")
  @CsvSource({
    "V5,     CONNECT,     MQTT-5.0 §2.1.2,   10 0D 00 04 4D 51 54 54 05 02 00 3C 00 00 00",
    "V5,     SUBSCRIBE,   MQTT-5.0 §2.1.2,   82 07 00 01 00 00 01 61 00",
    "V5,     UNSUBSCRIBE, MQTT-5.0 §2.1.2,   A2 06 00 01 00 00 01 61",
    "V5,     PINGREQ,     MQTT-5.0 §2.1.2,   C0 00",
    "V3_1_1, CONNECT,     MQTT-3.1.1 §2.2.1, 10 0C 00 04 4D 51 54 54 04 02 00 3C 00 00",
    "V3_1_1, SUBSCRIBE,   MQTT-3.1.1 §2.2.1, 82 06 00 01 00 01 61 00",
    "V3_1_1, UNSUBSCRIBE, MQTT-3.1.1 §2.2.1, A2 05 00 01 00 01 61",
    "V3_1,   PINGREQ,     MQTT-3.1.1 §2.2.1, C0 00",
  })
  @DisplayName("MQTT-5.0 §2.1.2 (5.0), MQTT-3.1.1 §2.2.1 (3.x): a packet only a client sends is"
      + " a protocol error when a server sends it")
  void clientPacket_whenSentToClient_thenProtocolError(MqttVersion version,
      MqttPacketType type, String statementId, String bytes) {
    DecodeFailure f = DecoderHarness.client(version).reject(hex(bytes));

    assertFailure(f, PROTOCOL_ERROR, statementId, type, version);
  }

  @ParameterizedTest(name = "{2} with first byte {4} on a {0} speaking MQTT {1}")
  @CsvSource({
    "SERVER, V5,     PUBACK,      MQTT-2.1.3-1, 41 02 00 01",
    "SERVER, V5,     PUBREC,      MQTT-2.1.3-1, 58 02 00 01",
    "SERVER, V5,     PUBREL,      MQTT-2.1.3-1, 60 02 00 01",
    "SERVER, V5,     PUBREL,      MQTT-2.1.3-1, 63 02 00 01",
    "SERVER, V5,     PUBCOMP,     MQTT-2.1.3-1, 74 02 00 01",
    "SERVER, V5,     SUBSCRIBE,   MQTT-2.1.3-1, 80 07 00 01 00 00 01 61 00",
    "SERVER, V5,     UNSUBSCRIBE, MQTT-2.1.3-1, A3 06 00 01 00 00 01 61",
    "SERVER, V5,     PINGREQ,     MQTT-2.1.3-1, C8 00",
    "SERVER, V5,     DISCONNECT,  MQTT-2.1.3-1, E1 00",
    "SERVER, V5,     AUTH,        MQTT-2.1.3-1, F2 00",
    "SERVER, V3_1_1, PUBACK,      MQTT-2.2.2-2, 42 02 00 01",
    "SERVER, V3_1_1, PUBREC,      MQTT-2.2.2-2, 51 02 00 01",
    "SERVER, V3_1_1, PUBREL,      MQTT-2.2.2-2, 60 02 00 01",
    "SERVER, V3_1_1, PUBCOMP,     MQTT-2.2.2-2, 78 02 00 01",
    "SERVER, V3_1_1, SUBSCRIBE,   MQTT-2.2.2-2, 8A 06 00 01 00 01 61 00",
    "SERVER, V3_1_1, UNSUBSCRIBE, MQTT-2.2.2-2, A0 05 00 01 00 01 61",
    "SERVER, V3_1_1, PINGREQ,     MQTT-2.2.2-2, C4 00",
    "SERVER, V3_1,   DISCONNECT,  MQTT-2.2.2-2, EF 00",
    "CLIENT, V5,     CONNACK,     MQTT-2.1.3-1, 21 03 00 00 00",
    "CLIENT, V5,     SUBACK,      MQTT-2.1.3-1, 92 04 00 01 00 00",
    "CLIENT, V5,     UNSUBACK,    MQTT-2.1.3-1, B2 04 00 01 00 00",
    "CLIENT, V5,     PINGRESP,    MQTT-2.1.3-1, D1 00",
    "CLIENT, V3_1_1, CONNACK,     MQTT-2.2.2-2, 28 02 00 00",
    "CLIENT, V3_1_1, SUBACK,      MQTT-2.2.2-2, 94 03 00 01 00",
    "CLIENT, V3_1_1, UNSUBACK,    MQTT-2.2.2-2, B1 02 00 01",
    "CLIENT, V3_1,   PINGRESP,    MQTT-2.2.2-2, D2 00",
  })
  @DisplayName("MQTT-2.1.3-1 (5.0), MQTT-2.2.2-2 (3.x): reserved fixed-header flags of the"
      + " wrong value are malformed, for every packet type that has them")
  void flags_whenReservedBitsWrong_thenMalformed(Role role, MqttVersion version,
      MqttPacketType type, String statementId, String bytes) {
    DecodeFailure f = DecoderHarness.of(role, version).reject(hex(bytes));

    assertFailure(f, MALFORMED_PACKET, statementId, type, version);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "5.0 CONNECT with flags 1,   11 0D 00 04 4D 51 54 54 05 02 00 3C 00 00 00",
    "3.1.1 CONNECT with flags F, 1F 0C 00 04 4D 51 54 54 04 02 00 3C 00 00",
  })
  @DisplayName("MQTT-2.2.2-2: a CONNECT with reserved flags set is malformed; its version is"
      + " not known yet, so the 3.1.1 id is reported even for a 5.0 CONNECT")
  void connectFlags_whenReservedBitsSet_thenMalformed(String description, String bytes) {
    DecodeFailure f = DecoderHarness.freshServer().reject(hex(bytes));

    assertFailure(f, MALFORMED_PACKET, "MQTT-2.2.2-2", CONNECT, null);
  }

  @ParameterizedTest(name = "{2} on a {0} speaking MQTT {1}")
  @CsvSource({
    "SERVER, V3_1_1, PUBACK,  MQTT-3.1.1 §2.2.3, 40 03 00 01 00",
    "SERVER, V3_1,   PUBREL,  MQTT-3.1.1 §2.2.3, 62 03 00 01 00",
    "SERVER, V5,     PUBACK,  MQTT-5.0 §2.1.4,   40 05 00 01 10 00 FF",
    "CLIENT, V3_1_1, UNSUBACK, MQTT-3.1.1 §2.2.3, B0 03 00 01 00",
    "CLIENT, V5,     CONNACK, MQTT-5.0 §2.1.4,   20 04 00 00 00 FF",
  })
  @DisplayName("MQTT-5.0 §2.1.4 (5.0), MQTT-3.1.1 §2.2.3 (3.x): bytes left over after the"
      + " packet's last field are malformed")
  void body_whenBytesLeftOver_thenMalformed(Role role, MqttVersion version,
      MqttPacketType type, String statementId, String bytes) {
    DecodeFailure f = DecoderHarness.of(role, version).reject(hex(bytes));

    assertFailure(f, MALFORMED_PACKET, statementId, type, version);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @CsvSource({"V3_1_1, MQTT-3.1.1 §3.12.1", "V5, MQTT-5.0 §3.12.1"})
  @DisplayName("MQTT-5.0 §3.12.1 (5.0), MQTT-3.1.1 §3.12.1 (3.x): a PINGREQ with a body is"
      + " malformed")
  void pingreq_whenBodyPresent_thenMalformed(MqttVersion version, String statementId) {
    DecodeFailure f = DecoderHarness.server(version).reject(hex("C0 01 00"));

    assertFailure(f, MALFORMED_PACKET, statementId, MqttPacketType.PINGREQ, version);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @CsvSource({"V3_1_1, MQTT-3.1.1 §3.13.1", "V5, MQTT-5.0 §3.13.1"})
  @DisplayName("MQTT-5.0 §3.13.1 (5.0), MQTT-3.1.1 §3.13.1 (3.x): a PINGRESP with a body is"
      + " malformed")
  void pingresp_whenBodyPresent_thenMalformed(MqttVersion version, String statementId) {
    DecodeFailure f = DecoderHarness.client(version).reject(hex("D0 01 00"));

    assertFailure(f, MALFORMED_PACKET, statementId, MqttPacketType.PINGRESP, version);
  }

  @ParameterizedTest(name = "on a {0} speaking MQTT {1}")
  @CsvSource({"SERVER, V3_1_1", "SERVER, V3_1", "CLIENT, V3_1_1"})
  @DisplayName("MQTT-3.1.1 §3.14.1: a 3.x DISCONNECT with a body is malformed")
  void disconnect_whenBodyPresentIn3_thenMalformed(Role role, MqttVersion version) {
    DecodeFailure f = DecoderHarness.of(role, version).reject(hex("E0 01 00"));

    assertFailure(f, MALFORMED_PACKET, "MQTT-3.1.1 §3.14.1", DISCONNECT, version);
  }

  // ---- CONNECT ----

  @ParameterizedTest(name = "name ''{0}'', level {1}")
  @CsvSource({"MQTX, 04", "mqtt, 05", "MQIsdP, 03", "'', 04", "MQTT5, 05"})
  @DisplayName("MQTT-3.1.2-1: a wrong protocol name is refused as an unsupported protocol")
  void protocolName_whenWrong_thenUnsupportedProtocolVersion(String name, String level) {
    byte[] bytes = packet("10", utf8(name), level, "02 003C", "00", utf8(""));

    DecodeFailure f = DecoderHarness.freshServer().reject(bytes);

    assertFailure(f, UNSUPPORTED_PROTOCOL_VERSION, "MQTT-3.1.2-1", CONNECT, null);
  }

  @ParameterizedTest(name = "name {0}, level {1}")
  @CsvSource({"MQTT, 06", "MQTT, 03", "MQTT, 00", "MQTT, FF", "MQIsdp, 04", "MQIsdp, 05"})
  @DisplayName("MQTT-3.1.2-2: a protocol level Midge does not speak, or one that does not go"
      + " with the name, is refused as an unsupported protocol")
  void protocolLevel_whenUnsupported_thenUnsupportedProtocolVersion(String name, String level) {
    byte[] bytes = packet("10", utf8(name), level, "02 003C", "00", utf8(""));

    DecodeFailure f = DecoderHarness.freshServer().reject(bytes);

    assertFailure(f, UNSUPPORTED_PROTOCOL_VERSION, "MQTT-3.1.2-2", CONNECT, null);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.2-3: the reserved connect flag set is malformed")
  void connectFlags_whenReservedBitSet_thenMalformed(MqttVersion version) {
    byte[] bytes = packet("10", connectBody(version, 0x03, "", utf8("c")));

    DecodeFailure f = DecoderHarness.freshServer().reject(bytes);

    assertFailure(f, MALFORMED_PACKET, "MQTT-3.1.2-3", CONNECT, version);
  }

  @ParameterizedTest(name = "{1}, flags {2}, MQTT {0}")
  @CsvSource({
    "V5,     MQTT-3.1.2-11, 0A",
    "V5,     MQTT-3.1.2-11, 12",
    "V3_1_1, MQTT-3.1.2-13, 0A",
    "V3_1,   MQTT-3.1.2-13, 12",
  })
  @DisplayName("MQTT-3.1.2-11 (5.0), MQTT-3.1.2-13 (3.x): a will QoS without the will flag is"
      + " malformed")
  void willQos_whenNoWillFlag_thenMalformed(MqttVersion version, String statementId,
      String flags) {
    byte[] bytes = packet("10", connectBody(version, Integer.parseInt(flags, 16), "",
        utf8("c")));

    DecodeFailure f = DecoderHarness.freshServer().reject(bytes);

    assertFailure(f, MALFORMED_PACKET, statementId, CONNECT, version);
  }

  @ParameterizedTest(name = "{1}, MQTT {0}")
  @CsvSource({"V5, MQTT-3.1.2-13", "V3_1_1, MQTT-3.1.2-15", "V3_1, MQTT-3.1.2-15"})
  @DisplayName("MQTT-3.1.2-13 (5.0), MQTT-3.1.2-15 (3.x): will retain without the will flag is"
      + " malformed")
  void willRetain_whenNoWillFlag_thenMalformed(MqttVersion version, String statementId) {
    byte[] bytes = packet("10", connectBody(version, 0x22, "", utf8("c")));

    DecodeFailure f = DecoderHarness.freshServer().reject(bytes);

    assertFailure(f, MALFORMED_PACKET, statementId, CONNECT, version);
  }

  @ParameterizedTest(name = "{1}, MQTT {0}")
  @CsvSource({"V5, MQTT-3.1.2-12", "V3_1_1, MQTT-3.1.2-14", "V3_1, MQTT-3.1.2-14"})
  @DisplayName("MQTT-3.1.2-12 (5.0), MQTT-3.1.2-14 (3.x): will QoS 3 is malformed")
  void willQos_when3_thenMalformed(MqttVersion version, String statementId) {
    String will = propsIfV5(version) + utf8("w") + "0000";
    byte[] bytes = packet("10", connectBody(version, 0x1E, "", utf8("c") + will));

    DecodeFailure f = DecoderHarness.freshServer().reject(bytes);

    assertFailure(f, MALFORMED_PACKET, statementId, CONNECT, version);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(value = MqttVersion.class, names = {"V3_1", "V3_1_1"})
  @DisplayName("MQTT-3.1.2-22: in 3.x a password without a user name is malformed")
  void password_whenNoUserNameIn3_thenMalformed(MqttVersion version) {
    byte[] bytes = packet("10", connectBody(version, 0x42, "", utf8("c") + "0002 7077"));

    DecodeFailure f = DecoderHarness.freshServer().reject(bytes);

    assertFailure(f, MALFORMED_PACKET, "MQTT-3.1.2-22", CONNECT, version);
  }

  @Test
  @DisplayName("MQTT-3.1.2-22: is a 3.x rule; a 5.0 CONNECT may carry a password without a user"
      + " name")
  void password_whenNoUserNameIn5_thenAccepted() {
    byte[] bytes = packet("10", connectBody(V5, 0x42, "", utf8("c") + "0002 7077"));

    MqttPacket p = DecoderHarness.freshServer().acceptOne(bytes);

    assertThat(p).isInstanceOf(Connect.class);
    Connect c = (Connect) p;
    assertThat(c.username()).isNull();
    assertThat(c.password()).containsExactly(0x70, 0x77);
  }

  @ParameterizedTest(name = "''{2}'' in MQTT {0}")
  @CsvSource({
    "V5,     MQTT-4.7.0-1, a/+",
    "V5,     MQTT-4.7.0-1, #",
    "V3_1_1, MQTT-4.7.1-1, a/#",
    "V3_1_1, MQTT-4.7.1-1, +/b",
    "V3_1,   MQTT-4.7.1-1, a+",
  })
  @DisplayName("MQTT-4.7.0-1 (5.0), MQTT-4.7.1-1 (3.x): a wildcard in the will topic is"
      + " malformed")
  void willTopic_whenWildcard_thenMalformed(MqttVersion version, String statementId,
      String topic) {
    String will = propsIfV5(version) + utf8(topic) + "0000";
    byte[] bytes = packet("10", connectBody(version, 0x06, "", utf8("c") + will));

    DecodeFailure f = DecoderHarness.freshServer().reject(bytes);

    assertFailure(f, MALFORMED_PACKET, statementId, CONNECT, version);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-4.7.3-1: an empty will topic is malformed")
  void willTopic_whenEmpty_thenMalformed(MqttVersion version) {
    String will = propsIfV5(version) + utf8("") + "0000";
    byte[] bytes = packet("10", connectBody(version, 0x06, "", utf8("c") + will));

    DecodeFailure f = DecoderHarness.freshServer().reject(bytes);

    assertFailure(f, MALFORMED_PACKET, "MQTT-4.7.3-1", CONNECT, version);
  }

  @Test
  @DisplayName("MQTT-5.0 §3.1.2.11.10: authentication data without an authentication method is"
      + " a protocol error")
  void authenticationData_whenNoMethod_thenProtocolError() {
    byte[] bytes = packet("10", connectBody(V5, 0x02, "16 0002 AABB", utf8("c")));

    DecodeFailure f = DecoderHarness.freshServer().reject(bytes);

    assertFailure(f, PROTOCOL_ERROR, "MQTT-5.0 §3.1.2.11.10", CONNECT, V5);
  }

  @ParameterizedTest(name = "{1}, MQTT {0}")
  @CsvSource({"V5, MQTT-5.0 §2.1.4", "V3_1_1, MQTT-3.1.1 §2.2.3", "V3_1, MQTT-3.1.1 §2.2.3"})
  @DisplayName("MQTT-5.0 §2.1.4 (5.0), MQTT-3.1.1 §2.2.3 (3.x): bytes after the CONNECT's"
      + " payload are malformed")
  void connect_whenBytesFollowThePayload_thenMalformed(MqttVersion version,
      String statementId) {
    byte[] bytes = packet("10", connectBody(version, 0x02, "", utf8("c") + "00"));

    DecodeFailure f = DecoderHarness.freshServer().reject(bytes);

    assertFailure(f, MALFORMED_PACKET, statementId, CONNECT, version);
  }

  // ---- CONNACK ----

  @ParameterizedTest(name = "{1}: {2}")
  @CsvSource({
    "V5,     MQTT-3.2.2-1,        20 03 02 00 00",
    "V5,     MQTT-3.2.2-1,        20 03 80 00 00",
    "V3_1_1, MQTT-3.1.1 §3.2.2.1, 20 02 02 00",
    "V3_1,   MQTT-3.1.1 §3.2.2.1, 20 02 FE 00",
  })
  @DisplayName("MQTT-3.2.2-1 (5.0), MQTT-3.1.1 §3.2.2.1 (3.x): reserved connect acknowledge"
      + " flags set are malformed")
  void ackFlags_whenReservedBitsSet_thenMalformed(MqttVersion version, String statementId,
      String bytes) {
    DecodeFailure f = DecoderHarness.client(version).reject(hex(bytes));

    assertFailure(f, MALFORMED_PACKET, statementId, CONNACK, version);
  }

  @ParameterizedTest(name = "{1}: {2}")
  @CsvSource({
    "V5,     MQTT-5.0 §3.2.2.2,   20 03 00 01 00",
    "V5,     MQTT-5.0 §3.2.2.2,   20 03 00 7F 00",
    "V5,     MQTT-5.0 §3.2.2.2,   20 03 00 8E 00",
    "V3_1_1, MQTT-3.1.1 §3.2.2.3, 20 02 00 06",
    "V3_1,   MQTT-3.1.1 §3.2.2.3, 20 02 00 FF",
  })
  @DisplayName("MQTT-5.0 §3.2.2.2 (5.0), MQTT-3.1.1 §3.2.2.3 (3.x): a reason or return code"
      + " CONNACK does not define is malformed")
  void code_whenUnknown_thenMalformed(MqttVersion version, String statementId, String bytes) {
    DecodeFailure f = DecoderHarness.client(version).reject(hex(bytes));

    assertFailure(f, MALFORMED_PACKET, statementId, CONNACK, version);
  }

  @ParameterizedTest(name = "{1}: {2}")
  @CsvSource({
    "V5,     MQTT-3.2.2-6, 20 03 01 87 00",
    "V3_1_1, MQTT-3.2.2-4, 20 02 01 05",
  })
  @DisplayName("MQTT-3.2.2-6 (5.0), MQTT-3.2.2-4 (3.x): session present on a refused"
      + " connection is a protocol error")
  void sessionPresent_whenRefused_thenProtocolError(MqttVersion version, String statementId,
      String bytes) {
    DecodeFailure f = DecoderHarness.client(version).reject(hex(bytes));

    assertFailure(f, PROTOCOL_ERROR, statementId, CONNACK, version);
  }

  // ---- PUBLISH ----

  @ParameterizedTest(name = "on a {0} speaking MQTT {1}")
  @CsvSource({"SERVER, V5", "SERVER, V3_1_1", "SERVER, V3_1", "CLIENT, V5", "CLIENT, V3_1_1"})
  @DisplayName("MQTT-3.3.1-4: PUBLISH with QoS 3 is malformed")
  void qos_when3_thenMalformed(Role role, MqttVersion version) {
    byte[] bytes = packet("36", utf8("a"), "0001", propsIfV5(version));

    DecodeFailure f = DecoderHarness.of(role, version).reject(bytes);

    assertFailure(f, MALFORMED_PACKET, "MQTT-3.3.1-4", PUBLISH, version);
  }

  @ParameterizedTest(name = "on a {0} speaking MQTT {1}")
  @CsvSource({"SERVER, V5", "SERVER, V3_1_1", "SERVER, V3_1", "CLIENT, V5", "CLIENT, V3_1_1"})
  @DisplayName("MQTT-3.3.1-2: DUP on a QoS 0 PUBLISH is malformed")
  void dup_whenQos0_thenMalformed(Role role, MqttVersion version) {
    byte[] bytes = packet("38", utf8("a"), propsIfV5(version));

    DecodeFailure f = DecoderHarness.of(role, version).reject(bytes);

    assertFailure(f, MALFORMED_PACKET, "MQTT-3.3.1-2", PUBLISH, version);
  }

  @ParameterizedTest(name = "''{2}'' on a {0} speaking MQTT {1}")
  @CsvSource({
    "SERVER, V5,     a/+",
    "SERVER, V5,     #",
    "SERVER, V3_1_1, a/#",
    "SERVER, V3_1_1, +",
    "CLIENT, V5,     a/+/b",
    "CLIENT, V3_1,   sport#",
  })
  @DisplayName("MQTT-3.3.2-2: a wildcard in a PUBLISH topic is malformed")
  void topic_whenWildcard_thenMalformed(Role role, MqttVersion version, String topic) {
    byte[] bytes = packet("30", utf8(topic), propsIfV5(version));

    DecodeFailure f = DecoderHarness.of(role, version).reject(bytes);

    assertFailure(f, MALFORMED_PACKET, "MQTT-3.3.2-2", PUBLISH, version);
  }

  @ParameterizedTest(name = "on a {0} speaking MQTT {1}")
  @CsvSource({"SERVER, V3_1_1", "SERVER, V3_1", "CLIENT, V3_1_1"})
  @DisplayName("MQTT-4.7.3-1: an empty PUBLISH topic is malformed in 3.x")
  void topic_whenEmptyIn3_thenMalformed(Role role, MqttVersion version) {
    DecodeFailure f = DecoderHarness.of(role, version).reject(packet("30", utf8(""), "2A"));

    assertFailure(f, MALFORMED_PACKET, "MQTT-4.7.3-1", PUBLISH, version);
  }

  @ParameterizedTest(name = "on a {0}")
  @EnumSource(Role.class)
  @DisplayName("MQTT-5.0 §3.3.2.3.4: an empty PUBLISH topic without a Topic Alias is a protocol"
      + " error in 5.0")
  void topic_whenEmptyWithoutAliasIn5_thenProtocolError(Role role) {
    DecodeFailure f = DecoderHarness.of(role, V5).reject(packet("30", utf8(""), "00", "2A"));

    assertFailure(f, PROTOCOL_ERROR, "MQTT-5.0 §3.3.2.3.4", PUBLISH, V5);
  }

  @Test
  @DisplayName("MQTT-5.0 §3.3.2.3.4: an empty PUBLISH topic with a Topic Alias is valid in 5.0")
  void topic_whenEmptyWithAliasIn5_thenAccepted() {
    byte[] bytes = packet("30", utf8(""), props("23 0005"), "2A");

    MqttPacket p = DecoderHarness.server(V5).acceptOne(bytes);

    assertThat(p).isInstanceOf(Publish.class);
    assertThat(((Publish) p).topic()).isEmpty();
    assertThat(((Publish) p).properties().topicAlias()).isEqualTo(5);
  }

  // ---- packet identifiers ----

  @ParameterizedTest(name = "{1} on a {0}")
  @CsvSource({
    "SERVER, PUBLISH,     32 06 00 01 61 00 00 00",
    "SERVER, PUBLISH,     34 06 00 01 61 00 00 00",
    "SERVER, PUBACK,      40 02 00 00",
    "SERVER, PUBREC,      50 02 00 00",
    "SERVER, PUBREL,      62 02 00 00",
    "SERVER, PUBCOMP,     70 02 00 00",
    "SERVER, SUBSCRIBE,   82 07 00 00 00 00 01 61 00",
    "SERVER, UNSUBSCRIBE, A2 06 00 00 00 00 01 61",
    "CLIENT, PUBLISH,     32 06 00 01 61 00 00 00",
    "CLIENT, PUBREL,      62 02 00 00",
    "CLIENT, SUBACK,      90 04 00 00 00 00",
    "CLIENT, UNSUBACK,    B0 04 00 00 00 00",
  })
  @DisplayName("MQTT-2.2.1-3: packet identifier 0 is a protocol error in 5.0")
  void packetId_when0In5_thenProtocolError(Role role, MqttPacketType type, String bytes) {
    DecodeFailure f = DecoderHarness.of(role, V5).reject(hex(bytes));

    assertFailure(f, PROTOCOL_ERROR, "MQTT-2.2.1-3", type, V5);
  }

  @ParameterizedTest(name = "{2} on a {0} speaking MQTT {1}")
  @CsvSource({
    "SERVER, V3_1_1, PUBLISH,     32 05 00 01 61 00 00",
    "SERVER, V3_1_1, PUBLISH,     34 05 00 01 61 00 00",
    "SERVER, V3_1_1, PUBACK,      40 02 00 00",
    "SERVER, V3_1_1, PUBREC,      50 02 00 00",
    "SERVER, V3_1_1, PUBREL,      62 02 00 00",
    "SERVER, V3_1_1, PUBCOMP,     70 02 00 00",
    "SERVER, V3_1_1, SUBSCRIBE,   82 06 00 00 00 01 61 00",
    "SERVER, V3_1,   UNSUBSCRIBE, A2 05 00 00 00 01 61",
    "CLIENT, V3_1_1, PUBLISH,     32 05 00 01 61 00 00",
    "CLIENT, V3_1_1, SUBACK,      90 03 00 00 00",
    "CLIENT, V3_1,   UNSUBACK,    B0 02 00 00",
  })
  @DisplayName("MQTT-2.3.1-1: packet identifier 0 is malformed in 3.x")
  void packetId_when0In3_thenMalformed(Role role, MqttVersion version, MqttPacketType type,
      String bytes) {
    DecodeFailure f = DecoderHarness.of(role, version).reject(hex(bytes));

    assertFailure(f, MALFORMED_PACKET, "MQTT-2.3.1-1", type, version);
  }

  // ---- acknowledgements, DISCONNECT and AUTH ----

  @ParameterizedTest(name = "{1} {2} on a {0}")
  @CsvSource({
    "SERVER, PUBACK,     40 03 00 01 04",
    "SERVER, PUBREC,     50 03 00 01 04",
    "SERVER, PUBREL,     62 03 00 01 10",
    "SERVER, PUBCOMP,    70 03 00 01 10",
    "SERVER, DISCONNECT, E0 01 01",
    "SERVER, AUTH,       F0 01 01",
    "CLIENT, PUBACK,     40 03 00 01 04",
    "CLIENT, DISCONNECT, E0 01 05",
    "CLIENT, AUTH,       F0 01 87",
  })
  @DisplayName("MQTT-5.0 §2.4: a reason code the packet may not carry is malformed")
  void reasonCode_whenNotAllowedInThePacket_thenMalformed(Role role, MqttPacketType type,
      String bytes) {
    DecodeFailure f = DecoderHarness.of(role, V5).reject(hex(bytes));

    assertFailure(f, MALFORMED_PACKET, "MQTT-5.0 §2.4", type, V5);
  }

  @Test
  @DisplayName("MQTT-3.14.2-2: a Session Expiry Interval in a server's DISCONNECT is a protocol"
      + " error")
  void disconnect_whenServerSendsSessionExpiry_thenProtocolError() {
    DecodeFailure f = DecoderHarness.client(V5).reject(packet("E0", "00", props("11 0000000A")));

    assertFailure(f, PROTOCOL_ERROR, "MQTT-3.14.2-2", DISCONNECT, V5);
  }

  // ---- SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK ----

  @ParameterizedTest(name = "{1}, MQTT {0}")
  @CsvSource({
    "V5,     MQTT-3.8.3-2, 82 03 00 01 00",
    "V3_1_1, MQTT-3.8.3-3, 82 02 00 01",
    "V3_1,   MQTT-3.8.3-3, 82 02 00 01",
  })
  @DisplayName("MQTT-3.8.3-2 (5.0), MQTT-3.8.3-3 (3.x): a SUBSCRIBE without a topic filter is a"
      + " protocol error")
  void subscribe_whenNoTopicFilter_thenProtocolError(MqttVersion version, String statementId,
      String bytes) {
    DecodeFailure f = DecoderHarness.server(version).reject(hex(bytes));

    assertFailure(f, PROTOCOL_ERROR, statementId, SUBSCRIBE, version);
  }

  @ParameterizedTest(name = "options {0}")
  @CsvSource({"40", "80", "C1"})
  @DisplayName("MQTT-3.8.3-5: reserved subscription option bits set are malformed")
  void subscriptionOptions_whenReservedBitsSet_thenMalformed(String options) {
    byte[] bytes = packet("82", "0001", "00", utf8("a/b"), options);

    DecodeFailure f = DecoderHarness.server(V5).reject(bytes);

    assertFailure(f, MALFORMED_PACKET, "MQTT-3.8.3-5", SUBSCRIBE, V5);
  }

  @Test
  @DisplayName("MQTT-5.0 §3.8.3.1: a maximum QoS of 3 in the subscription options is a protocol"
      + " error")
  void subscriptionOptions_whenQos3_thenProtocolError() {
    byte[] bytes = packet("82", "0001", "00", utf8("a/b"), "03");

    DecodeFailure f = DecoderHarness.server(V5).reject(bytes);

    assertFailure(f, PROTOCOL_ERROR, "MQTT-5.0 §3.8.3.1", SUBSCRIBE, V5);
  }

  @Test
  @DisplayName("MQTT-5.0 §3.8.3.1: retain handling 3 is a protocol error")
  void subscriptionOptions_whenRetainHandling3_thenProtocolError() {
    byte[] bytes = packet("82", "0001", "00", utf8("a/b"), "31");

    DecodeFailure f = DecoderHarness.server(V5).reject(bytes);

    assertFailure(f, PROTOCOL_ERROR, "MQTT-5.0 §3.8.3.1", SUBSCRIBE, V5);
  }

  @Test
  @DisplayName("MQTT-3.8.3-4: No Local on a shared subscription is a protocol error in 5.0")
  void noLocal_whenSharedSubscription_thenProtocolError() {
    byte[] bytes = packet("82", "0001", "00", utf8("a/b"), "01", utf8("$share/g/a/b"), "05");

    DecodeFailure f = DecoderHarness.server(V5).reject(bytes);

    assertFailure(f, PROTOCOL_ERROR, "MQTT-3.8.3-4", SUBSCRIBE, V5);
  }

  @Test
  @DisplayName("MQTT-3.8.3-4: No Local on an ordinary filter, and a shared one without it, are"
      + " valid in 5.0")
  void noLocal_whenOrdinaryFilterOrSharedWithout_thenAccepted() {
    byte[] bytes = packet("82", "0001", "00", utf8("a/b"), "05", utf8("$share/g/a/b"), "01");

    MqttPacket p = DecoderHarness.server(V5).acceptOne(bytes);

    assertThat(p).isInstanceOf(Subscribe.class);
    assertThat(((Subscribe) p).subscriptions()).hasSize(2);
    assertThat(((Subscribe) p).subscriptions().get(0).noLocal()).isTrue();
  }

  @ParameterizedTest(name = "requested QoS byte {1}, MQTT {0}")
  @CsvSource({"V3_1_1, 03", "V3_1_1, 04", "V3_1_1, 80", "V3_1, FC"})
  @DisplayName("MQTT-3.8.3-4: in 3.x a requested-QoS byte with reserved bits set, or QoS 3, is"
      + " malformed")
  void requestedQos_whenReservedBitsOrQos3In3_thenMalformed(MqttVersion version,
      String options) {
    byte[] bytes = packet("82", "0001", utf8("a/b"), options);

    DecodeFailure f = DecoderHarness.server(version).reject(bytes);

    assertFailure(f, MALFORMED_PACKET, "MQTT-3.8.3-4", SUBSCRIBE, version);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @CsvSource({"V5, A2 03 00 01 00", "V3_1_1, A2 02 00 01", "V3_1, A2 02 00 01"})
  @DisplayName("MQTT-3.10.3-2: an UNSUBSCRIBE without a topic filter is a protocol error")
  void unsubscribe_whenNoTopicFilter_thenProtocolError(MqttVersion version, String bytes) {
    DecodeFailure f = DecoderHarness.server(version).reject(hex(bytes));

    assertFailure(f, PROTOCOL_ERROR, "MQTT-3.10.3-2", MqttPacketType.UNSUBSCRIBE, version);
  }

  @ParameterizedTest(name = "{1}: {2}")
  @CsvSource({
    "V5,     MQTT-5.0 §3.9.3, 90 04 00 01 00 03",
    "V5,     MQTT-5.0 §3.9.3, 90 05 00 01 00 00 84",
    "V3_1_1, MQTT-3.9.3-2,    90 03 00 01 03",
    "V3_1_1, MQTT-3.9.3-2,    90 03 00 01 87",
    "V3_1,   MQTT-3.9.3-2,    90 04 00 01 01 FF",
  })
  @DisplayName("MQTT-5.0 §3.9.3 (5.0), MQTT-3.9.3-2 (3.x): a SUBACK return code the version"
      + " does not define is malformed")
  void suback_whenUnknownCode_thenMalformed(MqttVersion version, String statementId,
      String bytes) {
    DecodeFailure f = DecoderHarness.client(version).reject(hex(bytes));

    assertFailure(f, MALFORMED_PACKET, statementId, SUBACK, version);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"B0 04 00 01 00 01", "B0 05 00 01 00 00 10"})
  @DisplayName("MQTT-5.0 §3.11.3: an UNSUBACK reason code 5.0 does not define is malformed")
  void unsuback_whenUnknownCode_thenMalformed(String bytes) {
    DecodeFailure f = DecoderHarness.client(V5).reject(hex(bytes));

    assertFailure(f, MALFORMED_PACKET, "MQTT-5.0 §3.11.3", MqttPacketType.UNSUBACK, V5);
  }

  // ---- MQTT 5.0 properties ----

  static Stream<Arguments> propertyLengthBeyondThePacket() {
    return Stream.of(
        arguments(Role.SERVER, PUBLISH, named("PUBLISH", packet("30", utf8("a"), "05 0101"))),
        arguments(Role.SERVER, PUBACK, named("PUBACK", packet("40", "0001 10", "09 1F"))),
        arguments(Role.SERVER, CONNECT,
            named("CONNECT", packet("10", protocol(V5), "02 003C", "7F", utf8("c")))),
        arguments(Role.CLIENT, CONNACK, named("CONNACK", packet("20", "00 00", "02 11"))));
  }

  @ParameterizedTest(name = "{2} on a {0}")
  @MethodSource("propertyLengthBeyondThePacket")
  @DisplayName("MQTT-5.0 §2.2.2.1: a Property Length beyond the end of the packet is malformed")
  void propertyLength_whenBeyondThePacket_thenMalformed(Role role, MqttPacketType type,
      byte[] bytes) {
    DecodeFailure f = v5(role, type).reject(bytes);

    assertFailure(f, MALFORMED_PACKET, "MQTT-5.0 §2.2.2.1", type, V5);
  }

  @ParameterizedTest(name = "identifier {0}")
  @CsvSource({"00", "04", "2B", "7F", "8001"})
  @DisplayName("MQTT-5.0 §2.2.2.2: a property identifier 5.0 does not define is malformed")
  void propertyId_whenUnknown_thenMalformed(String identifier) {
    byte[] bytes = packet("30", utf8("a"), props(identifier, "00"));

    DecodeFailure f = DecoderHarness.server(V5).reject(bytes);

    assertFailure(f, MALFORMED_PACKET, "MQTT-5.0 §2.2.2.2", PUBLISH, V5);
  }

  static Stream<Arguments> propertyNotAllowedInThePacket() {
    String will = props("11 0000000A") + utf8("w") + "0000";
    return Stream.of(
        arguments(Role.SERVER, CONNECT, named("Topic Alias in CONNECT",
            packet("10", connectBody(V5, 0x02, "23 0001", utf8("c"))))),
        arguments(Role.SERVER, CONNECT, named("Will Delay Interval in CONNECT properties",
            packet("10", connectBody(V5, 0x02, "18 00000005", utf8("c"))))),
        arguments(Role.SERVER, CONNECT, named("Session Expiry Interval in will properties",
            packet("10", connectBody(V5, 0x06, "", utf8("c") + will)))),
        arguments(Role.SERVER, PUBLISH, named("Session Expiry Interval in PUBLISH",
            packet("30", utf8("a"), props("11 0000000A")))),
        arguments(Role.SERVER, SUBSCRIBE, named("Topic Alias in SUBSCRIBE",
            packet("82", "0001", props("23 0001"), utf8("a"), "00"))),
        arguments(Role.SERVER, PUBACK, named("Content Type in PUBACK",
            packet("40", "0001 00", props("03", utf8("t"))))),
        arguments(Role.SERVER, AUTH, named("Server Reference in AUTH",
            packet("F0", "18", props("1C", utf8("s"))))),
        arguments(Role.CLIENT, CONNACK, named("Will Delay Interval in CONNACK",
            packet("20", "00 00", props("18 00000001")))));
  }

  @ParameterizedTest(name = "{2} on a {0}")
  @MethodSource("propertyNotAllowedInThePacket")
  @DisplayName("MQTT-5.0 §2.2.2.2: a property the packet may not carry is malformed")
  void property_whenNotAllowedInThePacket_thenMalformed(Role role, MqttPacketType type,
      byte[] bytes) {
    DecodeFailure f = v5(role, type).reject(bytes);

    assertFailure(f, MALFORMED_PACKET, "MQTT-5.0 §2.2.2.2", type, V5);
  }

  static Stream<Arguments> propertyTwice() {
    return Stream.of(
        arguments(Role.SERVER, CONNECT, named("Session Expiry Interval twice in CONNECT",
            packet("10", connectBody(V5, 0x02, "11 00000001 11 00000002", utf8("c"))))),
        arguments(Role.SERVER, PUBLISH, named("Content Type twice in PUBLISH",
            packet("30", utf8("a"), props("03", utf8("x"), "03", utf8("y"))))),
        arguments(Role.SERVER, PUBLISH, named("Topic Alias twice in PUBLISH",
            packet("30", utf8("a"), props("23 0001 23 0002")))),
        arguments(Role.SERVER, SUBSCRIBE, named("Subscription Identifier twice in SUBSCRIBE",
            packet("82", "0001", props("0B 01 0B 02"), utf8("a"), "00"))),
        arguments(Role.CLIENT, CONNACK, named("Maximum QoS twice in CONNACK",
            packet("20", "00 00", props("24 00 24 01")))));
  }

  @ParameterizedTest(name = "{2} on a {0}")
  @MethodSource("propertyTwice")
  @DisplayName("MQTT-5.0 §2.2.2.2: a property other than User Property (and Subscription"
      + " Identifier in PUBLISH) included twice is a protocol error")
  void property_whenIncludedTwice_thenProtocolError(Role role, MqttPacketType type,
      byte[] bytes) {
    DecodeFailure f = v5(role, type).reject(bytes);

    assertFailure(f, PROTOCOL_ERROR, "MQTT-5.0 §2.2.2.2", type, V5);
  }

  @Test
  @DisplayName("MQTT-5.0 §2.2.2.2: User Property and Subscription Identifier may repeat in a"
      + " server's PUBLISH")
  void userPropertyAndSubscriptionId_whenRepeatedInServerPublish_thenAccepted() {
    String list = props("0B 01", "0B 8201", "26", utf8("k"), utf8("v1"),
        "26", utf8("k"), utf8("v2"));

    MqttPacket p = DecoderHarness.client(V5).acceptOne(packet("30", utf8("a"), list, "2A"));

    assertThat(p).isInstanceOf(Publish.class);
    assertThat(((Publish) p).properties().subscriptionIdentifiers()).containsExactly(1, 130);
    assertThat(((Publish) p).properties().userProperties())
        .containsExactly(new UserProperty("k", "v1"), new UserProperty("k", "v2"));
  }

  @Test
  @DisplayName("MQTT-3.3.4-6: a Subscription Identifier in a client's PUBLISH is a protocol"
      + " error")
  void subscriptionId_whenInClientPublish_thenProtocolError() {
    byte[] bytes = packet("30", utf8("a"), props("0B 01"));

    DecodeFailure f = DecoderHarness.server(V5).reject(bytes);

    assertFailure(f, PROTOCOL_ERROR, "MQTT-3.3.4-6", PUBLISH, V5);
  }

  static Stream<Arguments> subscriptionIdentifierZero() {
    return Stream.of(
        arguments(Role.SERVER, SUBSCRIBE, named("in SUBSCRIBE",
            packet("82", "0001", props("0B 00"), utf8("a"), "00"))),
        arguments(Role.CLIENT, PUBLISH, named("in a server's PUBLISH",
            packet("30", utf8("a"), props("0B 00")))));
  }

  @ParameterizedTest(name = "{2}")
  @MethodSource("subscriptionIdentifierZero")
  @DisplayName("MQTT-5.0 §3.8.2.1.2: Subscription Identifier 0 is a protocol error")
  void subscriptionId_when0_thenProtocolError(Role role, MqttPacketType type, byte[] bytes) {
    DecodeFailure f = v5(role, type).reject(bytes);

    assertFailure(f, PROTOCOL_ERROR, "MQTT-5.0 §3.8.2.1.2", type, V5);
  }

  static Stream<Arguments> receiveMaximumZero() {
    return Stream.of(
        arguments(Role.SERVER, CONNECT, named("in CONNECT",
            packet("10", connectBody(V5, 0x02, "21 0000", utf8("c"))))),
        arguments(Role.CLIENT, CONNACK, named("in CONNACK",
            packet("20", "00 00", props("21 0000")))));
  }

  @ParameterizedTest(name = "{2}")
  @MethodSource("receiveMaximumZero")
  @DisplayName("MQTT-5.0 §3.1.2.11.3: Receive Maximum 0 is a protocol error")
  void receiveMaximum_when0_thenProtocolError(Role role, MqttPacketType type, byte[] bytes) {
    DecodeFailure f = v5(role, type).reject(bytes);

    assertFailure(f, PROTOCOL_ERROR, "MQTT-5.0 §3.1.2.11.3", type, V5);
  }

  static Stream<Arguments> maximumPacketSizeZero() {
    return Stream.of(
        arguments(Role.SERVER, CONNECT, named("in CONNECT",
            packet("10", connectBody(V5, 0x02, "27 00000000", utf8("c"))))),
        arguments(Role.CLIENT, CONNACK, named("in CONNACK",
            packet("20", "00 00", props("27 00000000")))));
  }

  @ParameterizedTest(name = "{2}")
  @MethodSource("maximumPacketSizeZero")
  @DisplayName("MQTT-5.0 §3.1.2.11.4: Maximum Packet Size 0 is a protocol error")
  void maximumPacketSize_when0_thenProtocolError(Role role, MqttPacketType type,
      byte[] bytes) {
    DecodeFailure f = v5(role, type).reject(bytes);

    assertFailure(f, PROTOCOL_ERROR, "MQTT-5.0 §3.1.2.11.4", type, V5);
  }

  @ParameterizedTest(name = "on a {0}")
  @EnumSource(Role.class)
  @DisplayName("MQTT-3.3.2-8: Topic Alias 0 is refused as Topic Alias invalid (0x94)")
  void topicAlias_when0_thenTopicAliasInvalid(Role role) {
    byte[] bytes = packet("30", utf8("a"), props("23 0000"));

    DecodeFailure f = DecoderHarness.of(role, V5).reject(bytes);

    assertFailure(f, ReasonCode.TOPIC_ALIAS_INVALID, "MQTT-3.3.2-8", PUBLISH, V5);
  }

  static Stream<Arguments> byteProperty2() {
    String will = props("01 02") + utf8("w") + "0000";
    return Stream.of(
        arguments(Role.SERVER, PUBLISH, named("Payload Format Indicator 2 in PUBLISH",
            packet("30", utf8("a"), props("01 02")))),
        arguments(Role.SERVER, CONNECT, named("Payload Format Indicator 2 in a will",
            packet("10", connectBody(V5, 0x06, "", utf8("c") + will)))),
        arguments(Role.SERVER, CONNECT, named("Request Problem Information 2",
            packet("10", connectBody(V5, 0x02, "17 02", utf8("c"))))),
        arguments(Role.SERVER, CONNECT, named("Request Response Information FF",
            packet("10", connectBody(V5, 0x02, "19 FF", utf8("c"))))),
        arguments(Role.CLIENT, CONNACK, named("Maximum QoS 2",
            packet("20", "00 00", props("24 02")))),
        arguments(Role.CLIENT, CONNACK, named("Retain Available 2",
            packet("20", "00 00", props("25 02")))),
        arguments(Role.CLIENT, CONNACK, named("Wildcard Subscription Available 2",
            packet("20", "00 00", props("28 02")))),
        arguments(Role.CLIENT, CONNACK, named("Subscription Identifiers Available 2",
            packet("20", "00 00", props("29 02")))),
        arguments(Role.CLIENT, CONNACK, named("Shared Subscription Available 2",
            packet("20", "00 00", props("2A 02")))));
  }

  @ParameterizedTest(name = "{2}")
  @MethodSource("byteProperty2")
  @DisplayName("MQTT-5.0 §2.2.2.2: a Byte property other than 0 or 1 is a protocol error")
  void byteProperty_whenNot0Or1_thenProtocolError(Role role, MqttPacketType type,
      byte[] bytes) {
    DecodeFailure f = v5(role, type).reject(bytes);

    assertFailure(f, PROTOCOL_ERROR, "MQTT-5.0 §2.2.2.2", type, V5);
  }

  static Stream<Arguments> variableByteIntegerTooLong() {
    return Stream.of(
        arguments(SUBSCRIBE, named("Subscription Identifier of five bytes",
            packet("82", "0001", props("0B 80808080 01"), utf8("a"), "00"))),
        arguments(PUBLISH, named("Property Length of five bytes",
            packet("30", utf8("a"), "80808080 01", "00"))));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("variableByteIntegerTooLong")
  @DisplayName("MQTT-5.0 §1.5.5: a Variable Byte Integer longer than four bytes is malformed")
  void variableByteInteger_whenLongerThanFourBytes_thenMalformed(MqttPacketType type,
      byte[] bytes) {
    DecodeFailure f = DecoderHarness.server(V5).reject(bytes);

    assertFailure(f, MALFORMED_PACKET, "MQTT-5.0 §1.5.5", type, V5);
  }

  static Stream<Arguments> variableByteIntegerNotShortest() {
    return Stream.of(
        arguments(SUBSCRIBE, named("Subscription Identifier 1 as 81 00",
            packet("82", "0001", props("0B 8100"), utf8("a"), "00"))),
        arguments(PUBLISH, named("Property Length 0 as 80 00",
            packet("30", utf8("a"), "8000"))),
        arguments(PUBLISH, named("property identifier 0x26 as A6 00",
            packet("30", utf8("a"), props("A600", utf8("k"), utf8("v"))))));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("variableByteIntegerNotShortest")
  @DisplayName("MQTT-1.5.5-1: a Variable Byte Integer inside the packet not in its shortest"
      + " form is malformed")
  void variableByteInteger_whenNotShortest_thenMalformed(MqttPacketType type, byte[] bytes) {
    DecodeFailure f = DecoderHarness.server(V5).reject(bytes);

    assertFailure(f, MALFORMED_PACKET, "MQTT-1.5.5-1", type, V5);
  }

  // ---- packets that end too early ----

  static Stream<Arguments> truncatedPackets() {
    return Stream.of(
        arguments(Role.SERVER, null, CONNECT, null, "MQTT-3.1.1 §1.5",
            named("CONNECT ending inside the protocol name", packet("10", "0004 4D51"))),
        arguments(Role.SERVER, null, CONNECT, V5, "MQTT-5.0 §1.5",
            named("5.0 CONNECT ending inside keep alive", packet("10", protocol(V5), "02 00"))),
        arguments(Role.SERVER, null, CONNECT, V3_1_1, "MQTT-3.1.1 §1.5",
            named("3.1.1 CONNECT ending inside the client id",
                packet("10", protocol(V3_1_1), "02 003C", "0005 6162"))),
        arguments(Role.SERVER, null, CONNECT, V5, "MQTT-5.0 §1.5",
            named("5.0 CONNECT ending inside the password",
                packet("10", connectBody(V5, 0xC2, "", utf8("c") + utf8("u") + "0004 70")))),
        arguments(Role.SERVER, V5, PUBLISH, V5, "MQTT-5.0 §1.5",
            named("PUBLISH ending inside the topic", packet("30", "0005 61"))),
        arguments(Role.SERVER, V3_1_1, PUBLISH, V3_1_1, "MQTT-3.1.1 §1.5",
            named("QoS 1 PUBLISH ending inside the packet identifier",
                packet("32", utf8("a"), "00"))),
        arguments(Role.SERVER, V5, PUBLISH, V5, "MQTT-5.0 §1.5",
            named("QoS 1 PUBLISH ending before the Property Length",
                packet("32", utf8("a"), "0001"))),
        arguments(Role.SERVER, V5, PUBLISH, V5, "MQTT-5.0 §1.5",
            named("PUBLISH ending inside a Content Type",
                packet("30", utf8("a"), props("03 0005 61")))),
        arguments(Role.SERVER, V5, PUBLISH, V5, "MQTT-5.0 §1.5",
            named("PUBLISH ending inside a User Property value",
                packet("30", utf8("a"), props("26", utf8("k"), "0003 76")))),
        arguments(Role.SERVER, V5, DISCONNECT, V5, "MQTT-5.0 §1.5",
            named("DISCONNECT ending inside a Session Expiry Interval",
                packet("E0", "00", props("11 00")))),
        arguments(Role.SERVER, V5, AUTH, V5, "MQTT-5.0 §1.5",
            named("AUTH ending before its Authentication Method",
                packet("F0", "18", props("15")))),
        arguments(Role.SERVER, V5, SUBSCRIBE, V5, "MQTT-5.0 §1.5",
            named("SUBSCRIBE ending before the subscription options",
                packet("82", "0001", "00", utf8("a")))),
        arguments(Role.SERVER, V3_1, PUBACK, V3_1, "MQTT-3.1.1 §1.5",
            named("PUBACK ending inside the packet identifier", packet("40", "00"))),
        arguments(Role.CLIENT, V5, CONNACK, V5, "MQTT-5.0 §1.5",
            named("CONNACK ending after the flags", packet("20", "00"))),
        arguments(Role.CLIENT, V3_1_1, SUBACK, V3_1_1, "MQTT-3.1.1 §1.5",
            named("SUBACK ending inside the packet identifier", packet("90", "00"))));
  }

  @ParameterizedTest(name = "{5}")
  @MethodSource("truncatedPackets")
  @DisplayName("MQTT-5.0 §1.5 (5.0), MQTT-3.1.1 §1.5 (3.x): a packet ending inside a field is"
      + " malformed")
  void packet_whenEndingInsideAField_thenMalformed(Role role,
      @Nullable MqttVersion connectedWith, MqttPacketType type,
      @Nullable MqttVersion reportedVersion, String statementId, byte[] bytes) {
    DecodeFailure f = DecoderHarness.of(role, connectedWith).reject(bytes);

    assertFailure(f, MALFORMED_PACKET, statementId, type, reportedVersion);
  }

  // ---- UTF-8 Encoded Strings ----

  /** Byte sequences RFC 3629 rules out, as MQTT-1.5.4-1 (5.0) and MQTT-1.5.3-1 (3.1.1) do. */
  private static final List<Arguments> ILL_FORMED = List.of(
      arguments(named("overlong '/' C0 AF", "C0 AF")),
      arguments(named("overlong C1 BF", "C1 BF")),
      arguments(named("overlong three-byte E0 80 AF", "E0 80 AF")),
      arguments(named("overlong four-byte F0 80 80 AF", "F0 80 80 AF")),
      arguments(named("surrogate U+D800 ED A0 80", "ED A0 80")),
      arguments(named("surrogate U+DFFF ED BF BF", "ED BF BF")),
      arguments(named("above U+10FFFF F4 90 80 80", "F4 90 80 80")),
      arguments(named("lead byte F5", "F5 80 80 80")),
      arguments(named("lead byte FF", "FF")),
      arguments(named("three-byte sequence cut short E2 82", "E2 82")),
      arguments(named("four-byte sequence cut short F0 9F 98", "F0 9F 98")),
      arguments(named("sequence cut short by ASCII C3 41", "C3 41")),
      arguments(named("stray continuation 80", "80")),
      arguments(named("stray continuation after a character C3 A9 A9", "C3 A9 A9")));

  static Stream<Arguments> illFormedInEveryVersion() {
    List<Arguments> all = new ArrayList<>();
    for (Arguments sequence : ILL_FORMED) {
      all.add(arguments(V5, "MQTT-1.5.4-1", sequence.get()[0]));
      all.add(arguments(V3_1_1, "MQTT-1.5.3-1", sequence.get()[0]));
    }
    return all.stream();
  }

  static Stream<Arguments> illFormed() {
    return ILL_FORMED.stream();
  }

  @ParameterizedTest(name = "{1}: {2} in MQTT {0}")
  @MethodSource("illFormedInEveryVersion")
  @DisplayName("MQTT-1.5.4-1 (5.0), MQTT-1.5.3-1 (3.x): ill-formed UTF-8 in a topic name is"
      + " malformed")
  void topic_whenIllFormedUtf8_thenMalformed(MqttVersion version, String statementId,
      String sequence) {
    DecodeFailure f = DecoderHarness.server(version)
        .reject(publishWithTopicBytes(version, "61 2F" + sequence + "2F 62"));

    assertFailure(f, MALFORMED_PACKET, statementId, PUBLISH, version);
  }

  @ParameterizedTest(name = "{1}: {2} in MQTT {0}")
  @CsvSource({
    "V5,     MQTT-1.5.4-1, ED A0 80",
    "V5,     MQTT-1.5.4-1, C0 80",
    "V3_1_1, MQTT-1.5.3-1, F5 80 80 80",
    "V3_1,   MQTT-1.5.3-1, 63 80",
  })
  @DisplayName("MQTT-1.5.4-1 (5.0), MQTT-1.5.3-1 (3.x): ill-formed UTF-8 in a client id is"
      + " malformed")
  void clientId_whenIllFormedUtf8_thenMalformed(MqttVersion version, String statementId,
      String sequence) {
    byte[] bytes = packet("10", connectBody(version, 0x02, "", utf8Bytes(sequence)));

    DecodeFailure f = DecoderHarness.freshServer().reject(bytes);

    assertFailure(f, MALFORMED_PACKET, statementId, CONNECT, version);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("illFormed")
  @DisplayName("MQTT-1.5.4-1: ill-formed UTF-8 in a User Property name or value is malformed")
  void userProperty_whenIllFormedUtf8_thenMalformed(String sequence) {
    byte[] inName = packet("30", utf8("a"), props("26", utf8Bytes(sequence), utf8("v")));
    byte[] inValue = packet("30", utf8("a"), props("26", utf8("k"), utf8Bytes(sequence)));

    DecodeFailure name = DecoderHarness.server(V5).reject(inName);
    DecodeFailure value = DecoderHarness.server(V5).reject(inValue);

    assertFailure(name, MALFORMED_PACKET, "MQTT-1.5.4-1", PUBLISH, V5);
    assertFailure(value, MALFORMED_PACKET, "MQTT-1.5.4-1", PUBLISH, V5);
  }

  static Stream<Arguments> nullCharacter() {
    return Stream.of(
        arguments(Role.SERVER, V5, PUBLISH, V5, "MQTT-1.5.4-2",
            named("topic name", publishWithTopicBytes(V5, "61 00 62"))),
        arguments(Role.CLIENT, V3_1_1, PUBLISH, V3_1_1, "MQTT-1.5.3-2",
            named("topic name", publishWithTopicBytes(V3_1_1, "00"))),
        arguments(Role.SERVER, null, CONNECT, V5, "MQTT-1.5.4-2",
            named("client id", packet("10", connectBody(V5, 0x02, "", utf8Bytes("63 00"))))),
        arguments(Role.SERVER, null, CONNECT, V3_1_1, "MQTT-1.5.3-2",
            named("client id", packet("10", connectBody(V3_1_1, 0x02, "", utf8Bytes("00"))))),
        arguments(Role.SERVER, V5, PUBLISH, V5, "MQTT-1.5.4-2",
            named("User Property name",
                packet("30", utf8("a"), props("26", utf8Bytes("6B 00"), utf8("v"))))),
        arguments(Role.CLIENT, V5, PUBLISH, V5, "MQTT-1.5.4-2",
            named("User Property value",
                packet("30", utf8("a"), props("26", utf8("k"), utf8Bytes("00 76"))))),
        arguments(Role.SERVER, V3_1_1, SUBSCRIBE, V3_1_1, "MQTT-1.5.3-2",
            named("topic filter", packet("82", "0001", utf8Bytes("61 2F 00"), "00"))));
  }

  @ParameterizedTest(name = "{4} in the {5}, MQTT {3}")
  @MethodSource("nullCharacter")
  @DisplayName("MQTT-1.5.4-2 (5.0), MQTT-1.5.3-2 (3.x): U+0000 in a UTF-8 Encoded String is"
      + " malformed")
  void string_whenContainsNullCharacter_thenMalformed(Role role,
      @Nullable MqttVersion connectedWith, MqttPacketType type, MqttVersion reportedVersion,
      String statementId, byte[] bytes) {
    DecodeFailure f = DecoderHarness.of(role, connectedWith).reject(bytes);

    assertFailure(f, MALFORMED_PACKET, statementId, type, reportedVersion);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "U+007F,   7F,          7F",
    "U+0080,   C2 80,       80",
    "U+07FF,   DF BF,       7FF",
    "U+0800,   E0 A0 80,    800",
    "U+D7FF,   ED 9F BF,    D7FF",
    "U+E000,   EE 80 80,    E000",
    "U+FFFF,   EF BF BF,    FFFF",
    "U+10000,  F0 90 80 80, 10000",
    "U+10FFFF, F4 8F BF BF, 10FFFF",
  })
  @DisplayName("MQTT-1.5.4-1: the boundary code points of well-formed UTF-8 are accepted")
  void topic_whenBoundaryCodePoint_thenAccepted(String name, String bytes, String codePoint) {
    MqttPacket p = DecoderHarness.server(V5).acceptOne(publishWithTopicBytes(V5, bytes));

    assertThat(p).isInstanceOf(Publish.class);
    assertThat(((Publish) p).topic())
        .isEqualTo(Character.toString(Integer.parseInt(codePoint, 16)));
  }
}
