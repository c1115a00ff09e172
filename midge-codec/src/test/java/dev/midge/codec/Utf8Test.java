package dev.midge.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link Utf8#isWellFormed(byte[])}: the check for payloads declared as UTF-8 character data. */
class Utf8Test {

  private static byte[] hex(String hex) {
    return HexFormat.of().parseHex(hex);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {
      "", "41", "00", "410042", "c2a9", "e282ac", "f09f9880", "efbbbf", "f48fbfbf", "ed9fbf",
      "ee8080"})
  @DisplayName("§3.3.2.3.2: well-formed UTF-8 passes, U+0000 and U+FEFF included")
  void isWellFormed_whenWellFormed_thenTrue(String bytes) {
    assertThat(Utf8.isWellFormed(hex(bytes))).isTrue();
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {
      "80", "bf", "c080", "c1bf", "c2", "e282", "e08080", "eda080", "edbfbf", "f08f8080",
      "f4908080", "f5808080", "ff", "fe", "41c3", "41e2ac", "f09f98"})
  @DisplayName("§3.3.2.3.2, RFC 3629: stray continuations, overlong forms, surrogates, above"
      + " U+10FFFF and truncated sequences fail")
  void isWellFormed_whenIllFormed_thenFalse(String bytes) {
    assertThat(Utf8.isWellFormed(hex(bytes))).isFalse();
  }

  @Test
  @DisplayName("agrees with the JDK's strict UTF-8 decoder on random and mostly-valid input")
  void isWellFormed_whenRandomBytes_thenAgreesWithJdkDecoder() {
    Random random = new Random(20260517);
    CharsetDecoder jdk = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    for (int n = 0; n < 20_000; n++) {
      byte[] bytes;
      if (n % 2 == 0) {
        bytes = new byte[random.nextInt(12)];
        random.nextBytes(bytes);
      } else {
        // Valid text with one byte changed: most such inputs sit close to the boundary.
        StringBuilder sb = new StringBuilder();
        for (int i = random.nextInt(6); i >= 0; i--) {
          sb.appendCodePoint(random.nextInt(4) == 0 ? random.nextInt(0x80)
              : 0x80 + random.nextInt(0x10FFFF - 0x80));
        }
        String s = sb.toString();
        if (!s.codePoints().allMatch(cp -> cp < 0xD800 || cp > 0xDFFF)) {
          continue;
        }
        bytes = s.getBytes(StandardCharsets.UTF_8);
        bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
      }
      boolean expected;
      try {
        jdk.reset().decode(ByteBuffer.wrap(bytes));
        expected = true;
      } catch (CharacterCodingException e) {
        expected = false;
      }
      assertThat(Utf8.isWellFormed(bytes)).as(HexFormat.of().formatHex(bytes)).isEqualTo(expected);
    }
  }
}
