package dev.midge.codec;

import static dev.midge.codec.DecoderHarness.assertFailure;
import static dev.midge.codec.DecoderHarness.concat;
import static dev.midge.codec.DecoderHarness.connectBody;
import static dev.midge.codec.DecoderHarness.hex;
import static dev.midge.codec.DecoderHarness.packet;
import static dev.midge.codec.DecoderHarness.utf8;
import static dev.midge.codec.reason.ReasonCode.MALFORMED_PACKET;
import static dev.midge.codec.reason.ReasonCode.PACKET_TOO_LARGE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.MqttPacket;
import dev.midge.codec.packet.Pingreq;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Subscribe;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.property.Properties;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * How {@link MqttDecoder} frames packets off the byte stream: the remaining length, the maximum
 * packet size, and packets arriving in pieces or many to a buffer. Rejections come first, one test
 * each, named by the statement id the failure reports; then the framing that must work.
 */
class DecoderFramingTest {

  // ---- rejections ----

  @ParameterizedTest(name = "{2} on a {0} speaking MQTT {1}")
  @CsvSource({
    "SERVER,       , MQTT-3.1.1 §2.2.3",
    "SERVER, V3_1_1, MQTT-3.1.1 §2.2.3",
    "SERVER, V5    , MQTT-5.0 §1.5.5",
    "CLIENT, V3_1  , MQTT-3.1.1 §2.2.3",
    "CLIENT, V5    , MQTT-5.0 §1.5.5",
  })
  @DisplayName("MQTT-5.0 §1.5.5 (5.0), MQTT-3.1.1 §2.2.3 (3.x): a remaining length with a fifth"
      + " byte is malformed")
  void remainingLength_whenFourthByteContinues_thenMalformed(Role role,
      @Nullable MqttVersion version, String statementId) {
    DecoderHarness h = DecoderHarness.of(role, version);

    // Four bytes with the continuation bit: a fifth would be needed, which MQTT does not allow.
    // The decoder fails without waiting for it.
    DecodeFailure f = h.reject(hex("30 FF FF FF FF"));

    assertFailure(f, MALFORMED_PACKET, statementId, MqttPacketType.PUBLISH, version);
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
    "SERVER, C0 80 00",
    "SERVER, C0 80 80 00",
    "SERVER, C0 80 80 80 00",
    "CLIENT, D0 80 00",
  })
  @DisplayName("MQTT-1.5.5-1: in MQTT 5.0 a remaining length not in its shortest form is"
      + " malformed")
  void remainingLength_whenNotShortestIn5_thenMalformed(Role role, String bytes) {
    DecoderHarness h = DecoderHarness.of(role, MqttVersion.V5);

    DecodeFailure f = h.reject(hex(bytes));

    MqttPacketType type = role == Role.SERVER ? MqttPacketType.PINGREQ : MqttPacketType.PINGRESP;
    assertFailure(f, MALFORMED_PACKET, "MQTT-1.5.5-1", type, MqttVersion.V5);
  }

  @Test
  @DisplayName("MQTT-1.5.5-1: a 5.0 CONNECT whose remaining length is not in its shortest form is"
      + " malformed, though the version is known only once it is decoded")
  void connect_whenRemainingLengthNotShortestIn5_thenMalformed() {
    byte[] body = hex(connectBody(MqttVersion.V5, 0x02, "", utf8("c")));
    byte[] connect = concat(hex("10"), new byte[] {(byte) (0x80 | body.length), 0x00}, body);

    DecodeFailure f = DecoderHarness.freshServer().reject(connect);

    assertFailure(f, MALFORMED_PACKET, "MQTT-1.5.5-1", MqttPacketType.CONNECT, MqttVersion.V5);
  }

  @ParameterizedTest(name = "{2} on a {0} speaking MQTT {1}")
  @CsvSource({
    "SERVER,       , MQTT-3.1.1 §2.2.3",
    "SERVER, V3_1_1, MQTT-3.1.1 §2.2.3",
    "SERVER, V5    , MQTT-5.0 §3.2.2.3.6",
    "CLIENT, V3_1  , MQTT-3.1.1 §2.2.3",
    "CLIENT, V5    , MQTT-5.0 §3.2.2.3.6",
  })
  @DisplayName("MQTT-5.0 §3.2.2.3.6 (5.0), MQTT-3.1.1 §2.2.3 (3.x): a header announcing 200 MiB"
      + " with a 1 MiB maximum fails at once, before any of the body arrives")
  void header_whenAnnouncing200MiBOverA1MiBMaximum_thenPacketTooLargeAtOnce(Role role,
      @Nullable MqttVersion version, String statementId) {
    DecoderHarness h = DecoderHarness.of(role, version);
    assertThat(h.decoder().failed()).isFalse();

    // PUBLISH QoS 1 with remaining length 209,715,200 (0x0C800000): 80 80 80 64.
    h.write(hex("32 80 80 80 64"));
    List<Object> out = h.drain();

    assertThat(out).hasSize(1);
    assertFailure((DecodeFailure) out.get(0), PACKET_TOO_LARGE, statementId,
        MqttPacketType.PUBLISH, version);
    // The body that follows is dropped as it arrives, not buffered.
    h.write(new byte[64 * 1024]);
    h.write(new byte[64 * 1024]);
    assertThat(h.drain()).isEmpty();
    h.assertNothingHeld();
    h.close();
  }

  @ParameterizedTest(name = "{2} on a {0} speaking MQTT {1}")
  @CsvSource({
    "SERVER,       , MQTT-3.1.1 §2.2.3",
    "CLIENT, V3_1_1, MQTT-3.1.1 §2.2.3",
    "CLIENT, V5    , MQTT-5.0 §3.2.2.3.6",
  })
  @DisplayName("MQTT-5.0 §3.2.2.3.6 (5.0), MQTT-3.1.1 §2.2.3 (3.x): the largest remaining length"
      + " MQTT can express, 268,435,455, over a 128-byte maximum is too large")
  void header_whenLargestRemainingLengthOverSmallMaximum_thenPacketTooLarge(Role role,
      @Nullable MqttVersion version, String statementId) {
    DecoderHarness h = role == Role.SERVER
        ? DecoderHarness.freshServer(128)
        : DecoderHarness.client(version, 128);

    DecodeFailure f = h.reject(hex("30 FF FF FF 7F"));

    assertFailure(f, PACKET_TOO_LARGE, statementId, MqttPacketType.PUBLISH, version);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @CsvSource({"V3_1_1, MQTT-3.1.1 §2.2.3", "V5, MQTT-5.0 §3.2.2.3.6"})
  @DisplayName("MQTT-5.0 §3.2.2.3.6 (5.0), MQTT-3.1.1 §2.2.3 (3.x): a packet one byte over the"
      + " maximum is too large, one of exactly the maximum is accepted")
  void packet_whenOneByteOverTheMaximum_thenPacketTooLarge(MqttVersion version,
      String statementId) {
    String properties = version.isV5() ? "00" : "";
    byte[] exact = packet("30", utf8("a"), properties, "01 02 03 04 05");
    byte[] over = packet("30", utf8("a"), properties, "01 02 03 04 05 06");

    DecoderHarness fits = DecoderHarness.server(version);
    fits.decoder().maximumPacketSize(exact.length);
    MqttPacket accepted = fits.acceptOne(exact);
    DecoderHarness tooLarge = DecoderHarness.server(version);
    tooLarge.decoder().maximumPacketSize(exact.length);
    DecodeFailure f = tooLarge.reject(over);

    assertThat(accepted).isInstanceOf(Publish.class);
    assertFailure(f, PACKET_TOO_LARGE, statementId, MqttPacketType.PUBLISH, version);
  }

  // ---- framing that must work ----

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-5.0 §2.1.4, MQTT-3.1.1 §2.2.3: a stream fed one byte at a time gives each"
      + " packet exactly when its last byte arrives")
  void stream_whenFedOneByteAtATime_thenEachPacketOnItsLastByte(MqttVersion version) {
    List<byte[]> packets = sessionFromClient(version);
    byte[] stream = concat(packets.toArray(byte[][]::new));
    DecoderHarness h = DecoderHarness.freshServer();

    List<Object> out = new ArrayList<>();
    int end = 0;
    int complete = 0;
    for (int i = 0; i < stream.length; i++) {
      h.write(new byte[] {stream[i]});
      out.addAll(h.drain());
      if (i + 1 == end + packets.get(complete).length) {
        end += packets.get(complete).length;
        complete++;
      }
      assertThat(out).as("packets out after byte %d", i).hasSize(complete);
    }
    h.close();

    assertThat(out).isEqualTo(expectedSessionFromClient(version));
  }

  @Test
  @DisplayName("MQTT-5.0 §2.1.4: one buffer holding a thousand packets gives all of them, in"
      + " order")
  void buffer_whenHoldingManyPackets_thenAllInOrder() {
    List<byte[]> packets = new ArrayList<>();
    List<MqttPacket> expected = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      packets.add(packet("30", utf8("t/" + i), "00", "2A"));
      expected.add(Publish.atMostOnce("t/" + i, new byte[] {42}));
    }
    packets.add(hex("C0 00"));
    expected.add(Pingreq.INSTANCE);

    List<MqttPacket> out = DecoderHarness.server(MqttVersion.V5)
        .accept(concat(packets.toArray(byte[][]::new)));

    assertThat(out).isEqualTo(expected);
  }

  @Test
  @DisplayName("MQTT-1.5.5-1: applies to MQTT 5.0 only; 3.1.1 accepts a remaining length not in"
      + " its shortest form")
  void remainingLength_whenNotShortestIn311_thenAccepted() {
    MqttPacket p = DecoderHarness.server(MqttVersion.V3_1_1).acceptOne(hex("C0 80 80 00"));

    assertThat(p).isEqualTo(Pingreq.INSTANCE);
  }

  /**
   * A client's side of a short session: CONNECT, a QoS 1 PUBLISH whose 200-byte payload makes
   * its remaining length two bytes long, SUBSCRIBE, PINGREQ, DISCONNECT.
   */
  private static List<byte[]> sessionFromClient(MqttVersion v) {
    String props = v.isV5() ? "00" : "";
    String payload = "AB".repeat(200);
    return List.of(
        packet("10", connectBody(v, 0x02, "", utf8("c1"))),
        packet("32", utf8("a/b"), "00 07", props, payload),
        packet("82", "00 08", props, utf8("a/#"), "01"),
        hex("C0 00"),
        hex("E0 00"));
  }

  private static List<Object> expectedSessionFromClient(MqttVersion v) {
    byte[] payload = new byte[200];
    Arrays.fill(payload, (byte) 0xAB);
    return List.of(
        Connect.builder(v).clientId("c1").build(),
        new Publish("a/b", MqttQos.AT_LEAST_ONCE, false, false, 7, payload, Properties.EMPTY),
        new Subscribe(8, List.of(new Subscription("a/#", MqttQos.AT_LEAST_ONCE)),
            Properties.EMPTY),
        Pingreq.INSTANCE,
        Disconnect.NORMAL);
  }
}
