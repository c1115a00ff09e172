package dev.midge.broker.connection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.codec.MqttVersion;
import dev.midge.codec.PacketEncoder;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.reason.ConnackReasonCode;
import dev.midge.codec.reason.DisconnectReasonCode;
import dev.midge.codec.reason.PubackReasonCode;
import dev.midge.codec.reason.SubackReasonCode;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ProblemInformationTest {
  private static final String REASON = "payload format invalid";

  @Test
  @DisplayName("§3.1.2.11.7: absent Request Problem Information means 1: acks carry the reason")
  void puback_whenRequestProblemInformationAbsent_thenReasonString() {
    ProblemInformation p = ProblemInformation.of(MqttVersion.V5, null, null);
    assertThat(p.puback(1, PubackReasonCode.PAYLOAD_FORMAT_INVALID, REASON).properties()
        .reasonString()).isEqualTo(REASON);
  }

  @Test
  @DisplayName("MQTT-3.1.2-29: Request Problem Information 0: no Reason String on acks, but still on"
      + " CONNACK and DISCONNECT")
  void acks_whenRequestProblemInformationZero_thenNoReasonString() {
    ProblemInformation p = ProblemInformation.of(MqttVersion.V5, 0, null);
    assertThat(p.puback(1, PubackReasonCode.PAYLOAD_FORMAT_INVALID, REASON).properties().isEmpty())
        .isTrue();
    assertThat(p.suback(1, List.of(SubackReasonCode.TOPIC_FILTER_INVALID), REASON).properties()
        .isEmpty()).isTrue();
    assertThat(p.connackRefusal(ConnackReasonCode.PAYLOAD_FORMAT_INVALID, REASON).properties()
        .reasonString()).isEqualTo(REASON);
    assertThat(p.disconnect(DisconnectReasonCode.PROTOCOL_ERROR, REASON).properties()
        .reasonString()).isEqualTo(REASON);
  }

  @Test
  @DisplayName("MQTT-3.4.2-2, MQTT-3.14.2-3: a Reason String that would exceed the client's Maximum"
      + " Packet Size is left out; one that fits exactly stays")
  void puback_whenReasonWouldExceedMaximumPacketSize_thenLeftOut() {
    int exact = PacketEncoder.encodedSize(
        new Puback(1, PubackReasonCode.PAYLOAD_FORMAT_INVALID,
            dev.midge.codec.property.Properties.builder().reasonString(REASON).build()),
        MqttVersion.V5);
    assertThat(ProblemInformation.of(MqttVersion.V5, 1, (long) exact)
        .puback(1, PubackReasonCode.PAYLOAD_FORMAT_INVALID, REASON).properties().reasonString())
        .isEqualTo(REASON);
    Puback cut = ProblemInformation.of(MqttVersion.V5, 1, (long) exact - 1)
        .puback(1, PubackReasonCode.PAYLOAD_FORMAT_INVALID, REASON);
    assertThat(cut.properties().isEmpty()).isTrue();
    assertThat(cut.reasonCode()).isEqualTo(PubackReasonCode.PAYLOAD_FORMAT_INVALID);
    assertThat(ProblemInformation.of(MqttVersion.V5, 1, 20L)
        .disconnect(DisconnectReasonCode.PROTOCOL_ERROR, REASON).properties().isEmpty()).isTrue();
  }

  @Test
  @DisplayName("MQTT 3.x has no properties: nothing is added")
  void acks_whenV311_thenNoProperties() {
    ProblemInformation p = ProblemInformation.of(MqttVersion.V3_1_1, null, null);
    assertThat(p.puback(1, PubackReasonCode.SUCCESS, REASON).properties().isEmpty()).isTrue();
    assertThat(p.connackRefusal(ConnackReasonCode.NOT_AUTHORIZED, REASON).properties().isEmpty())
        .isTrue();
  }

  @Test
  @DisplayName("MQTT-1.5.4-2: a Reason String has no U+0000 nor other control characters, is cut to"
      + " its maximum, and never split inside a surrogate pair")
  void readable_whenControlCharactersOrLong_thenCleanedAndCut() {
    assertThat(ProblemInformation.readable("a\u0000b\nc")).isEqualTo("a b c");
    String emoji = "\uD83D\uDE00";
    String longText = "x".repeat(ProblemInformation.MAX_REASON_LENGTH - 2) + emoji + "tail";
    String cut = ProblemInformation.readable(longText);
    assertThat(cut.length()).isLessThanOrEqualTo(ProblemInformation.MAX_REASON_LENGTH);
    assertThat(cut).endsWith("…");
    assertThat(cut.codePoints().noneMatch(cp -> cp >= 0xD800 && cp <= 0xDFFF)).isTrue();
    assertThat(ProblemInformation.readable("ok " + emoji)).isEqualTo("ok " + emoji);
  }
}
