package dev.midge.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.ByteProcessor;

/**
 * Strict UTF-8 checks on buffer contents, without copying: well-formed as RFC 3629 defines it (no
 * overlong forms, no UTF-16 surrogates, nothing above U+10FFFF), as MQTT-1.5.4-1 requires, and
 * separately whether U+0000 occurs (MQTT-1.5.4-2).
 *
 * <p>The decoder uses the package-private {@link #check} on strings in packets; {@link
 * #isWellFormed(byte[])} is for payloads declared to be UTF-8 Encoded Character Data (MQTT 5
 * Payload Format Indicator 1, §3.3.2.3.2), where U+0000 is allowed.
 */
public final class Utf8 {
  /** The bytes are well-formed UTF-8 without U+0000. */
  static final int VALID = 0;
  /** The bytes are not well-formed UTF-8. */
  static final int ILL_FORMED = 1;
  /** The bytes are well-formed up to a U+0000. */
  static final int HAS_NULL = 2;

  private static final ByteProcessor ASCII_NOT_NUL = b -> b > 0;
  private static final ByteProcessor ASCII = b -> b >= 0;

  private Utf8() {}

  /**
   * Whether {@code bytes} are well-formed UTF-8 (RFC 3629: no overlong forms, no UTF-16
   * surrogates, nothing above U+10FFFF). U+0000 is allowed: this is the rule for UTF-8 Encoded
   * Character Data, such as a payload with Payload Format Indicator 1 (MQTT 5 §3.3.2.3.2), not for
   * UTF-8 Encoded Strings. Scans ASCII runs without per-byte branches; allocates nothing but a
   * wrapper. Thread-safe.
   */
  public static boolean isWellFormed(byte[] bytes) {
    if (bytes.length == 0) {
      return true;
    }
    ByteBuf buf = Unpooled.wrappedBuffer(bytes);
    try {
      return scan(buf, 0, bytes.length, false) == VALID;
    } finally {
      buf.release();
    }
  }

  /** Checks {@code length} bytes of {@code buf} from {@code index}; returns one of the constants. */
  static int check(ByteBuf buf, int index, int length) {
    return scan(buf, index, length, true);
  }

  /**
   * The check itself; with {@code nulIsError}, returns {@link #HAS_NULL} at the first U+0000 (the
   * bytes after it unchecked), else treats U+0000 as any other ASCII character.
   */
  private static int scan(ByteBuf buf, int index, int length, boolean nulIsError) {
    if (length == 0) {
      return VALID;
    }
    // Fast path: most strings are ASCII without U+0000; forEachByte scans without per-byte checks.
    int i = buf.forEachByte(index, length, nulIsError ? ASCII_NOT_NUL : ASCII);
    if (i < 0) {
      return VALID;
    }
    int end = index + length;
    while (i < end) {
      int b = buf.getByte(i);
      if (b > 0) {
        i++;
        continue;
      }
      if (b == 0) {
        if (nulIsError) {
          return HAS_NULL;
        }
        i++;
        continue;
      }
      int lead = b & 0xFF;
      if (lead < 0xC2) {
        return ILL_FORMED; // a stray continuation byte, or C0/C1 which only start overlong forms
      }
      if (lead < 0xE0) {
        if (i + 1 >= end || !continuation(buf.getByte(i + 1))) {
          return ILL_FORMED;
        }
        i += 2;
      } else if (lead < 0xF0) {
        if (i + 2 >= end) {
          return ILL_FORMED;
        }
        int b1 = buf.getByte(i + 1) & 0xFF;
        if (!continuation(b1) || !continuation(buf.getByte(i + 2))) {
          return ILL_FORMED;
        }
        if ((lead == 0xE0 && b1 < 0xA0) || (lead == 0xED && b1 >= 0xA0)) {
          return ILL_FORMED; // overlong, or a UTF-16 surrogate D800..DFFF
        }
        i += 3;
      } else if (lead < 0xF5) {
        if (i + 3 >= end) {
          return ILL_FORMED;
        }
        int b1 = buf.getByte(i + 1) & 0xFF;
        if (!continuation(b1)
            || !continuation(buf.getByte(i + 2))
            || !continuation(buf.getByte(i + 3))) {
          return ILL_FORMED;
        }
        if ((lead == 0xF0 && b1 < 0x90) || (lead == 0xF4 && b1 >= 0x90)) {
          return ILL_FORMED; // overlong, or above U+10FFFF
        }
        i += 4;
      } else {
        return ILL_FORMED;
      }
    }
    return VALID;
  }

  private static boolean continuation(int b) {
    return (b & 0xC0) == 0x80;
  }
}
