package dev.midge.broker.store.rocksdb;

import dev.midge.broker.session.StoredSubscription;
import dev.midge.codec.MqttQos;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.RetainHandling;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.property.Properties;
import dev.midge.codec.property.PropertyId;
import dev.midge.codec.property.UserProperty;
import dev.midge.codec.topic.Topics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * The values of the RocksDB store: Midge's own record format, versioned, independent of any MQTT
 * version's packet layout. Every record starts with its format version ({@link #VERSION}); a
 * later Midge that changes a record bumps it and still reads the old one. Integers are
 * big-endian; strings are UTF-8 with a u16 length in front.
 *
 * <pre>
 * message      = u8 version, u8 flags (bits 0-1 QoS, 2 retain, 3 DUP, 4 PUBREL owed,
 *                5 shared subscription), u16 packet id, u64 expires-at (ms since the epoch,
 *                0 never), string topic, [string shared subscription, when flag 5],
 *                u32 length + MQTT 5 properties (identifier and value each, as in a PUBLISH),
 *                u32 length + payload
 * subscription = u8 version, u8 QoS, u8 options (bit 0 no local, 1 retain as published,
 *                2-3 retain handling), u32 subscription identifier (0 none)
 * session      = u8 version, u64 session expiry interval (s), u64 expires-at (ms, 0: online
 *                when last written, or never expires)
 * will         = u8 version, u64 publish-at (ms since the epoch), message
 * </pre>
 *
 * <p>Decoding is strict: a record that does not parse exactly, or carries reserved bits, is
 * {@link Corrupt}. Stateless.
 */
final class Records {
  /** The format version of every record written now. */
  static final int VERSION = 1;

  private static final int QOS_MASK = 0b11;
  private static final int RETAIN = 1 << 2;
  private static final int DUP = 1 << 3;
  private static final int RELEASED = 1 << 4;
  private static final int SHARED = 1 << 5;

  private Records() {}

  /** A record that cannot be read: the data directory is damaged. */
  static final class Corrupt extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Corrupt(String message) {
      super(message);
    }
  }

  /**
   * A message of a session's queue or in-flight window, or a retained one, as stored.
   *
   * @param expiresAt when the message expires (MQTT 5 Message Expiry Interval), in milliseconds
   *     since the epoch; 0 for never
   * @param released for a QoS 2 message in flight: PUBREC arrived and PUBREL is owed
   * @param sharedSubscription for a session's message, the filter of the shared subscription it
   *     was routed by ({@code $share/{group}/{filter}}), or null
   */
  record StoredMessage(Publish message, long expiresAt, boolean released,
      @Nullable String sharedSubscription) {}

  // ---- messages ----

  /** A retained message, or a session's message routed by no shared subscription. */
  static byte[] message(Publish m, long expiresAt, boolean released) {
    return message(m, expiresAt, released, null);
  }

  static byte[] message(Publish m, long expiresAt, boolean released,
      @Nullable String sharedSubscription) {
    byte[] topic = m.topic().getBytes(StandardCharsets.UTF_8);
    byte[] shared = sharedSubscription == null
        ? null : sharedSubscription.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[messageSize(m, topic, shared)];
    ByteBuf b = Unpooled.wrappedBuffer(out).writerIndex(0);
    writeMessage(b, m, topic, expiresAt, released, shared);
    return out;
  }

  private static int messageSize(Publish m, byte[] topic, byte @Nullable [] shared) {
    return 1 + 1 + 2 + 8 + 2 + topic.length + (shared == null ? 0 : 2 + shared.length) + 4
        + m.properties().encodedLength() + 4 + m.payload().length;
  }

  private static void writeMessage(ByteBuf b, Publish m, byte[] topic, long expiresAt,
      boolean released, byte @Nullable [] shared) {
    int flags = m.qos().value() | (m.retain() ? RETAIN : 0) | (m.dup() ? DUP : 0)
        | (released ? RELEASED : 0) | (shared != null ? SHARED : 0);
    b.writeByte(VERSION).writeByte(flags).writeShort(m.packetId()).writeLong(expiresAt);
    b.writeShort(topic.length).writeBytes(topic);
    if (shared != null) {
      b.writeShort(shared.length).writeBytes(shared);
    }
    b.writeInt(m.properties().encodedLength());
    m.properties().encode(b);
    b.writeInt(m.payload().length).writeBytes(m.payload());
  }

  static StoredMessage message(byte[] value) {
    ByteBuf b = Unpooled.wrappedBuffer(value);
    StoredMessage m = readMessage(b);
    end(b);
    return m;
  }

  private static StoredMessage readMessage(ByteBuf b) {
    version(b);
    int flags = u8(b);
    if ((flags & ~(QOS_MASK | RETAIN | DUP | RELEASED | SHARED)) != 0
        || (flags & QOS_MASK) == 3) {
      throw new Corrupt("message flags 0x" + Integer.toHexString(flags));
    }
    int packetId = u16(b);
    long expiresAt = u64(b);
    String topic = string(b);
    String shared = (flags & SHARED) != 0 ? string(b) : null;
    if (shared != null && !Topics.isShared(shared)) {
      throw new Corrupt("a shared subscription that is not one: " + shared);
    }
    Properties props = properties(b, (int) length(b));
    int payloadLength = (int) length(b);
    byte[] payload = new byte[payloadLength];
    b.readBytes(payload);
    MqttQos qos = MqttQos.of(flags & QOS_MASK);
    try {
      Publish p = new Publish(topic, qos, (flags & RETAIN) != 0, (flags & DUP) != 0, packetId,
          payload, props);
      return new StoredMessage(p, expiresAt, (flags & RELEASED) != 0, shared);
    } catch (IllegalArgumentException e) {
      throw new Corrupt("message: " + e.getMessage());
    }
  }

  // ---- subscriptions ----

  static byte[] subscription(StoredSubscription stored) {
    Subscription s = stored.subscription();
    int options = (s.noLocal() ? 1 : 0) | (s.retainAsPublished() ? 2 : 0)
        | s.retainHandling().value() << 2;
    return ByteBuffer.allocate(7).put((byte) VERSION).put((byte) s.qos().value())
        .put((byte) options).putInt(stored.identifier()).array();
  }

  static StoredSubscription subscription(String topicFilter, byte[] value) {
    ByteBuf b = Unpooled.wrappedBuffer(value);
    version(b);
    int qos = u8(b);
    int options = u8(b);
    long identifier = b.readableBytes() >= 4 ? b.readUnsignedInt() : -1;
    end(b);
    if (qos > 2 || (options & ~0b1111) != 0 || (options >> 2) == 3 || identifier < 0
        || identifier > StoredSubscription.MAX_IDENTIFIER) {
      throw new Corrupt("subscription to " + topicFilter + ": QoS " + qos + ", options 0x"
          + Integer.toHexString(options) + ", identifier " + identifier);
    }
    return new StoredSubscription(new Subscription(topicFilter, MqttQos.of(qos), (options & 1) != 0,
        (options & 2) != 0, RetainHandling.of(options >> 2)), (int) identifier);
  }

  // ---- sessions ----

  /**
   * @param expiryInterval the Session Expiry Interval in seconds
   * @param expiresAt when it expires, in milliseconds since the epoch; 0 when online or never
   */
  record StoredSession(long expiryInterval, long expiresAt) {}

  static byte[] session(long expiryInterval, long expiresAt) {
    return ByteBuffer.allocate(17).put((byte) VERSION).putLong(expiryInterval)
        .putLong(expiresAt).array();
  }

  static StoredSession session(byte[] value) {
    ByteBuf b = Unpooled.wrappedBuffer(value);
    version(b);
    long interval = u64(b);
    long expiresAt = u64(b);
    end(b);
    if (interval < 0 || interval > 0xFFFF_FFFFL || expiresAt < 0) {
      throw new Corrupt("session expiry interval " + interval + ", expires at " + expiresAt);
    }
    return new StoredSession(interval, expiresAt);
  }

  // ---- wills ----

  /** A delayed will as stored: the message, and when its delay ends. */
  record StoredWill(Publish message, long publishAt) {}

  static byte[] will(Publish m, long publishAt) {
    byte[] topic = m.topic().getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[1 + 8 + messageSize(m, topic, null)];
    ByteBuf b = Unpooled.wrappedBuffer(out).writerIndex(0);
    b.writeByte(VERSION).writeLong(publishAt);
    writeMessage(b, m, topic, 0, false, null);
    return out;
  }

  static StoredWill will(byte[] value) {
    ByteBuf b = Unpooled.wrappedBuffer(value);
    version(b);
    long publishAt = u64(b);
    StoredMessage m = readMessage(b);
    end(b);
    return new StoredWill(m.message(), publishAt);
  }

  // ---- the store's metadata ----

  static byte[] u32(int value) {
    return ByteBuffer.allocate(4).putInt(value).array();
  }

  static int u32(byte[] value) {
    if (value.length != 4) {
      throw new Corrupt("a 4-byte number of " + value.length + " bytes");
    }
    return ByteBuffer.wrap(value).getInt();
  }

  // ---- reading ----

  private static void version(ByteBuf b) {
    int v = u8(b);
    if (v != VERSION) {
      throw new Corrupt("record format " + v + ", this Midge reads format " + VERSION);
    }
  }

  private static void end(ByteBuf b) {
    if (b.isReadable()) {
      throw new Corrupt(b.readableBytes() + " bytes after the end of a record");
    }
  }

  private static void need(ByteBuf b, long n) {
    if (b.readableBytes() < n) {
      throw new Corrupt("record cut short: " + n + " bytes needed, " + b.readableBytes() + " left");
    }
  }

  private static int u8(ByteBuf b) {
    need(b, 1);
    return b.readUnsignedByte();
  }

  private static int u16(ByteBuf b) {
    need(b, 2);
    return b.readUnsignedShort();
  }

  private static long u64(ByteBuf b) {
    need(b, 8);
    return b.readLong();
  }

  /** A u32 length that the rest of the record holds. */
  private static long length(ByteBuf b) {
    need(b, 4);
    long n = b.readUnsignedInt();
    need(b, n);
    return n;
  }

  private static String string(ByteBuf b) {
    int n = u16(b);
    need(b, n);
    byte[] bytes = new byte[n];
    b.readBytes(bytes);
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new Corrupt("a string that is not UTF-8");
    }
  }

  /** MQTT 5 properties as a PUBLISH carries them, {@code length} bytes of them. */
  private static Properties properties(ByteBuf b, int length) {
    if (length == 0) {
      return Properties.EMPTY;
    }
    int end = b.readerIndex() + length;
    Properties.Builder props = Properties.builder();
    try {
      while (b.readerIndex() < end) {
        int code = u8(b);
        PropertyId id = PropertyId.of(code);
        if (id == null) {
          throw new Corrupt("unknown property 0x" + Integer.toHexString(code));
        }
        Object value = switch (id.type()) {
          case BYTE -> u8(b);
          case TWO_BYTE_INTEGER -> u16(b);
          case FOUR_BYTE_INTEGER -> {
            need(b, 4);
            yield b.readUnsignedInt();
          }
          case VARIABLE_BYTE_INTEGER -> variableByteInteger(b);
          case UTF8_STRING -> string(b);
          case BINARY_DATA -> {
            int n = u16(b);
            need(b, n);
            byte[] data = new byte[n];
            b.readBytes(data);
            yield data;
          }
          case UTF8_STRING_PAIR -> new UserProperty(string(b), string(b));
        };
        props.set(id, value);
      }
    } catch (IllegalArgumentException e) {
      throw new Corrupt("property: " + e.getMessage());
    }
    if (b.readerIndex() != end) {
      throw new Corrupt("properties overrun their length");
    }
    return props.build();
  }

  private static int variableByteInteger(ByteBuf b) {
    int value = 0;
    for (int i = 0; i < 4; i++) {
      int digit = u8(b);
      value |= (digit & 0x7F) << (7 * i);
      if ((digit & 0x80) == 0) {
        return value;
      }
    }
    throw new Corrupt("variable byte integer longer than 4 bytes");
  }
}
