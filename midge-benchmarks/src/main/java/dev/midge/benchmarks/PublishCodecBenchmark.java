package dev.midge.benchmarks;

import dev.midge.codec.MqttDecoder;
import dev.midge.codec.MqttEncoder;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.PacketDecoder;
import dev.midge.codec.PacketEncoder;
import dev.midge.codec.Role;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.property.Properties;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Throughput and allocation of decoding and encoding one QoS 1 PUBLISH, the packet a broker
 * handles most, to {@code sensors/building-7/floor-3/temperature} with a 64-byte or a 4 KiB
 * payload, in MQTT 3.1.1 and in MQTT 5.0 with two typical properties (Message Expiry Interval
 * 3600 s and Content Type {@code application/json}).
 *
 * <ul>
 *   <li>{@link #decode}: {@link PacketDecoder} alone on the body of a packet encoded once in
 *       {@link #setUp}; each call only rewinds the reader index, so what is measured is the
 *       decoder's own work and allocation: the checks, the topic string, the payload copied out
 *       (by design, STYLE.md rule 3) and the record.
 *   <li>{@link #decodeInChannel}: the same bytes through {@link MqttDecoder} in an {@link
 *       EmbeddedChannel}: framing, the {@code ByteToMessageDecoder} machinery and the pipeline, as
 *       a broker's connection sees it. The input buffer is a retained duplicate of the encoded
 *       packet, so no bytes are copied per call.
 *   <li>{@link #encode}: {@link PacketEncoder#encode(ByteBufAllocator,
 *       dev.midge.codec.packet.MqttPacket, MqttVersion)} into an exactly sized buffer from the
 *       pooled allocator, payload copied in, released each call.
 *   <li>{@link #encodeHeader}: what {@link MqttEncoder} does for payloads of {@value
 *       MqttEncoder#SHARED_PAYLOAD_THRESHOLD} bytes and more: {@link
 *       PacketEncoder#encodePublishHeader} plus the payload array wrapped, not copied. It runs for
 *       64 bytes too, to show whether the threshold sits in the right place.
 * </ul>
 *
 * <p>Run it, with allocation per operation ({@code gc.alloc.rate.norm}), from the repository's
 * root after {@code mvn -B -pl midge-benchmarks -am package -DskipTests}:
 *
 * <pre>{@code
 * java -jar midge-benchmarks/target/benchmarks.jar PublishCodecBenchmark -prof gc
 * java -jar midge-benchmarks/target/benchmarks.jar 'PublishCodecBenchmark.decode$' -p version=V5
 * }</pre>
 *
 * <p>The forked JVM turns Netty's leak detector off, since its sampling would add allocation that
 * is not the codec's, and runs the benchmark on a Netty thread ({@link EventLoopThreadExecutor}),
 * as the broker runs its codec on event loops; on a plain thread Netty allocates more (no pooled
 * allocator cache, no scratch arrays for decoding strings).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {
    "-Dio.netty.leakDetection.level=disabled",
    "-Djmh.executor=CUSTOM",
    "-Djmh.executor.class=dev.midge.benchmarks.EventLoopThreadExecutor"})
@State(Scope.Thread)
public class PublishCodecBenchmark {
  /** A topic of a typical depth and length. */
  static final String TOPIC = "sensors/building-7/floor-3/temperature";

  @Param({"64", "4096"})
  public int payloadSize;

  @Param({"V3_1_1", "V5"})
  public MqttVersion version;

  private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;

  private Publish publish;
  /** The whole encoded packet, fixed header included; owned by this state. */
  private ByteBuf encoded;
  /** A view of {@link #encoded} without its fixed header: what {@link PacketDecoder} reads. */
  private ByteBuf body;
  private int firstByte;
  private PacketDecoder decoder;
  private EmbeddedChannel channel;

  @Setup(Level.Trial)
  public void setUp() {
    byte[] payload = new byte[payloadSize];
    new Random(7).nextBytes(payload);
    Properties properties = version.isV5()
        ? Properties.builder().messageExpiryInterval(3600).contentType("application/json").build()
        : Properties.EMPTY;
    publish = new Publish(TOPIC, MqttQos.AT_LEAST_ONCE, false, false, 4711, payload, properties);

    // The decoder's input lives where a connection's input lives: in a pooled direct buffer.
    encoded = PacketEncoder.encode(alloc, publish, version);
    firstByte = encoded.getUnsignedByte(0);
    int headerLength = 2;
    while ((encoded.getUnsignedByte(headerLength - 1) & 0x80) != 0) {
      headerLength++; // the remaining length goes on while its continuation bit is set
    }
    body = encoded.slice(headerLength, encoded.readableBytes() - headerLength);
    decoder = new PacketDecoder(Role.SERVER, version);
    Object check = decode();
    if (!publish.equals(check)) {
      throw new IllegalStateException("decoded " + check + ", expected " + publish);
    }

    // A server's decoder learns the version from CONNECT, so the channel gets one first.
    channel = new EmbeddedChannel(MqttDecoder.forServer(1 << 20));
    Connect connect = Connect.builder(version).clientId("bench-1").build();
    channel.writeInbound(PacketEncoder.encode(alloc, connect, version));
    Object first = channel.readInbound();
    if (!(first instanceof Connect)) {
      throw new IllegalStateException("CONNECT decoded as " + first);
    }
    check = decodeInChannel();
    if (!publish.equals(check)) {
      throw new IllegalStateException("decoded in channel " + check + ", expected " + publish);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    channel.finishAndReleaseAll();
    encoded.release();
  }

  /** {@link PacketDecoder#decode} of a PUBLISH body already in a buffer. */
  @Benchmark
  public Object decode() {
    body.readerIndex(0);
    return decoder.decode(firstByte, body);
  }

  /** {@link MqttDecoder} in an {@link EmbeddedChannel}: framing, pipeline and decoding. */
  @Benchmark
  public Object decodeInChannel() {
    channel.writeInbound(encoded.retainedDuplicate()); // the decoder releases it
    return channel.readInbound();
  }

  /** The whole packet into one pooled buffer of exactly its size, payload copied. */
  @Benchmark
  public void encode(Blackhole bh) {
    ByteBuf out = PacketEncoder.encode(alloc, publish, version);
    try {
      bh.consume(out);
    } finally {
      out.release();
    }
  }

  /** Header into a pooled buffer, payload wrapped without a copy, as {@link MqttEncoder} does. */
  @Benchmark
  public void encodeHeader(Blackhole bh) {
    ByteBuf header = PacketEncoder.encodePublishHeader(alloc, publish, version);
    ByteBuf payload = Unpooled.wrappedBuffer(publish.payload());
    try {
      bh.consume(header);
      bh.consume(payload);
    } finally {
      header.release();
      payload.release();
    }
  }
}
