package dev.midge.codec;

import dev.midge.codec.packet.Auth;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.MqttPacket;
import dev.midge.codec.packet.Pingreq;
import dev.midge.codec.packet.Pingresp;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Pubcomp;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Pubrec;
import dev.midge.codec.packet.Pubrel;
import dev.midge.codec.packet.RetainHandling;
import dev.midge.codec.packet.Suback;
import dev.midge.codec.packet.Subscribe;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.packet.Unsuback;
import dev.midge.codec.packet.Unsubscribe;
import dev.midge.codec.packet.Will;
import dev.midge.codec.property.Properties;
import dev.midge.codec.property.PropertyContext;
import dev.midge.codec.property.PropertyId;
import dev.midge.codec.reason.AuthReasonCode;
import dev.midge.codec.reason.ConnackReasonCode;
import dev.midge.codec.reason.ConnectReturnCode;
import dev.midge.codec.reason.DisconnectReasonCode;
import dev.midge.codec.reason.PubackReasonCode;
import dev.midge.codec.reason.PubcompReasonCode;
import dev.midge.codec.reason.PubrecReasonCode;
import dev.midge.codec.reason.PubrelReasonCode;
import dev.midge.codec.reason.SubackReasonCode;
import dev.midge.codec.reason.UnsubackReasonCode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.IntPredicate;

/**
 * Seeded generators of <em>valid</em> MQTT packets for property-style tests: every packet they make
 * is one the strict decoder must accept, for the version and direction it is made for.
 *
 * <p>Values lean on the edges: empty and maximum-length strings with multi-byte UTF-8 (4-byte code
 * points included; never U+0000 or a lone surrogate), payloads of 0, 1, 511, 512 and 513 bytes
 * (around {@link MqttEncoder#SHARED_PAYLOAD_THRESHOLD}) and up to 70 KiB, packet identifiers 1 and
 * 65535, keep alive 0 and 65535, every reason code a packet may carry and, for MQTT 5.0, random
 * subsets of every property the packet may carry ({@link PropertyId#allowedIn}), User Properties
 * with repeated names and several Subscription Identifiers in a server's PUBLISH. MQTT 3.x packets
 * carry {@link Properties#EMPTY} and only what 3.x can express.
 *
 * <p>Reproducible: one seed fixes every value. Tests take it from {@link #seed()}, which reads the
 * system property {@value #SEED_PROPERTY}, so a failure is replayed with {@code
 * -Dmidge.seed=<seed>}. Not thread-safe; use one instance per thread.
 *
 * <pre>{@code
 * PacketGenerators gen = new PacketGenerators(PacketGenerators.seed());
 * PacketGenerators.Generated g = gen.next(MqttPacketType.PUBLISH, MqttVersion.V5);
 * // decode g.packet() with a decoder of role g.decoderRole()
 * }</pre>
 */
final class PacketGenerators {
  /** The system property that overrides {@link #DEFAULT_SEED}. */
  static final String SEED_PROPERTY = "midge.seed";
  /** The seed when {@value #SEED_PROPERTY} is not set. */
  static final long DEFAULT_SEED = 0x6D69_6467_6521L;

  /** The largest payload generated: 70 KiB, beyond the 64 KiB any length prefix could hold. */
  static final int MAX_PAYLOAD = 70 * 1024;
  /** The longest UTF-8 Encoded String or Binary Data MQTT allows. */
  static final int MAX_STRING_BYTES = 0xFFFF;

  /**
   * What a generated packet may contain beyond the specification's own rules: the default allows
   * all that Midge must handle; an oracle with narrower limits gets a narrower profile.
   *
   * @param maxWillTopicBytes the longest will topic, in UTF-8 bytes
   * @param mqtt31ClientIdOf1To23Chars whether a 3.1 client identifier has 1 to 23 characters, as
   *     the 3.1 specification asks of clients (Midge leaves the check to the broker)
   */
  record Profile(int maxWillTopicBytes, boolean mqtt31ClientIdOf1To23Chars) {
    /** Everything the specification allows. */
    static final Profile FULL = new Profile(MAX_STRING_BYTES, false);
  }

  /**
   * One generated packet with the version it is written in and the end that sends it.
   *
   * @param sender {@link Role#CLIENT} for a packet a client sends, {@link Role#SERVER} for one a
   *     server sends
   */
  record Generated(MqttPacket packet, MqttVersion version, Role sender) {
    /** The role of the decoder that reads this packet: the other end. */
    Role decoderRole() {
      return sender == Role.CLIENT ? Role.SERVER : Role.CLIENT;
    }

    @Override
    public String toString() {
      return packet + " (MQTT " + version + ", sent by the "
          + sender.name().toLowerCase(Locale.ROOT) + ")";
    }
  }

  private final SplittableRandom random;
  private final Profile profile;

  PacketGenerators(long seed) {
    this(seed, Profile.FULL);
  }

  PacketGenerators(long seed, Profile profile) {
    this.random = new SplittableRandom(seed);
    this.profile = profile;
  }

  /** The seed of this run: {@value #SEED_PROPERTY} if set (decimal or 0x-hex), else the default. */
  static long seed() {
    String value = System.getProperty(SEED_PROPERTY);
    return value == null || value.isBlank() ? DEFAULT_SEED : Long.decode(value.trim());
  }

  /**
   * A seed for one part of a run, derived from the run's seed and the part's name, so that each
   * part sees the same packets whatever other parts run and in which order.
   */
  static long derive(long seed, String part) {
    long h = seed ^ 0x9E37_79B9_7F4A_7C15L;
    for (int i = 0; i < part.length(); i++) {
      h = (h ^ part.charAt(i)) * 0x100_0000_01B3L; // FNV-1a step over the part's name
    }
    return h ^ (h >>> 29);
  }

  /** The packet types a version has: AUTH only in MQTT 5.0. */
  static List<MqttPacketType> typesOf(MqttVersion version) {
    List<MqttPacketType> types = new ArrayList<>(List.of(MqttPacketType.values()));
    if (!version.isV5()) {
      types.remove(MqttPacketType.AUTH);
    }
    return types;
  }

  /** Which ends may send a packet type in a version (MQTT 3.x servers never send DISCONNECT). */
  static List<Role> sendersOf(MqttPacketType type, MqttVersion version) {
    return switch (type) {
      case CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ -> List.of(Role.CLIENT);
      case CONNACK, SUBACK, UNSUBACK, PINGRESP -> List.of(Role.SERVER);
      case DISCONNECT -> version.isV5() ? List.of(Role.CLIENT, Role.SERVER) : List.of(Role.CLIENT);
      case PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, AUTH -> List.of(Role.CLIENT, Role.SERVER);
    };
  }

  /** A valid packet of this type and version, sent by an end that may send it. */
  Generated next(MqttPacketType type, MqttVersion version) {
    List<Role> senders = sendersOf(type, version);
    return next(type, version, senders.get(random.nextInt(senders.size())));
  }

  /** A valid packet of this type and version, sent by {@code sender}. */
  Generated next(MqttPacketType type, MqttVersion version, Role sender) {
    if (!sendersOf(type, version).contains(sender)) {
      throw new IllegalArgumentException(sender + " does not send " + type + " in " + version);
    }
    if (type == MqttPacketType.AUTH && !version.isV5()) {
      throw new IllegalArgumentException("AUTH exists only in MQTT 5.0");
    }
    MqttPacket packet = switch (type) {
      case CONNECT -> connect(version);
      case CONNACK -> connack(version);
      case PUBLISH -> publish(version, sender);
      case PUBACK -> version.isV5()
          ? new Puback(packetId(), pick(PubackReasonCode.values()),
              properties(version, PropertyContext.PUBACK, sender))
          : new Puback(packetId());
      case PUBREC -> version.isV5()
          ? new Pubrec(packetId(), pick(PubrecReasonCode.values()),
              properties(version, PropertyContext.PUBREC, sender))
          : new Pubrec(packetId());
      case PUBREL -> version.isV5()
          ? new Pubrel(packetId(), pick(PubrelReasonCode.values()),
              properties(version, PropertyContext.PUBREL, sender))
          : new Pubrel(packetId());
      case PUBCOMP -> version.isV5()
          ? new Pubcomp(packetId(), pick(PubcompReasonCode.values()),
              properties(version, PropertyContext.PUBCOMP, sender))
          : new Pubcomp(packetId());
      case SUBSCRIBE -> subscribe(version);
      case SUBACK -> suback(version);
      case UNSUBSCRIBE -> unsubscribe(version);
      case UNSUBACK -> unsuback(version);
      case PINGREQ -> Pingreq.INSTANCE;
      case PINGRESP -> Pingresp.INSTANCE;
      case DISCONNECT -> version.isV5()
          ? new Disconnect(pick(DisconnectReasonCode.values()),
              properties(version, PropertyContext.DISCONNECT, sender))
          : Disconnect.NORMAL; // all that 3.x can say
      case AUTH -> new Auth(pick(AuthReasonCode.values()),
          properties(version, PropertyContext.AUTH, sender));
    };
    return new Generated(packet, version, sender);
  }

  // ---- packets ----

  Connect connect(MqttVersion v) {
    String clientId = v == MqttVersion.V3_1 && profile.mqtt31ClientIdOf1To23Chars()
        ? utf8(1, 23, c -> true) // 23 bytes hold at most 23 chars
        : string();
    Will will = null;
    if (random.nextInt(3) == 0) {
      will = new Will(
          topicName(profile.maxWillTopicBytes()),
          binary(),
          pick(MqttQos.values()),
          random.nextBoolean(),
          properties(v, PropertyContext.WILL, Role.CLIENT));
    }
    String username = random.nextBoolean() ? string() : null;
    byte[] password = null;
    // MQTT-3.1.2-22: in 3.x a password needs a user name; 5.0 allows one alone.
    if ((username != null || v.isV5()) && random.nextBoolean()) {
      password = binary();
    }
    return Connect.builder(v)
        .clientId(clientId)
        .cleanStart(random.nextBoolean())
        .keepAlive(keepAlive())
        .will(will)
        .username(username)
        .password(password)
        .properties(properties(v, PropertyContext.CONNECT, Role.CLIENT))
        .build();
  }

  Connack connack(MqttVersion v) {
    ConnackReasonCode code = v.isV5()
        ? pick(ConnackReasonCode.values())
        : pick(ConnectReturnCode.values()).toReasonCode(); // the six codes 3.x can carry
    // MQTT-3.2.2-6 / MQTT-3.2.2-4: session present only with success.
    boolean sessionPresent = !code.isError() && random.nextBoolean();
    return new Connack(sessionPresent, code, properties(v, PropertyContext.CONNACK, Role.SERVER));
  }

  Publish publish(MqttVersion v, Role sender) {
    MqttQos qos = pick(MqttQos.values());
    // MQTT-2.2.1-2 / MQTT-3.3.1-2: QoS 0 has no packet identifier and no DUP.
    int packetId = qos == MqttQos.AT_MOST_ONCE ? 0 : packetId();
    boolean dup = qos != MqttQos.AT_MOST_ONCE && random.nextBoolean();
    Properties properties = properties(v, PropertyContext.PUBLISH, sender);
    // MQTT 5.0 §3.3.2.3.4: an empty topic name needs a Topic Alias.
    String topic = properties.topicAlias() != null && random.nextBoolean()
        ? ""
        : topicName(MAX_STRING_BYTES);
    return new Publish(topic, qos, random.nextBoolean(), dup, packetId, payload(), properties);
  }

  Subscribe subscribe(MqttVersion v) {
    int n = count();
    List<Subscription> subscriptions = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      boolean shared = v.isV5() && random.nextInt(5) == 0;
      String filter = shared ? sharedFilter() : topicFilter(MAX_STRING_BYTES);
      MqttQos qos = pick(MqttQos.values());
      subscriptions.add(v.isV5()
          ? new Subscription(filter, qos,
              !shared && random.nextBoolean(), // MQTT-3.8.3-4: no No Local on a shared one
              random.nextBoolean(),
              pick(RetainHandling.values()))
          : new Subscription(filter, qos));
    }
    return new Subscribe(packetId(), subscriptions,
        properties(v, PropertyContext.SUBSCRIBE, Role.CLIENT));
  }

  Suback suback(MqttVersion v) {
    SubackReasonCode[] codes = v.isV5()
        ? SubackReasonCode.values()
        : new SubackReasonCode[] { // 3.x: granted QoS 0, 1, 2 or failure 0x80
            SubackReasonCode.GRANTED_QOS_0, SubackReasonCode.GRANTED_QOS_1,
            SubackReasonCode.GRANTED_QOS_2, SubackReasonCode.UNSPECIFIED_ERROR};
    int n = count();
    List<SubackReasonCode> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      list.add(pick(codes));
    }
    return new Suback(packetId(), list, properties(v, PropertyContext.SUBACK, Role.SERVER));
  }

  Unsubscribe unsubscribe(MqttVersion v) {
    int n = count();
    List<String> filters = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      filters.add(topicFilter(MAX_STRING_BYTES));
    }
    return new Unsubscribe(packetId(), filters,
        properties(v, PropertyContext.UNSUBSCRIBE, Role.CLIENT));
  }

  Unsuback unsuback(MqttVersion v) {
    if (!v.isV5()) {
      return new Unsuback(packetId(), List.of(), Properties.EMPTY); // 3.x: no payload
    }
    int n = count();
    List<UnsubackReasonCode> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      list.add(pick(UnsubackReasonCode.values()));
    }
    return new Unsuback(packetId(), list, properties(v, PropertyContext.UNSUBACK, Role.SERVER));
  }

  // ---- properties ----

  /**
   * A random subset of the properties {@code context} may carry (sometimes none, sometimes all),
   * with values at their edges. Always {@link Properties#EMPTY} for 3.x.
   */
  Properties properties(MqttVersion v, PropertyContext context, Role sender) {
    if (!v.isV5() || random.nextInt(5) == 0) {
      return Properties.EMPTY;
    }
    boolean all = random.nextInt(8) == 0;
    Properties.Builder b = Properties.builder();
    boolean hasMethod = false;
    for (PropertyId id : PropertyId.values()) {
      if (!id.allowedIn(context) || (!all && random.nextInt(3) != 0)) {
        continue;
      }
      if (id == PropertyId.SUBSCRIPTION_IDENTIFIER && context == PropertyContext.PUBLISH
          && sender == Role.CLIENT) {
        continue; // MQTT-3.3.4-6: only the server puts them in a PUBLISH
      }
      if (id == PropertyId.SESSION_EXPIRY_INTERVAL && context == PropertyContext.DISCONNECT
          && sender == Role.SERVER) {
        continue; // MQTT-3.14.2-2: a server's DISCONNECT has none
      }
      if (id == PropertyId.AUTHENTICATION_DATA && !hasMethod) {
        continue; // MQTT 5.0 §3.1.2.11.10: data only with a method (METHOD comes first)
      }
      hasMethod |= id == PropertyId.AUTHENTICATION_METHOD;
      switch (id) {
        case USER_PROPERTY -> userProperties(b);
        case SUBSCRIPTION_IDENTIFIER -> {
          // Repeatable in PUBLISH only (MQTT 5.0 §3.3.2.3.8); one in SUBSCRIBE.
          int n = context == PropertyContext.PUBLISH ? 1 + random.nextInt(4) : 1;
          for (int i = 0; i < n; i++) {
            b.subscriptionIdentifier(variableByteInteger());
          }
        }
        case RESPONSE_TOPIC -> b.responseTopic(topicName(MAX_STRING_BYTES));
        default -> b.set(id, value(id));
      }
    }
    return b.build();
  }

  private Object value(PropertyId id) {
    return switch (id.type()) {
      case BYTE -> random.nextInt(2); // the decoder allows 0 or 1 for every Byte property
      case TWO_BYTE_INTEGER -> {
        // Receive Maximum and Topic Alias may not be 0.
        int min = id == PropertyId.RECEIVE_MAXIMUM || id == PropertyId.TOPIC_ALIAS ? 1 : 0;
        yield switch (random.nextInt(4)) {
          case 0 -> min;
          case 1 -> 0xFFFF;
          default -> min + random.nextInt(0x10000 - min);
        };
      }
      case FOUR_BYTE_INTEGER -> {
        long min = id == PropertyId.MAXIMUM_PACKET_SIZE ? 1 : 0; // 0 is a protocol error
        yield switch (random.nextInt(6)) {
          case 0 -> min;
          case 1 -> 0xFFFF_FFFFL;
          case 2 -> 0x7FFF_FFFFL;
          case 3 -> 0x8000_0000L; // the first value a signed int cannot hold
          default -> min + random.nextLong(0x1_0000_0000L - min);
        };
      }
      case VARIABLE_BYTE_INTEGER -> variableByteInteger();
      case UTF8_STRING -> string();
      case BINARY_DATA -> binary();
      case UTF8_STRING_PAIR -> throw new AssertionError(id);
    };
  }

  /** 1 to 6 User Properties, names drawn from a pool of 2 so that they repeat. */
  private void userProperties(Properties.Builder b) {
    String[] names = {shortString(), shortString()};
    int n = 1 + random.nextInt(6);
    for (int i = 0; i < n; i++) {
      b.userProperty(pick(names), random.nextInt(4) == 0 ? "" : shortString());
    }
    if (random.nextInt(50) == 0) {
      b.userProperty(string(), string()); // now and then a long one
    }
  }

  /** A Subscription Identifier, 1 to 268,435,455, often at a boundary of the encoded length. */
  private int variableByteInteger() {
    int[] edges = {1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, 268_435_455};
    return random.nextInt(3) == 0 ? 1 + random.nextInt(268_435_455) : pick(edges);
  }

  // ---- numbers and bytes ----

  int packetId() {
    return switch (random.nextInt(8)) {
      case 0 -> 1;
      case 1 -> 0xFFFF;
      default -> 1 + random.nextInt(0xFFFF);
    };
  }

  int keepAlive() {
    return switch (random.nextInt(6)) {
      case 0 -> 0;
      case 1 -> 0xFFFF;
      default -> random.nextInt(0x10000);
    };
  }

  /** How many filters or codes: mostly a few, now and then many. */
  private int count() {
    return random.nextInt(20) == 0 ? 1 + random.nextInt(200) : 1 + random.nextInt(6);
  }

  /** A payload: 0, 1, 511, 512, 513 or 70 KiB bytes at the edges, random sizes otherwise. */
  byte[] payload() {
    int size = switch (random.nextInt(50)) {
      case 0, 1, 2, 3 -> 0;
      case 4, 5, 6 -> 1;
      case 7, 8, 9 -> MqttEncoder.SHARED_PAYLOAD_THRESHOLD - 1;
      case 10, 11, 12 -> MqttEncoder.SHARED_PAYLOAD_THRESHOLD;
      case 13, 14, 15 -> MqttEncoder.SHARED_PAYLOAD_THRESHOLD + 1;
      case 16 -> MAX_PAYLOAD;
      case 17, 18 -> 4096 + random.nextInt(MAX_PAYLOAD - 4096);
      case 19, 20, 21, 22, 23, 24, 25 -> 64 + random.nextInt(4096 - 64);
      default -> random.nextInt(64);
    };
    return bytes(size);
  }

  /** Binary Data: empty, one byte, the 65,535 maximum, or a random length. */
  byte[] binary() {
    int size = switch (random.nextInt(40)) {
      case 0, 1, 2, 3 -> 0;
      case 4, 5 -> 1;
      case 6 -> MAX_STRING_BYTES;
      case 7, 8 -> random.nextInt(MAX_STRING_BYTES + 1);
      default -> random.nextInt(48);
    };
    return bytes(size);
  }

  private byte[] bytes(int size) {
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) {
      b[i] = (byte) random.nextInt(256);
    }
    return b;
  }

  // ---- strings ----

  /** A UTF-8 string of 0 to 65,535 bytes, mostly short, now and then empty or at the maximum. */
  String string() {
    return utf8(0, MAX_STRING_BYTES, c -> true);
  }

  private String shortString() {
    return utf8(0, 24, c -> true);
  }

  /** A topic name of 1 to {@code maxBytes} bytes: no wildcards (MQTT-3.3.2-2), never empty. */
  String topicName(int maxBytes) {
    if (random.nextInt(20) == 0) {
      return "$SYS/" + utf8(0, Math.min(maxBytes, 64) - 5, PacketGenerators::noWildcard);
    }
    return utf8(1, maxBytes, PacketGenerators::noWildcard);
  }

  /** A shared subscription's filter, {@code $share/<group>/<filter>}, at most 65,535 bytes. */
  String sharedFilter() {
    String prefix = "$share/" + level(1, 12) + "/";
    return prefix + topicFilter(MAX_STRING_BYTES - prefix.getBytes(StandardCharsets.UTF_8).length);
  }

  /**
   * A well-formed topic filter of at most {@code maxBytes}: never empty (MQTT-4.7.3-1), levels
   * with {@code +} as a whole level and {@code #} only as the last (MQTT-4.7.1-2, -3); now and
   * then a single level of up to {@code maxBytes}.
   */
  String topicFilter(int maxBytes) {
    int r = random.nextInt(40);
    if (r == 0) {
      return "#";
    } else if (r == 1) {
      return "+";
    } else if (r == 2) {
      return utf8(1, maxBytes, PacketGenerators::noWildcard);
    }
    StringBuilder sb = new StringBuilder();
    int levels = 1 + random.nextInt(5);
    for (int i = 0; i < levels; i++) {
      if (i > 0) {
        sb.append('/');
      }
      sb.append(random.nextInt(5) == 0 ? "+" : level(0, 16));
    }
    if (random.nextInt(5) == 0) {
      sb.append("/#");
    }
    return sb.length() == 0 ? level(1, 16) : sb.toString(); // one empty level: not a filter
  }

  /** One topic level of {@code min} to {@code max} bytes: no wildcards, no separator. */
  private String level(int min, int max) {
    return utf8(min, max, c -> noWildcard(c) && c != '/');
  }

  private static boolean noWildcard(int c) {
    return c != '+' && c != '#';
  }

  /**
   * A string of {@code min} to {@code max} UTF-8 bytes whose code points pass {@code allowed}
   * (ASCII ones; non-ASCII are always allowed): now and then empty (if {@code min} is 0) or of
   * exactly {@code max} bytes, otherwise mostly short. Code points are ASCII, 2-, 3- and 4-byte
   * ones and C0 controls; never U+0000 (MQTT-1.5.4-2) nor a surrogate (MQTT-1.5.4-1).
   */
  String utf8(int min, int max, IntPredicate allowed) {
    int bytes = switch (random.nextInt(30)) {
      case 0, 1 -> min;
      case 2 -> max;
      case 3 -> Math.max(min, max - random.nextInt(4)); // just under the maximum
      case 4, 5 -> min + random.nextInt(Math.min(max, 512) - min + 1);
      default -> min + random.nextInt(Math.min(max, 24) - min + 1);
    };
    StringBuilder sb = new StringBuilder(bytes);
    int left = bytes;
    while (left > 0) {
      int cp = codePoint(left);
      if (cp < 0x80 && !allowed.test(cp)) {
        continue;
      }
      sb.appendCodePoint(cp);
      left -= cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    }
    return sb.toString();
  }

  /** A code point of at most {@code maxBytes} UTF-8 bytes, never U+0000 nor a surrogate. */
  private int codePoint(int maxBytes) {
    int kind = random.nextInt(20);
    if (kind < 2) {
      return 1 + random.nextInt(0x1F); // C0 controls: legal, if discouraged (MQTT-1.5.4-2)
    } else if (kind < 5 && maxBytes >= 2) {
      return 0x80 + random.nextInt(0x800 - 0x80);
    } else if (kind < 8 && maxBytes >= 3) {
      int cp = 0x800 + random.nextInt(0x10000 - 0x800 - 0x800); // skipping D800..DFFF
      return cp >= 0xD800 ? cp + 0x800 : cp;
    } else if (kind < 11 && maxBytes >= 4) {
      return 0x10000 + random.nextInt(0x110000 - 0x10000);
    }
    return 0x20 + random.nextInt(0x7F - 0x20); // printable ASCII
  }

  // ---- choice ----

  @SafeVarargs
  private <T> T pick(T... values) {
    return values[random.nextInt(values.length)];
  }

  private int pick(int[] values) {
    return values[random.nextInt(values.length)];
  }
}
