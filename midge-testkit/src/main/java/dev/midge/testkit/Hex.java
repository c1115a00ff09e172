package dev.midge.testkit;

import java.util.HexFormat;

/**
 * Hex strings to bytes and back, for writing packets by hand in tests.
 *
 * <pre>{@code
 * byte[] connack = Hex.bytes("20 02 00 00");  // spaces, colons, commas, newlines and "0x" are ignored
 * Hex.format(connack);                         // "20 02 00 00"
 * }</pre>
 */
public final class Hex {
  private static final HexFormat SPACED = HexFormat.ofDelimiter(" ");

  private Hex() {}

  /**
   * The bytes a hex string spells. Whitespace, {@code :}, {@code ,}, {@code _} and {@code 0x}
   * prefixes are ignored; case does not matter.
   *
   * @throws IllegalArgumentException for an odd number of digits or a character that is not a hex
   *     digit, naming it
   */
  public static byte[] bytes(String hex) {
    String digits = hex.replaceAll("0[xX]", "").replaceAll("[\\s:,_]", "");
    if (digits.length() % 2 != 0) {
      throw new IllegalArgumentException(
          "odd number of hex digits (" + digits.length() + ") in '" + hex + "'");
    }
    for (int i = 0; i < digits.length(); i++) {
      if (Character.digit(digits.charAt(i), 16) < 0) {
        throw new IllegalArgumentException(
            "'" + digits.charAt(i) + "' is not a hex digit, in '" + hex + "'");
      }
    }
    return HexFormat.of().parseHex(digits);
  }

  /** The bytes as lower-case hex pairs separated by single spaces: {@code "20 02 00 00"}. */
  public static String format(byte[] bytes) {
    return SPACED.formatHex(bytes);
  }

  /** Like {@link #format(byte[])}, but at most {@code max} bytes, then how many more there were. */
  public static String format(byte[] bytes, int max) {
    if (bytes.length <= max) {
      return format(bytes);
    }
    return SPACED.formatHex(bytes, 0, max) + " … (" + (bytes.length - max) + " more bytes)";
  }
}
