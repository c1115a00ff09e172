package dev.midge.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HexTest {

  @Test
  void bytes_whenSeparatorsAndPrefixes_thenIgnored() {
    assertThat(Hex.bytes("20 02 00 00")).containsExactly(0x20, 0x02, 0x00, 0x00);
    assertThat(Hex.bytes("0x20,0x02:00_00\n")).containsExactly(0x20, 0x02, 0x00, 0x00);
    assertThat(Hex.bytes("FfaB")).containsExactly(0xFF, 0xAB);
    assertThat(Hex.bytes("")).isEmpty();
  }

  @Test
  void bytes_whenOddDigitCount_thenRefusedNamingTheInput() {
    assertThatThrownBy(() -> Hex.bytes("20 0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("odd number of hex digits")
        .hasMessageContaining("'20 0'");
  }

  @Test
  void bytes_whenNotHex_thenRefusedNamingTheCharacter() {
    assertThatThrownBy(() -> Hex.bytes("2g"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'g' is not a hex digit");
  }

  @Test
  void format_whenBytes_thenLowerCaseSpacedPairs() {
    assertThat(Hex.format(new byte[] {0x20, 0x02, (byte) 0xFF, 0x0a})).isEqualTo("20 02 ff 0a");
    assertThat(Hex.format(new byte[0])).isEmpty();
  }

  @Test
  void format_whenLongerThanMax_thenCutWithCount() {
    assertThat(Hex.format(new byte[] {1, 2, 3, 4}, 2)).isEqualTo("01 02 … (2 more bytes)");
    assertThat(Hex.format(new byte[] {1, 2}, 2)).isEqualTo("01 02");
  }
}
