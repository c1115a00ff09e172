package dev.midge.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.MqttPacket;
import dev.midge.codec.reason.ReasonCode;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One {@link MqttDecoder} in an {@link EmbeddedChannel}, fed raw bytes, for the decoder's
 * malformed-input and framing tests; plus the hex helpers those tests write their packets with.
 *
 * <p>Every buffer the channel sees, the test's input and the decoder's own cumulation buffers,
 * comes from a {@link TrackingAllocator}, so {@link #close()} can check that all of them were
 * released, deterministically and without waiting for the garbage collector; the leak detector
 * (at {@code paranoid} in the build) watches the same buffers as a second line.
 *
 * <pre>{@code
 * DecodeFailure f = DecoderHarness.server(V5).reject(packet("36", utf8("a"), "0001", "00"));
 * assertFailure(f, MALFORMED_PACKET, "MQTT-3.3.1-4", MqttPacketType.PUBLISH, V5);
 * }</pre>
 *
 * <p>Not thread-safe; one per test.
 */
final class DecoderHarness {
  /** The maximum packet size of every harness unless a test says otherwise: 1 MiB. */
  static final int DEFAULT_MAXIMUM = 1 << 20;

  private final TrackingAllocator allocator = new TrackingAllocator();
  private final List<ByteBuf> inputs = new ArrayList<>();
  private final MqttDecoder decoder;
  private final EmbeddedChannel channel;
  /** A valid packet for this end of the connection, sent after a failure to prove the discard. */
  private final byte[] validNext;
  private boolean closed;

  private DecoderHarness(MqttDecoder decoder, byte[] validNext) {
    this.decoder = decoder;
    this.validNext = validNext;
    this.channel = new EmbeddedChannel();
    channel.config().setAllocator(allocator);
    channel.pipeline().addLast(decoder);
  }

  /** A server's decoder that has seen nothing yet: its version is unknown. */
  static DecoderHarness freshServer() {
    return freshServer(DEFAULT_MAXIMUM);
  }

  /** A server's decoder that has seen nothing yet, with the given maximum packet size. */
  static DecoderHarness freshServer(int maximumPacketSize) {
    // Before CONNECT the valid packet to follow a failure is a CONNECT.
    return new DecoderHarness(MqttDecoder.forServer(maximumPacketSize),
        connect(MqttVersion.V3_1_1));
  }

  /** A server's decoder that has accepted a minimal CONNECT of {@code version}. */
  static DecoderHarness server(MqttVersion version) {
    DecoderHarness h = new DecoderHarness(MqttDecoder.forServer(DEFAULT_MAXIMUM), hex("C0 00"));
    h.write(connect(version));
    List<Object> out = h.drain();
    assertThat(out).as("the CONNECT that sets the version").hasSize(1);
    assertThat(out.get(0)).isInstanceOf(Connect.class);
    assertThat(h.decoder.version()).isEqualTo(version);
    return h;
  }

  /** A client's decoder for {@code version}. */
  static DecoderHarness client(MqttVersion version) {
    return client(version, DEFAULT_MAXIMUM);
  }

  /** A client's decoder for {@code version} with the given maximum packet size. */
  static DecoderHarness client(MqttVersion version, int maximumPacketSize) {
    return new DecoderHarness(MqttDecoder.forClient(version, maximumPacketSize), hex("D0 00"));
  }

  /**
   * A decoder for one end: a client of {@code version}, a server connected with {@code version},
   * or, for a server and a null version, a server that has seen nothing yet.
   */
  static DecoderHarness of(Role role, @Nullable MqttVersion version) {
    if (role == Role.CLIENT) {
      if (version == null) {
        throw new IllegalArgumentException("a client always knows its version");
      }
      return client(version);
    }
    return version == null ? freshServer() : server(version);
  }

  MqttDecoder decoder() {
    return decoder;
  }

  /**
   * Checks that the decoder holds no bytes now: every buffer allocated so far, inputs included, is
   * already released.
   */
  void assertNothingHeld() {
    allocator.assertAllReleased();
  }

  // ---- feeding and reading ----

  /** Writes one chunk of bytes into the channel; an exception in the pipeline is rethrown. */
  void write(byte[] bytes) {
    ByteBuf buf = allocator.buffer(bytes.length);
    buf.writeBytes(bytes);
    inputs.add(buf);
    channel.writeInbound(buf);
    channel.checkException();
  }

  /** Everything the decoder has passed on since the last call, in order. */
  List<Object> drain() {
    List<Object> out = new ArrayList<>();
    Object o;
    while ((o = channel.readInbound()) != null) {
      out.add(o);
    }
    return out;
  }

  /**
   * Feeds {@code bytes}, which must hold exactly one bad packet, followed in the same buffer and
   * again in a second write by a valid packet; checks that exactly one {@link DecodeFailure} comes
   * out and nothing after it, then {@linkplain #close() closes}.
   */
  DecodeFailure reject(byte[] bytes) {
    write(concat(bytes, validNext));
    List<Object> out = drain();
    assertThat(out).as("what the decoder passed on").hasSize(1);
    assertThat(out.get(0)).isInstanceOf(DecodeFailure.class);
    assertThat(decoder.failed()).isTrue();
    write(validNext);
    assertThat(drain()).as("output after the failure (the decoder must discard)").isEmpty();
    close();
    return (DecodeFailure) out.get(0);
  }

  /**
   * Feeds the chunks, checks that only packets came out (no failure), then {@linkplain #close()
   * closes}; returns the packets.
   */
  List<MqttPacket> accept(byte[]... chunks) {
    List<Object> out = new ArrayList<>();
    for (byte[] chunk : chunks) {
      write(chunk);
      out.addAll(drain());
    }
    List<MqttPacket> packets = new ArrayList<>();
    for (Object o : out) {
      assertThat(o).as("decoder output").isInstanceOf(MqttPacket.class);
      packets.add((MqttPacket) o);
    }
    assertThat(decoder.failed()).isFalse();
    close();
    return packets;
  }

  /** Like {@link #accept}, for bytes that must hold exactly one packet. */
  MqttPacket acceptOne(byte[] bytes) {
    List<MqttPacket> packets = accept(bytes);
    assertThat(packets).hasSize(1);
    return packets.get(0);
  }

  /**
   * Closes the channel and checks that nothing was left in it and that every buffer it saw, the
   * inputs and whatever the decoder allocated, has been released.
   */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    assertThat(channel.finishAndReleaseAll()).as("messages left in the channel").isFalse();
    for (ByteBuf in : inputs) {
      assertThat(in.refCnt()).as("reference count of an input buffer").isZero();
    }
    allocator.assertAllReleased();
  }

  // ---- assertions ----

  static void assertFailure(DecodeFailure f, ReasonCode reasonCode, String statementId,
      @Nullable MqttPacketType packetType, @Nullable MqttVersion version) {
    assertThat(f)
        .returns(statementId, DecodeFailure::statementId)
        .returns(reasonCode, DecodeFailure::reasonCode)
        .returns(packetType, DecodeFailure::packetType)
        .returns(version, DecodeFailure::version);
  }

  // ---- bytes ----

  /** Bytes from hex digits; spaces (and any other non-hex-digit separators) are ignored. */
  static byte[] hex(String... parts) {
    String digits = String.join("", parts).replaceAll("[^0-9A-Fa-f]", "");
    return ByteBufUtil.decodeHexDump(digits);
  }

  /**
   * A whole packet: the first byte, the remaining length computed from the body, the body.
   *
   * @param firstByte two hex digits, packet type and flags, such as {@code "32"}
   * @param body hex, concatenated
   */
  static byte[] packet(String firstByte, String... body) {
    byte[] b = hex(body);
    return concat(hex(firstByte), hex(vbi(b.length)), b);
  }

  /** A UTF-8 Encoded String as hex: two length bytes, then the text's UTF-8 bytes. */
  static String utf8(String text) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    return String.format("%04X", b.length) + ByteBufUtil.hexDump(b);
  }

  /** Raw bytes as a UTF-8 Encoded String: two length bytes, then the bytes given in hex. */
  static String utf8Bytes(String hexBytes) {
    byte[] b = hex(hexBytes);
    return String.format("%04X", b.length) + ByteBufUtil.hexDump(b);
  }

  /** An MQTT 5.0 property list as hex: the Property Length, then the properties given in hex. */
  static String props(String... properties) {
    byte[] b = hex(properties);
    return vbi(b.length) + ByteBufUtil.hexDump(b);
  }

  /** A Variable Byte Integer, shortest form, as hex. */
  static String vbi(int value) {
    StringBuilder sb = new StringBuilder();
    int v = value;
    do {
      int digit = v & 0x7F;
      v >>>= 7;
      sb.append(String.format("%02X", v > 0 ? digit | 0x80 : digit));
    } while (v > 0);
    return sb.toString();
  }

  /** The protocol name and level a CONNECT of {@code version} starts with, as hex. */
  static String protocol(MqttVersion version) {
    return utf8(version.protocolName()) + String.format("%02X", version.level());
  }

  /**
   * A CONNECT's body: protocol name and level, the flags, keep alive 60 s, the properties (only
   * for MQTT 5.0: {@code v5Properties} is the list's content, without its length) and the
   * payload.
   */
  static String connectBody(MqttVersion version, int flags, String v5Properties, String payload) {
    return protocol(version) + String.format("%02X", flags) + "003C"
        + (version.isV5() ? props(v5Properties) : "") + ByteBufUtil.hexDump(hex(payload));
  }

  /** A valid CONNECT of {@code version}: clean start, keep alive 60 s, empty client id. */
  static byte[] connect(MqttVersion version) {
    return packet("10", connectBody(version, 0x02, "", utf8("")));
  }

  /** The property list hex for {@code version}: {@code props(v5Properties)} in 5.0, else none. */
  static String propsIfV5(MqttVersion version, String... v5Properties) {
    return version.isV5() ? props(v5Properties) : "";
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /**
   * Unpooled heap buffers that remember every buffer they hand out, so a test can check that all
   * were released.
   */
  static final class TrackingAllocator extends AbstractByteBufAllocator {
    private final List<ByteBuf> allocated = new ArrayList<>();

    TrackingAllocator() {
      super(false);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
      ByteBuf b = new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
      allocated.add(b);
      return b;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
      ByteBuf b = new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity);
      allocated.add(b);
      return b;
    }

    @Override
    public boolean isDirectBufferPooled() {
      return false;
    }

    void assertAllReleased() {
      for (ByteBuf b : allocated) {
        assertThat(b.refCnt()).as("reference count of a buffer the channel allocated").isZero();
      }
    }
  }
}
