package dev.midge.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Publish;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RawPacketsTest {

  @Test
  void remainingLength_whenBoundaryValues_thenShortestEncoding() {
    assertThat(RawPackets.remainingLength(0)).containsExactly(0x00);
    assertThat(RawPackets.remainingLength(127)).containsExactly(0x7F);
    assertThat(RawPackets.remainingLength(128)).containsExactly(0x80, 0x01);
    assertThat(RawPackets.remainingLength(16_383)).containsExactly(0xFF, 0x7F);
    assertThat(RawPackets.remainingLength(16_384)).containsExactly(0x80, 0x80, 0x01);
    assertThat(RawPackets.remainingLength(268_435_455)).containsExactly(0xFF, 0xFF, 0xFF, 0x7F);
    assertThatThrownBy(() -> RawPackets.remainingLength(268_435_456))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void frame_whenBuiltByHand_thenSameBytesAsTheEncoder() {
    byte[] payload = new byte[200];
    byte[] byHand = RawPackets.frame(0x30, RawPackets.utf8("a/b"), payload);
    byte[] encoded = RawMqttConnection.encode(Publish.atMostOnce("a/b", payload), MqttVersion.V3_1_1);
    assertThat(byHand).isEqualTo(encoded);
  }

  @Test
  void lengthPrefixed_whenInvalidUtf8_thenKeptVerbatim() {
    assertThat(RawPackets.lengthPrefixed(Hex.bytes("61 ff 62"))).containsExactly(0, 3, 0x61, 0xFF, 0x62);
    assertThat(RawPackets.utf8("é")).isEqualTo(
        RawPackets.concat(RawPackets.u16(2), "é".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void u16AndBytes_whenValues_thenBigEndianAndTruncatedBytes() {
    assertThat(RawPackets.u16(0x1234)).containsExactly(0x12, 0x34);
    assertThat(RawPackets.bytes(4, 0xC2)).containsExactly(0x04, 0xC2);
    assertThatThrownBy(() -> RawPackets.u16(65536)).isInstanceOf(IllegalArgumentException.class);
  }
}
