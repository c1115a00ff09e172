package dev.midge.codec;

import static dev.midge.codec.PacketAssertions.assertSamePacket;
import static dev.midge.codec.PacketAssertions.decodeFrame;
import static dev.midge.codec.PacketAssertions.hexHead;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.midge.codec.PacketGenerators.Generated;
import dev.midge.codec.packet.Auth;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.MqttPacket;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Pubcomp;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Pubrec;
import dev.midge.codec.packet.Pubrel;
import dev.midge.codec.packet.Suback;
import dev.midge.codec.packet.Subscribe;
import dev.midge.codec.packet.Unsuback;
import dev.midge.codec.packet.Unsubscribe;
import dev.midge.codec.property.Properties;
import dev.midge.codec.property.PropertyContext;
import dev.midge.codec.property.PropertyId;
import dev.midge.codec.property.UserProperty;
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
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestReporter;

/**
 * Property-style round trips of every packet type in every version, over generated valid packets
 * ({@link PacketGenerators}): {@code decode(encode(p))} equals {@code p}, the size computed first
 * is the size written, the encoder's buffer is exactly that large, and {@link MqttEncoder} →
 * {@link MqttDecoder} on {@link EmbeddedChannel}s agree whole, fragmented at every byte, and with
 * several packets in one buffer.
 *
 * <p>Values come from one seed, {@link PacketGenerators#seed()}; every failure message carries it
 * and the failing packet, and {@code -Dmidge.seed=<seed>} replays the run.
 */
class RoundTripTest {
  /** Generated packets per (type, version) in the round trip. */
  private static final int CASES = 500;
  /** Packets per (type, version) fed in two pieces at every split position. */
  private static final int SPLIT_PACKETS = 3;
  /** The largest encoding split at every position, to bound the quadratic cost. */
  private static final int SPLIT_MAX_BYTES = 400;
  /** Buffers per (version, direction) holding several packets each. */
  private static final int BATCHES = 60;

  private static final int MAX_PACKET_SIZE = 1 << 24;
  private static final long SEED = PacketGenerators.seed();
  /** Allocates the encoders' buffers: tracked by the leak detector, which runs at paranoid. */
  private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
  /**
   * Allocates the decoders' cumulation buffers, untracked. At paranoid level the leak detector
   * records a stack trace on every access to a tracked buffer, and the decoder checks UTF-8 one
   * byte at a time: a 64 KiB string would cost a second. The decoders allocate nothing of their
   * own (they slice and copy out), so decoding untracked copies loses no leak coverage; every
   * buffer the encoders allocate stays tracked and is released here.
   */
  static final ByteBufAllocator UNTRACKED = new UnpooledByteBufAllocator(false, true);

  @TestFactory
  Stream<DynamicTest> packet_whenEncodedAndDecoded_thenEqualsOriginal(TestReporter reporter) {
    reporter.publishEntry(PacketGenerators.SEED_PROPERTY, Long.toString(SEED));
    return combinations().map(c -> dynamicTest(c.name() + " × " + CASES, () -> {
      PacketGenerators gen = new PacketGenerators(PacketGenerators.derive(SEED, "round trip " + c));
      Coverage coverage = new Coverage();
      for (int i = 0; i < CASES; i++) {
        Generated g = gen.next(c.type(), c.version());
        coverage.add(g.packet());
        checkCase("round trip", c, i, g, () -> roundTrip(g));
      }
      coverage.assertCovers(c);
      if (c.type() == MqttPacketType.PUBLISH) {
        List<Generated> boundaries = lengthBoundaries(c.version());
        for (int i = 0; i < boundaries.size(); i++) {
          Generated g = boundaries.get(i);
          checkCase("length boundary", c, i, g, () -> roundTrip(g));
        }
      }
    }));
  }

  @TestFactory
  Stream<DynamicTest> packet_whenBytesArriveSplitAtEveryPosition_thenDecodedOnceAndEqual(
      TestReporter reporter) {
    reporter.publishEntry(PacketGenerators.SEED_PROPERTY, Long.toString(SEED));
    return combinations().map(c -> dynamicTest(c.name(), () -> {
      PacketGenerators gen = new PacketGenerators(PacketGenerators.derive(SEED, "split " + c));
      int found = 0;
      for (int i = 0; i < 1000 && found < SPLIT_PACKETS; i++) {
        Generated g = gen.next(c.type(), c.version());
        if (PacketEncoder.encodedSize(g.packet(), g.version()) <= SPLIT_MAX_BYTES) {
          found++;
          int caseNo = i;
          checkCase("split at every position", c, caseNo, g, () -> splitEverywhere(g));
        }
      }
      assertEquals(SPLIT_PACKETS, found, "small packets found for " + c.name());
      if (c.type() == MqttPacketType.PUBLISH) {
        // A remaining length of three bytes, to split inside it too.
        Publish big = new Publish("big/payload", MqttQos.AT_LEAST_ONCE, false, false, 1,
            new byte[20_000], Properties.EMPTY);
        Generated g = new Generated(big, c.version(), Role.CLIENT);
        checkCase("split a large packet", c, -1, g, () -> splitAt(g, new SplittableRandom(SEED)));
      }
    }));
  }

  @TestFactory
  Stream<DynamicTest> packets_whenSeveralArriveInOneBuffer_thenDecodedInOrder(
      TestReporter reporter) {
    reporter.publishEntry(PacketGenerators.SEED_PROPERTY, Long.toString(SEED));
    return Stream.of(MqttVersion.values()).flatMap(v -> Stream.of(Role.values()).map(reader ->
        dynamicTest("MQTT " + v + ", read by the " + reader.name().toLowerCase(Locale.ROOT),
            () -> batches(v, reader))));
  }

  /**
   * PUBLISHes whose remaining length, and in 5.0 whose property length, sits on each side of the
   * points where a Variable Byte Integer gets longer: 127 / 128, 16,383 / 16,384 and 2,097,151 /
   * 2,097,152. Random sizes seldom hit them exactly.
   */
  private static List<Generated> lengthBoundaries(MqttVersion v) {
    int[] edges = {127, 128, 16_383, 16_384, 2_097_151, 2_097_152};
    List<Generated> cases = new ArrayList<>();
    int header = 2 + 1 + (v.isV5() ? 1 : 0); // topic "t", an empty property list in 5.0
    for (int remaining : edges) {
      Publish p = Publish.atMostOnce("t", new byte[remaining - header]);
      assertEquals(remaining, PacketEncoder.encodedSize(p, v) - 1
          - Properties.variableByteIntegerLength(remaining), "remaining length of the case");
      cases.add(new Generated(p, v, Role.CLIENT));
    }
    if (v.isV5()) {
      for (int length : edges) {
        if (length > 0xFFFF + 5) {
          break; // one User Property value holds at most 65,535 bytes
        }
        // A User Property takes 1 + 2 + name + 2 + value bytes.
        Properties props = Properties.builder().userProperty("", "v".repeat(length - 5)).build();
        assertEquals(length, props.encodedLength(), "property length of the case");
        cases.add(new Generated(
            new Publish("t", MqttQos.AT_LEAST_ONCE, false, false, 1, new byte[1], props),
            v, Role.CLIENT));
      }
    }
    return cases;
  }

  // ---- checks ----

  private static void roundTrip(Generated g) {
    MqttPacket p = g.packet();
    MqttVersion v = g.version();
    int size = PacketEncoder.encodedSize(p, v);
    ByteBuf exact = PacketEncoder.encode(ALLOC, p, v);
    ByteBuf grown = UNTRACKED.buffer(4); // the caller's buffer: only its bytes are under test
    try {
      assertEquals(size, exact.readableBytes(), "bytes written vs encodedSize");
      assertEquals(size, exact.capacity(), "capacity of the encoded buffer (must be exact)");
      assertEquals(size, exact.maxCapacity(), "maximum capacity (the buffer may not grow)");
      PacketEncoder.encode(p, v, grown);
      byte[] bytes = ByteBufUtil.getBytes(exact); // one access; comparing buffers costs many
      assertArrayEquals(bytes, ByteBufUtil.getBytes(grown),
          "encoding into a growing buffer vs into an exact one");

      // A server's decoder learns the version from the CONNECT; otherwise it knows it.
      PacketDecoder decoder =
          new PacketDecoder(g.decoderRole(), p instanceof Connect ? null : v);
      ByteBuf copy = untracked(bytes);
      try {
        assertSamePacket(p, decodeFrame(decoder, copy), () -> "PacketDecoder");
      } finally {
        copy.release();
      }
      assertEquals(v, decoder.version(), "decoder's version after the packet");
      throughChannels(g, bytes);
    } finally {
      ReferenceCountUtil.release(exact);
      ReferenceCountUtil.release(grown);
    }
  }

  /** MqttEncoder → MqttDecoder, each buffer the encoder writes arriving on its own. */
  private static void throughChannels(Generated g, byte[] expectedBytes) {
    MqttPacket p = g.packet();
    EmbeddedChannel encoder = new EmbeddedChannel(new MqttEncoder(g.version()));
    EmbeddedChannel decoder = decoderChannel(g.decoderRole(), g.version(), p);
    List<ByteBuf> written = new ArrayList<>(2);
    try {
      assertTrue(encoder.writeOutbound(p), "MqttEncoder wrote nothing");
      for (ByteBuf b; (b = encoder.readOutbound()) != null; ) {
        written.add(b);
      }
      boolean shared = p instanceof Publish publish
          && publish.payload().length >= MqttEncoder.SHARED_PAYLOAD_THRESHOLD;
      assertEquals(shared ? 2 : 1, written.size(), "buffers MqttEncoder wrote");
      assertArrayEquals(expectedBytes, concat(written), "MqttEncoder bytes vs PacketEncoder");
      for (ByteBuf b : written) {
        decoder.writeInbound(untracked(ByteBufUtil.getBytes(b))); // same boundaries; see UNTRACKED
      }
      assertSamePacket(p, decoder.readInbound(), () -> "MqttDecoder after MqttEncoder");
      assertNull(decoder.readInbound(), "MqttDecoder produced more than one message");
    } finally {
      written.forEach(ReferenceCountUtil::release);
      encoder.finishAndReleaseAll();
      decoder.finishAndReleaseAll();
    }
  }

  /** Feeds the packet in two pieces at every split position, then one byte at a time. */
  private static void splitEverywhere(Generated g) {
    byte[] bytes = encode(g.packet(), g.version());
    EmbeddedChannel decoder = decoderChannel(g.decoderRole(), g.version(), g.packet());
    try {
      for (int split = 1; split < bytes.length; split++) {
        feedInPieces(decoder, g, bytes, split);
        if (g.packet() instanceof Connect) { // a second CONNECT is a protocol error
          decoder.finishAndReleaseAll();
          decoder = decoderChannel(g.decoderRole(), g.version(), g.packet());
        }
      }
      for (int i = 0; i < bytes.length - 1; i++) {
        decoder.writeInbound(Unpooled.copiedBuffer(bytes, i, 1));
        assertNull(decoder.readInbound(), "a packet after " + (i + 1) + " single bytes");
      }
      decoder.writeInbound(Unpooled.copiedBuffer(bytes, bytes.length - 1, 1));
      assertSamePacket(g.packet(), decoder.readInbound(), () -> "fed one byte at a time");
    } finally {
      decoder.finishAndReleaseAll();
    }
  }

  /** Splits a large packet at the first and last bytes and at random positions. */
  private static void splitAt(Generated g, SplittableRandom random) {
    byte[] bytes = encode(g.packet(), g.version());
    EmbeddedChannel decoder = decoderChannel(g.decoderRole(), g.version(), g.packet());
    try {
      List<Integer> splits = new ArrayList<>(List.of(1, 2, 3, 4, 5, 6, 7));
      splits.addAll(List.of(bytes.length - 3, bytes.length - 2, bytes.length - 1));
      for (int i = 0; i < 20; i++) {
        splits.add(1 + random.nextInt(bytes.length - 1));
      }
      for (int split : splits) {
        feedInPieces(decoder, g, bytes, split);
      }
    } finally {
      decoder.finishAndReleaseAll();
    }
  }

  private static void feedInPieces(EmbeddedChannel decoder, Generated g, byte[] bytes, int split) {
    decoder.writeInbound(Unpooled.copiedBuffer(bytes, 0, split));
    assertNull(decoder.readInbound(), "a packet from the first " + split + " bytes");
    decoder.writeInbound(Unpooled.copiedBuffer(bytes, split, bytes.length - split));
    assertSamePacket(g.packet(), decoder.readInbound(), () -> "split after byte " + split);
    assertNull(decoder.readInbound(), "more than one packet, split after byte " + split);
  }

  /** Batches of 2 to 12 packets of any type the other end sends, each batch in one buffer. */
  private static void batches(MqttVersion v, Role decoderRole) {
    Role sender = decoderRole == Role.SERVER ? Role.CLIENT : Role.SERVER;
    List<MqttPacketType> types = PacketGenerators.typesOf(v).stream()
        .filter(t -> t != MqttPacketType.CONNECT)
        .filter(t -> PacketGenerators.sendersOf(t, v).contains(sender))
        .toList();
    PacketGenerators gen =
        new PacketGenerators(PacketGenerators.derive(SEED, "batches " + v + " " + decoderRole));
    SplittableRandom random = new SplittableRandom(PacketGenerators.derive(SEED, "batch sizes"));
    EmbeddedChannel encoder = new EmbeddedChannel(new MqttEncoder(v));
    EmbeddedChannel decoder = decoderChannel(decoderRole == Role.SERVER
        ? MqttDecoder.forServer(MAX_PACKET_SIZE)
        : MqttDecoder.forClient(v, MAX_PACKET_SIZE));
    try {
      for (int batch = 0; batch < BATCHES; batch++) {
        List<Generated> packets = new ArrayList<>();
        if (batch == 0 && decoderRole == Role.SERVER) {
          // The CONNECT shares its buffer with what follows: the version is learnt mid-buffer.
          packets.add(gen.next(MqttPacketType.CONNECT, v));
        }
        int n = 2 + random.nextInt(11);
        while (packets.size() < n) {
          packets.add(gen.next(types.get(random.nextInt(types.size())), v, sender));
        }
        int batchNo = batch;
        String what = "MQTT " + v + " batch #" + batch + " of " + packets.size() + " packets";
        Generated first = packets.get(0);
        checkCase(what, new Combination(first.packet().type(), v), batchNo, first,
            () -> oneBuffer(encoder, decoder, packets));
      }
    } finally {
      encoder.finishAndReleaseAll();
      decoder.finishAndReleaseAll();
    }
  }

  private static void oneBuffer(EmbeddedChannel encoder, EmbeddedChannel decoder,
      List<Generated> packets) {
    List<ByteBuf> written = new ArrayList<>();
    try {
      for (Generated g : packets) {
        encoder.writeOutbound(g.packet());
      }
      for (ByteBuf b; (b = encoder.readOutbound()) != null; ) {
        written.add(b);
      }
      decoder.writeInbound(untracked(concat(written))); // the decoder releases it
      for (int i = 0; i < packets.size(); i++) {
        int index = i;
        assertSamePacket(packets.get(i).packet(), decoder.readInbound(),
            () -> "packet " + index + " of the buffer, "
                + PacketAssertions.abbreviate(packets.get(index), 800));
      }
      assertNull(decoder.readInbound(), "more packets than were written");
    } finally {
      written.forEach(ReferenceCountUtil::release);
    }
  }

  // ---- helpers ----

  /**
   * A decoder channel for {@code role}. A server's decoder first gets a CONNECT of the version,
   * to learn it, unless the packet under test is the CONNECT.
   */
  private static EmbeddedChannel decoderChannel(Role role, MqttVersion v, MqttPacket underTest) {
    if (role == Role.CLIENT) {
      return decoderChannel(MqttDecoder.forClient(v, MAX_PACKET_SIZE));
    }
    EmbeddedChannel channel = decoderChannel(MqttDecoder.forServer(MAX_PACKET_SIZE));
    if (!(underTest instanceof Connect)) {
      Connect hello = Connect.builder(v).clientId("round-trip").build();
      channel.writeInbound(PacketEncoder.encode(UNTRACKED, hello, v)); // a fixture
      assertSamePacket(hello, channel.readInbound(), () -> "the CONNECT before the packet");
    }
    return channel;
  }

  /** A channel with the decoder, cumulating in {@link #UNTRACKED} buffers. */
  static EmbeddedChannel decoderChannel(MqttDecoder decoder) {
    EmbeddedChannel channel = new EmbeddedChannel(decoder);
    channel.config().setAllocator(UNTRACKED);
    return channel;
  }

  /** A buffer over these bytes that the leak detector does not track (see {@link #UNTRACKED}). */
  static ByteBuf untracked(byte[] bytes) {
    return Unpooled.wrappedBuffer(bytes);
  }

  private static byte[] encode(MqttPacket p, MqttVersion v) {
    ByteBuf buf = PacketEncoder.encode(ALLOC, p, v);
    try {
      return ByteBufUtil.getBytes(buf);
    } finally {
      buf.release();
    }
  }

  private static byte[] concat(List<ByteBuf> buffers) {
    byte[] all = new byte[buffers.stream().mapToInt(ByteBuf::readableBytes).sum()];
    int at = 0;
    for (ByteBuf b : buffers) {
      b.getBytes(b.readerIndex(), all, at, b.readableBytes());
      at += b.readableBytes();
    }
    return all;
  }

  @FunctionalInterface
  private interface Check {
    void run() throws Exception;
  }

  /** Runs one case; any failure is rethrown with the seed, the case and the packet. */
  private static void checkCase(String what, Combination c, int caseNo, Generated g, Check check) {
    try {
      check.run();
    } catch (Exception | AssertionError e) {
      String bytes;
      try {
        ByteBuf b = PacketEncoder.encode(ALLOC, g.packet(), g.version());
        try {
          bytes = hexHead(b);
        } finally {
          b.release();
        }
      } catch (RuntimeException | AssertionError encodeFailure) {
        bytes = "(does not encode: " + encodeFailure + ")";
      }
      throw new AssertionError(String.format(
          "%s failed for %s case #%d [seed %d, replay with -D%s=%d]%n  packet: %s%n  bytes: %s%n"
              + "  failure: %s",
          what, c.name(), caseNo, SEED, PacketGenerators.SEED_PROPERTY, SEED,
          PacketAssertions.abbreviate(g, 800), bytes,
          PacketAssertions.abbreviate(e.getMessage(), 2000)), e);
    }
  }

  /** One packet type in one version. */
  record Combination(MqttPacketType type, MqttVersion version) {
    String name() {
      return type + " " + version;
    }

    @Override
    public String toString() {
      return name();
    }
  }

  /** Every (type, version) pair: 15 types in 5.0, 14 in 3.1 and 3.1.1 (no AUTH). */
  static Stream<Combination> combinations() {
    return Stream.of(MqttVersion.values()).flatMap(v ->
        PacketGenerators.typesOf(v).stream().map(t -> new Combination(t, v)));
  }

  /**
   * What the generated packets of one (type, version) covered, so that the edge values the
   * generators promise are really tested: every reason code and property the packet may carry,
   * boundary packet identifiers, keep alives and payload sizes, and strings of 4-byte code points
   * and of the maximum length.
   */
  private static final class Coverage {
    private final Set<String> seen = new HashSet<>();

    void add(MqttPacket p) {
      if (p instanceof Connect c) {
        seen.add("keep alive " + c.keepAlive());
        properties(PropertyContext.CONNECT, c.properties());
        if (c.will() != null) {
          properties(PropertyContext.WILL, c.will().properties());
        }
      } else if (p instanceof Connack c) {
        seen.add("reason " + c.reasonCode());
        properties(PropertyContext.CONNACK, c.properties());
      } else if (p instanceof Publish c) {
        seen.add("packet id " + c.packetId());
        seen.add("payload " + c.payload().length);
        properties(PropertyContext.PUBLISH, c.properties());
        if (c.properties().subscriptionIdentifiers().size() > 1) {
          seen.add("several subscription identifiers");
        }
      } else if (p instanceof Puback c) {
        ack(c.packetId(), c.reasonCode(), PropertyContext.PUBACK, c.properties());
      } else if (p instanceof Pubrec c) {
        ack(c.packetId(), c.reasonCode(), PropertyContext.PUBREC, c.properties());
      } else if (p instanceof Pubrel c) {
        ack(c.packetId(), c.reasonCode(), PropertyContext.PUBREL, c.properties());
      } else if (p instanceof Pubcomp c) {
        ack(c.packetId(), c.reasonCode(), PropertyContext.PUBCOMP, c.properties());
      } else if (p instanceof Subscribe c) {
        seen.add("packet id " + c.packetId());
        properties(PropertyContext.SUBSCRIBE, c.properties());
      } else if (p instanceof Suback c) {
        seen.add("packet id " + c.packetId());
        c.reasonCodes().forEach(r -> seen.add("reason " + r));
        properties(PropertyContext.SUBACK, c.properties());
      } else if (p instanceof Unsubscribe c) {
        seen.add("packet id " + c.packetId());
        properties(PropertyContext.UNSUBSCRIBE, c.properties());
      } else if (p instanceof Unsuback c) {
        seen.add("packet id " + c.packetId());
        c.reasonCodes().forEach(r -> seen.add("reason " + r));
        properties(PropertyContext.UNSUBACK, c.properties());
      } else if (p instanceof Disconnect c) {
        seen.add("reason " + c.reasonCode());
        properties(PropertyContext.DISCONNECT, c.properties());
      } else if (p instanceof Auth c) {
        seen.add("reason " + c.reasonCode());
        properties(PropertyContext.AUTH, c.properties());
      }
      strings(p, s -> {
        if (s.codePoints().anyMatch(Character::isSupplementaryCodePoint)) {
          seen.add("4-byte code point");
        }
        if (s.getBytes(StandardCharsets.UTF_8).length == PacketGenerators.MAX_STRING_BYTES) {
          seen.add("string of 65535 bytes");
        }
      });
    }

    private void ack(int packetId, Object reasonCode, PropertyContext context, Properties p) {
      seen.add("packet id " + packetId);
      seen.add("reason " + reasonCode);
      properties(context, p);
    }

    private void properties(PropertyContext context, Properties p) {
      p.forEach((id, value) -> seen.add("property " + context + " " + id));
      List<UserProperty> ups = p.userProperties();
      if (ups.stream().map(UserProperty::name).distinct().count() < ups.size()) {
        seen.add("repeated user property name");
      }
    }

    void assertCovers(Combination c) {
      Set<String> expected = new TreeSet<>();
      MqttVersion v = c.version();
      switch (c.type()) {
        case CONNECT -> {
          expected.addAll(List.of("keep alive 0", "keep alive 65535", "4-byte code point",
              "string of 65535 bytes"));
          expectProperties(expected, v, PropertyContext.CONNECT, PropertyContext.WILL);
        }
        case CONNACK -> {
          for (ConnackReasonCode r : ConnackReasonCode.values()) {
            if (v.isV5() || isReturnCode(r)) {
              expected.add("reason " + r);
            }
          }
          expectProperties(expected, v, PropertyContext.CONNACK);
        }
        case PUBLISH -> {
          expected.addAll(List.of("packet id 1", "packet id 65535", "4-byte code point",
              "string of 65535 bytes"));
          for (int size : new int[] {0, 1, 511, 512, 513, PacketGenerators.MAX_PAYLOAD}) {
            expected.add("payload " + size);
          }
          if (v.isV5()) {
            expected.add("several subscription identifiers");
          }
          expectProperties(expected, v, PropertyContext.PUBLISH);
        }
        case PUBACK -> expectAck(expected, v, PubackReasonCode.values(), PropertyContext.PUBACK);
        case PUBREC -> expectAck(expected, v, PubrecReasonCode.values(), PropertyContext.PUBREC);
        case PUBREL -> expectAck(expected, v, PubrelReasonCode.values(), PropertyContext.PUBREL);
        case PUBCOMP ->
            expectAck(expected, v, PubcompReasonCode.values(), PropertyContext.PUBCOMP);
        case SUBSCRIBE, UNSUBSCRIBE -> {
          expected.addAll(List.of("packet id 1", "packet id 65535", "4-byte code point"));
          expectProperties(expected, v, c.type() == MqttPacketType.SUBSCRIBE
              ? PropertyContext.SUBSCRIBE : PropertyContext.UNSUBSCRIBE);
        }
        case SUBACK -> {
          expected.addAll(List.of("packet id 1", "packet id 65535"));
          for (SubackReasonCode r : SubackReasonCode.values()) {
            if (v.isV5() || r.value() <= 2 || r == SubackReasonCode.UNSPECIFIED_ERROR) {
              expected.add("reason " + r);
            }
          }
          expectProperties(expected, v, PropertyContext.SUBACK);
        }
        case UNSUBACK -> {
          expected.addAll(List.of("packet id 1", "packet id 65535"));
          if (v.isV5()) {
            for (UnsubackReasonCode r : UnsubackReasonCode.values()) {
              expected.add("reason " + r);
            }
          }
          expectProperties(expected, v, PropertyContext.UNSUBACK);
        }
        case DISCONNECT -> {
          for (DisconnectReasonCode r : DisconnectReasonCode.values()) {
            if (v.isV5() || r == DisconnectReasonCode.NORMAL_DISCONNECTION) {
              expected.add("reason " + r);
            }
          }
          expectProperties(expected, v, PropertyContext.DISCONNECT);
        }
        case AUTH -> {
          for (AuthReasonCode r : AuthReasonCode.values()) {
            expected.add("reason " + r);
          }
          expectProperties(expected, v, PropertyContext.AUTH);
        }
        case PINGREQ, PINGRESP -> { }
      }
      expected.removeAll(seen);
      assertTrue(expected.isEmpty(), () -> c.name() + ": the generated packets [seed " + SEED
          + "] never covered " + expected);
    }

    private static boolean isReturnCode(ConnackReasonCode r) {
      for (ConnectReturnCode rc : ConnectReturnCode.values()) {
        if (rc.toReasonCode() == r) {
          return true;
        }
      }
      return false;
    }

    private static void expectAck(Set<String> expected, MqttVersion v, Enum<?>[] codes,
        PropertyContext context) {
      expected.addAll(List.of("packet id 1", "packet id 65535"));
      for (Enum<?> r : codes) {
        if (v.isV5() || r.ordinal() == 0) { // 3.x: SUCCESS, the first constant, only
          expected.add("reason " + r);
        }
      }
      expectProperties(expected, v, context);
    }

    private static void expectProperties(Set<String> expected, MqttVersion v,
        PropertyContext... contexts) {
      if (!v.isV5()) {
        return;
      }
      for (PropertyContext context : contexts) {
        for (PropertyId id : PropertyId.values()) {
          if (id.allowedIn(context)) {
            expected.add("property " + context + " " + id);
          }
        }
      }
      expected.add("repeated user property name");
    }

    /** Every String inside a packet: record components, lists and properties. */
    private static void strings(Object o, Consumer<String> sink) {
      if (o instanceof String s) {
        sink.accept(s);
      } else if (o instanceof List<?> list) {
        list.forEach(e -> strings(e, sink));
      } else if (o instanceof Properties p) {
        p.forEach((id, value) -> strings(value, sink));
      } else if (o instanceof Record r) {
        for (RecordComponent c : r.getClass().getRecordComponents()) {
          try {
            Object value = c.getAccessor().invoke(r);
            if (value != null) {
              strings(value, sink);
            }
          } catch (IllegalAccessException | InvocationTargetException e) {
            throw new AssertionError(e);
          }
        }
      }
    }
  }
}
