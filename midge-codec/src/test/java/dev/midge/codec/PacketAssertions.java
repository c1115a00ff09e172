package dev.midge.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.midge.codec.packet.MqttPacket;
import dev.midge.codec.property.Properties;
import dev.midge.codec.property.PropertyId;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Assertions and helpers shared by the codec's generated tests: a packet comparison that names the
 * first field that differs ({@code will.properties.userProperties[2].value}), decoding of one
 * whole frame with a {@link PacketDecoder}, and a short hex dump for failure messages.
 */
final class PacketAssertions {
  private PacketAssertions() {}

  /**
   * Fails unless {@code actual} equals {@code expected}, naming the first field that differs.
   *
   * @param context what is compared, with the seed to replay it; computed only on failure
   */
  static void assertSamePacket(MqttPacket expected, @Nullable Object actual,
      Supplier<String> context) {
    if (expected.equals(actual)) {
      return;
    }
    if (actual instanceof DecodeFailure f) {
      fail(context.get() + ": decoding failed with " + f);
    }
    String difference = firstDifference(expected.type().name(), expected, actual);
    fail(context.get() + ": " + (difference != null
        ? difference
        : "equals() is false although no field differs: " + abbreviate(expected) + " vs "
            + abbreviate(actual)));
  }

  /** The first difference between two values as "path: expected … but was …", or null. */
  static @Nullable String firstDifference(String path, @Nullable Object expected,
      @Nullable Object actual) {
    if (expected == null || actual == null) {
      return expected == actual
          ? null
          : path + ": expected " + abbreviate(expected) + " but was " + abbreviate(actual);
    }
    if (expected instanceof byte[] e && actual instanceof byte[] a) {
      if (Arrays.equals(e, a)) {
        return null;
      }
      int i = Arrays.mismatch(e, a);
      return path + ": expected " + e.length + " bytes but was " + a.length
          + " bytes, first difference at index " + i;
    }
    if (expected.getClass() != actual.getClass()) {
      return path + ": expected a " + expected.getClass().getSimpleName() + " ("
          + abbreviate(expected) + ") but was a " + actual.getClass().getSimpleName() + " ("
          + abbreviate(actual) + ")";
    }
    if (expected instanceof List<?> e) {
      List<?> a = (List<?>) actual;
      for (int i = 0; i < Math.min(e.size(), a.size()); i++) {
        String d = firstDifference(path + "[" + i + "]", e.get(i), a.get(i));
        if (d != null) {
          return d;
        }
      }
      return e.size() == a.size()
          ? null
          : path + ": expected " + e.size() + " elements but was " + a.size();
    }
    if (expected instanceof Properties e) {
      Properties a = (Properties) actual;
      for (PropertyId id : PropertyId.values()) {
        String p = path + "." + id.name().toLowerCase(Locale.ROOT);
        String d = switch (id) {
          case USER_PROPERTY -> firstDifference(p, e.userProperties(), a.userProperties());
          case SUBSCRIPTION_IDENTIFIER ->
              firstDifference(p, e.subscriptionIdentifiers(), a.subscriptionIdentifiers());
          default -> firstDifference(p, e.get(id), a.get(id));
        };
        if (d != null) {
          return d;
        }
      }
      return null;
    }
    if (expected instanceof Record) {
      for (RecordComponent c : expected.getClass().getRecordComponents()) {
        String d = firstDifference(path + "." + c.getName(), component(c, expected),
            component(c, actual));
        if (d != null) {
          return d;
        }
      }
      return null;
    }
    return expected.equals(actual)
        ? null
        : path + ": expected " + abbreviate(expected) + " but was " + abbreviate(actual);
  }

  private static @Nullable Object component(RecordComponent c, Object record) {
    try {
      return c.getAccessor().invoke(record);
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new AssertionError("cannot read " + c.getName() + " of " + record, e);
    }
  }

  /**
   * Decodes one whole packet, fixed header included, from the readable bytes of {@code frame}
   * (not released here), checking that the remaining length covers the buffer exactly.
   *
   * @return a packet or a {@link DecodeFailure}, as {@link PacketDecoder#decode} returns
   */
  static Object decodeFrame(PacketDecoder decoder, ByteBuf frame) {
    int start = frame.readerIndex();
    int firstByte = frame.getUnsignedByte(start);
    int remaining = 0;
    int i = 1;
    int digit;
    do {
      digit = frame.getUnsignedByte(start + i);
      remaining |= (digit & 0x7F) << (7 * (i - 1));
      i++;
    } while ((digit & 0x80) != 0);
    assertEquals(frame.readableBytes(), i + remaining,
        "fixed header " + i + " bytes + remaining length " + remaining + " vs the frame");
    return decoder.decode(firstByte, frame.slice(start + i, remaining));
  }

  /**
   * A value's {@code toString()} cut to a readable length for failure messages: generated strings
   * run to 65,535 bytes. The seed in the message replays the whole value.
   */
  static String abbreviate(@Nullable Object value, int max) {
    String s = String.valueOf(value);
    return s.length() <= max ? s : s.substring(0, max) + "… (" + s.length() + " chars in all)";
  }

  /** A value for a failure message, cut to 300 characters. */
  static String abbreviate(@Nullable Object value) {
    return abbreviate(value, 300);
  }

  /** The first bytes of a buffer in hex, for failure messages. */
  static String hexHead(ByteBuf buf) {
    int n = Math.min(buf.readableBytes(), 96);
    return ByteBufUtil.hexDump(buf, buf.readerIndex(), n)
        + (n < buf.readableBytes() ? "… (" + buf.readableBytes() + " bytes)" : "");
  }
}
