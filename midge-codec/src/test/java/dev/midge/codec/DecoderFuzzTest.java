package dev.midge.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.MqttPacket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import dev.midge.codec.reason.ReasonCode;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Coverage-guided fuzzing of {@link MqttDecoder} with Jazzer: whatever bytes arrive, in whatever
 * pieces, the decoder passes on only packets and at most one {@link DecodeFailure}, last; never
 * throws; releases every buffer; and every packet it passes on encodes with {@link PacketEncoder}
 * to bytes that decode to an equal packet.
 *
 * <p>How it runs:
 *
 * <ul>
 *   <li>{@code mvn test} runs it in regression mode: once for each file of the seed corpus in
 *       {@code src/test/resources/dev/midge/codec/DecoderFuzzTestInputs/fuzzDecoder/} (valid
 *       packet streams for each version and direction) and for any crash input kept there.
 *   <li>{@code mvn verify} also fuzzes it for {@code fuzz.duration} (40 s by default) in the
 *       surefire execution {@code fuzz}, which sets {@code JAZZER_FUZZ=1} and passes the duration
 *       as {@code jazzer.max_duration}; longer on demand with {@code -Dfuzz.duration=10m}. That
 *       execution runs in {@code midge-codec/.jazzer/} (git-ignored), where Jazzer keeps the
 *       corpus it grows ({@code .cifuzz-corpus/}) and writes findings ({@code crash-<sha1>}). To
 *       keep a finding as a regression test, move it into the seed directory under a telling name.
 * </ul>
 *
 * <p>Input format: the first byte steers the run, the rest is the byte stream. Its low seven bits
 * are the chunk size the stream is written in (0: one write), its top bit picks a small maximum
 * packet size ({@value #SMALL_MAXIMUM} bytes) so that the 0x95 path is reached as well. The same
 * stream goes to a server's decoder and to a client's decoder of each version.
 */
class DecoderFuzzTest {
  private static final int LARGE_MAXIMUM = 1 << 20;
  private static final int SMALL_MAXIMUM = 64;

  @FuzzTest(maxDuration = "40s")
  void fuzzDecoder(byte[] input) {
    if (input.length == 0) {
      return;
    }
    int control = input[0] & 0xFF;
    int chunkSize = control & 0x7F;
    int maximum = (control & 0x80) != 0 ? SMALL_MAXIMUM : LARGE_MAXIMUM;
    byte[] stream = Arrays.copyOfRange(input, 1, input.length);

    check(MqttDecoder.forServer(maximum), Role.SERVER, null, stream, chunkSize);
    for (MqttVersion version : MqttVersion.values()) {
      check(MqttDecoder.forClient(version, maximum), Role.CLIENT, version, stream, chunkSize);
    }
  }

  /**
   * The seed corpus stays what its file names say as the codec changes: each stream is valid for
   * the end and version it was written for, so the fuzzer starts deep inside the decoder.
   */
  @Test
  void seedCorpus_whenDecodedByItsIntendedEnd_thenValid() throws Exception {
    URL url = DecoderFuzzTest.class.getResource("DecoderFuzzTestInputs/fuzzDecoder");
    assertThat(url).isNotNull();
    List<Path> seeds;
    try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
      seeds = files.sorted().toList();
    }
    assertThat(seeds).hasSizeGreaterThanOrEqualTo(20);
    for (Path seed : seeds) {
      String name = seed.getFileName().toString();
      byte[] input = Files.readAllBytes(seed);
      byte[] stream = Arrays.copyOfRange(input, 1, input.length);
      MqttVersion version = switch (name.substring(0, name.indexOf('-'))) {
        case "v31" -> MqttVersion.V3_1;
        case "v311" -> MqttVersion.V3_1_1;
        case "v5" -> MqttVersion.V5;
        default -> throw new AssertionError("seed name without a version: " + name);
      };
      if (name.contains("too-large")) {
        DecoderHarness h = DecoderHarness.freshServer(SMALL_MAXIMUM);
        h.write(stream);
        List<Object> out = h.drain();
        h.close();
        assertThat(out).as(name).hasSize(2);
        assertThat(out.get(0)).as(name).isInstanceOf(Connect.class);
        assertThat(((DecodeFailure) out.get(1)).reasonCode())
            .isEqualTo(ReasonCode.PACKET_TOO_LARGE);
      } else if (name.contains("-client-") || name.contains("-connect-")) {
        List<MqttPacket> packets = DecoderHarness.freshServer().accept(stream);
        assertThat(packets).as(name).isNotEmpty();
        assertThat(((Connect) packets.get(0)).version()).isEqualTo(version);
      } else {
        assertThat(DecoderHarness.client(version).accept(stream)).as(name).isNotEmpty();
      }
    }
  }

  private static void check(MqttDecoder decoder, Role role, @Nullable MqttVersion clientVersion,
      byte[] stream, int chunkSize) {
    // Every buffer the channel sees, inputs and the decoder's own, is tracked, so that a leak
    // fails this input at once rather than showing up in the leak detector's log later.
    DecoderHarness.TrackingAllocator allocator = new DecoderHarness.TrackingAllocator();
    EmbeddedChannel channel = new EmbeddedChannel();
    channel.config().setAllocator(allocator);
    channel.pipeline().addLast(decoder);
    List<ByteBuf> inputs = new ArrayList<>();
    List<Object> out = new ArrayList<>();
    int step = chunkSize == 0 ? Math.max(1, stream.length) : chunkSize;
    for (int from = 0; from < stream.length; from += step) {
      int to = Math.min(stream.length, from + step);
      ByteBuf chunk = channel.alloc().buffer(to - from);
      chunk.writeBytes(stream, from, to - from);
      inputs.add(chunk);
      // An exception in the pipeline is rethrown here: a finding, as decode failures are values.
      channel.writeInbound(chunk);
      Object o;
      while ((o = channel.readInbound()) != null) {
        out.add(o);
      }
    }
    assertThat(channel.finishAndReleaseAll()).as("messages left after close").isFalse();
    for (ByteBuf in : inputs) {
      assertThat(in.refCnt()).as("reference count of an input buffer").isZero();
    }
    allocator.assertAllReleased();

    MqttVersion version = clientVersion;
    for (int i = 0; i < out.size(); i++) {
      Object o = out.get(i);
      if (o instanceof DecodeFailure f) {
        assertThat(i).as("a failure is the last thing out, after %s", f).isEqualTo(out.size() - 1);
        assertThat(f.reasonCode().isError()).isTrue();
        assertThat(decoder.failed()).isTrue();
        continue;
      }
      assertThat(o).as("decoder output").isInstanceOf(MqttPacket.class);
      MqttPacket packet = (MqttPacket) o;
      if (packet instanceof Connect c) {
        assertThat(role).isEqualTo(Role.SERVER);
        assertThat(i).as("CONNECT comes first").isZero();
        version = c.version();
      }
      assertThat(version).as("version of %s", packet).isNotNull();
      assertRoundTrip(packet, role, version);
    }
    if (role == Role.SERVER && !decoder.failed()) {
      // After a failure the version is left as it was; a CONNECT failing late (bytes left over)
      // may already have set it, which is harmless as everything after it is discarded.
      assertThat(decoder.version()).isEqualTo(version);
    }
  }

  /** Encodes {@code packet} and decodes it again with a fresh decoder for the same end. */
  private static void assertRoundTrip(MqttPacket packet, Role role, MqttVersion version) {
    ByteBuf encoded = PacketEncoder.encode(ByteBufAllocator.DEFAULT, packet, version);
    try {
      assertThat(encoded.readableBytes()).isEqualTo(PacketEncoder.encodedSize(packet, version));
      int firstByte = encoded.readUnsignedByte();
      int remaining = 0;
      int shift = 0;
      int digit;
      do {
        digit = encoded.readUnsignedByte();
        remaining |= (digit & 0x7F) << shift;
        shift += 7;
      } while ((digit & 0x80) != 0);
      assertThat(remaining).isEqualTo(encoded.readableBytes());
      // A server's decoder takes a CONNECT only before it knows the version.
      PacketDecoder again = new PacketDecoder(role, packet instanceof Connect ? null : version);
      Object decoded = again.decode(firstByte, encoded);
      assertThat(decoded).as("%s re-encoded for MQTT %s and decoded", packet, version)
          .isEqualTo(packet);
      assertThat(encoded.isReadable()).isFalse();
    } finally {
      encoded.release();
    }
  }
}
