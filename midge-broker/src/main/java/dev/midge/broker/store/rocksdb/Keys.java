package dev.midge.broker.store.rocksdb;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The keys of the RocksDB store. Every record of one session starts with the session's prefix:
 *
 * <pre>
 * prefix       = u16 length of the client id in UTF-8, the client id, u64 generation
 * sessions     : prefix                     → session record
 * subscriptions: prefix, topic filter UTF-8 → subscription record
 * queue        : prefix, u64 sequence       → message record   (in queue order)
 * inflight     : prefix, u64 sequence       → message record   (in the order first sent)
 * inbound-qos2 : prefix, u16 packet id      → empty
 * wills        : prefix, u64 will id        → will record
 * retained     : topic UTF-8                → message record
 * </pre>
 *
 * <p>Integers are big-endian and unsigned, so RocksDB's bytewise order is numeric order: a
 * session's queue iterates oldest first. The length in front of the client id keeps one client's
 * prefix from being the start of another's ({@code a} and {@code ab}), so a range from a prefix
 * to {@link #end} holds exactly one session's records. The generation tells apart two sessions of
 * one client id, such as an old one still being removed while a clean start creates a new one.
 *
 * <p>Stateless.
 */
final class Keys {
  /** The bytes after the client id in a prefix: the generation. */
  private static final int GENERATION_BYTES = 8;

  private Keys() {}

  /** The prefix of every record of session {@code generation} of {@code clientId}. */
  static byte[] session(String clientId, long generation) {
    byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
    if (id.length > 0xFFFF) {
      throw new IllegalArgumentException("client id longer than 65535 bytes");
    }
    return ByteBuffer.allocate(2 + id.length + GENERATION_BYTES)
        .putShort((short) id.length).put(id).putLong(generation).array();
  }

  /** A record under {@code prefix} numbered {@code n} (queue, in flight, wills). */
  static byte[] child(byte[] prefix, long n) {
    return ByteBuffer.allocate(prefix.length + 8).put(prefix).putLong(n).array();
  }

  /** An inbound QoS 2 packet identifier under {@code prefix}. */
  static byte[] packetId(byte[] prefix, int packetId) {
    return ByteBuffer.allocate(prefix.length + 2).put(prefix).putShort((short) packetId).array();
  }

  /** A subscription under {@code prefix}. */
  static byte[] child(byte[] prefix, String topicFilter) {
    byte[] f = topicFilter.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(prefix.length + f.length).put(prefix).put(f).array();
  }

  /** A retained message's key: its topic. */
  static byte[] topic(String topic) {
    return topic.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The first key after every key that starts with {@code prefix}: the end of a range holding
   * exactly the prefix's records.
   */
  static byte[] end(byte[] prefix) {
    byte[] end = Arrays.copyOf(prefix, prefix.length);
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xFF) {
        end[i]++;
        return Arrays.copyOf(end, i + 1);
      }
    }
    throw new IllegalArgumentException("no key follows a prefix of 0xFF bytes");
  }

  /**
   * The length of the session prefix at the start of {@code key}.
   *
   * @throws Records.Corrupt when the key is too short to hold one
   */
  static int prefixLength(byte[] key) {
    if (key.length < 2) {
      throw new Records.Corrupt("key of " + key.length + " bytes, too short for a client id");
    }
    int n = 2 + ((key[0] & 0xFF) << 8 | (key[1] & 0xFF)) + GENERATION_BYTES;
    if (key.length < n) {
      throw new Records.Corrupt("key of " + key.length + " bytes, shorter than its client id");
    }
    return n;
  }

  /** The session prefix at the start of {@code key}. */
  static byte[] prefixOf(byte[] key) {
    return Arrays.copyOf(key, prefixLength(key));
  }

  /** The client id of a session prefix. */
  static String clientId(byte[] prefix) {
    int n = (prefix[0] & 0xFF) << 8 | (prefix[1] & 0xFF);
    return new String(prefix, 2, n, StandardCharsets.UTF_8);
  }

  /** The generation of a session prefix. */
  static long generation(byte[] prefix) {
    return ByteBuffer.wrap(prefix, prefix.length - GENERATION_BYTES, GENERATION_BYTES).getLong();
  }

  /** The number after the session prefix of a queue, in-flight or will key. */
  static long number(byte[] key, int prefixLength) {
    if (key.length != prefixLength + 8) {
      throw new Records.Corrupt("key of " + key.length + " bytes, expected " + (prefixLength + 8));
    }
    return ByteBuffer.wrap(key, prefixLength, 8).getLong();
  }

  /** The packet identifier after the session prefix of an inbound QoS 2 key. */
  static int packetIdOf(byte[] key, int prefixLength) {
    if (key.length != prefixLength + 2) {
      throw new Records.Corrupt("key of " + key.length + " bytes, expected " + (prefixLength + 2));
    }
    return (key[prefixLength] & 0xFF) << 8 | (key[prefixLength + 1] & 0xFF);
  }

  /** The topic filter after the session prefix of a subscription key. */
  static String filterOf(byte[] key, int prefixLength) {
    return new String(key, prefixLength, key.length - prefixLength, StandardCharsets.UTF_8);
  }

  /** A key as hexadecimal, shortened, for error messages. */
  static String show(byte[] key) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < Math.min(key.length, 48); i++) {
      b.append(String.format("%02x", key[i] & 0xFF));
    }
    return key.length > 48 ? b + "…" : b.toString();
  }
}
