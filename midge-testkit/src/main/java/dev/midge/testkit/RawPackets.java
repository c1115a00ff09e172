package dev.midge.testkit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Building blocks for packets written byte by byte, for input the encoder refuses to produce:
 * invalid UTF-8, reserved bits set, wrong lengths.
 *
 * <pre>{@code
 * // PUBLISH QoS 0 whose topic is "a", 0xFF, "b": not UTF-8
 * byte[] publish = RawPackets.frame(0x30, RawPackets.lengthPrefixed(Hex.bytes("61 ff 62")),
 *     "payload".getBytes(StandardCharsets.UTF_8));
 * }</pre>
 *
 * <p>{@link #frame} computes the remaining length in its shortest form; write the fixed header by
 * hand ({@link Hex#bytes}) when the length itself is what is malformed.
 */
public final class RawPackets {
  private RawPackets() {}

  /** A whole packet: the first byte (type and flags), the remaining length, then the parts. */
  public static byte[] frame(int firstByte, byte[]... body) {
    byte[] b = concat(body);
    return concat(new byte[] {(byte) firstByte}, remainingLength(b.length), b);
  }

  /** The parts one after the other. */
  public static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** A UTF-8 Encoded String: two length bytes, then the string's UTF-8 bytes. */
  public static byte[] utf8(String s) {
    return lengthPrefixed(s.getBytes(StandardCharsets.UTF_8));
  }

  /** Two length bytes, then {@code raw} verbatim: for strings that are not valid UTF-8. */
  public static byte[] lengthPrefixed(byte[] raw) {
    return concat(u16(raw.length), raw);
  }

  /** A Two Byte Integer, big-endian. */
  public static byte[] u16(int value) {
    if (value < 0 || value > 0xFFFF) {
      throw new IllegalArgumentException("not a two byte integer: " + value);
    }
    return new byte[] {(byte) (value >>> 8), (byte) value};
  }

  /** Single bytes, for flags and levels: {@code bytes(4, 0x02)}. */
  public static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }

  /** A Variable Byte Integer in its shortest form, as the remaining length is written. */
  public static byte[] remainingLength(int value) {
    if (value < 0 || value > 268_435_455) {
      throw new IllegalArgumentException("remaining length out of range: " + value);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(4);
    int v = value;
    do {
      int digit = v & 0x7F;
      v >>>= 7;
      out.write(v > 0 ? digit | 0x80 : digit);
    } while (v > 0);
    return out.toByteArray();
  }
}
