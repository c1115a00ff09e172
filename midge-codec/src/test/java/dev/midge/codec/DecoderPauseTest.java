package dev.midge.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.codec.packet.MqttPacket;
import dev.midge.codec.packet.Pingresp;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.property.Properties;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/**
 * {@link MqttDecoder#pause} and {@link MqttDecoder#resume}, the broker's flow control: packets
 * after the one being handled stay buffered while paused, and come in order once resumed.
 */
class DecoderPauseTest {
  private final MqttDecoder decoder = MqttDecoder.forClient(MqttVersion.V3_1_1, 1 << 20);
  private final List<MqttPacket> got = new ArrayList<>();
  private BiConsumer<ChannelHandlerContext, MqttPacket> onPacket = (ctx, p) -> { };
  private final EmbeddedChannel channel = new EmbeddedChannel(decoder,
      new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
          MqttPacket p = (MqttPacket) msg;
          got.add(p);
          onPacket.accept(ctx, p);
        }
      });

  @Test
  void pause_whenSeveralPacketsInOneRead_thenOnlyTheFirstPassesUntilResumed() {
    onPacket = (ctx, p) -> {
      if (got.size() == 1) {
        decoder.pause();
      }
    };

    channel.writeInbound(threePublishes());

    assertThat(got).hasSize(1);
    assertThat(decoder.isPaused()).isTrue();
    assertThat(decoder.pendingBytes()).isPositive();

    onPacket = (ctx, p) -> { };
    decoder.resume(channel.pipeline().context(decoder));

    assertThat(topics()).containsExactly("t/1", "t/2", "t/3");
    assertThat(decoder.pendingBytes()).isZero();
  }

  @Test
  void pause_whenNewBytesArriveWhilePaused_thenTheyWaitTooAndComeInOrder() {
    onPacket = (ctx, p) -> decoder.pause();
    channel.writeInbound(threePublishes());
    channel.writeInbound(encode(Pingresp.INSTANCE));
    assertThat(got).hasSize(1);

    onPacket = (ctx, p) -> { };
    decoder.resume(channel.pipeline().context(decoder));

    assertThat(got).as(got.toString()).hasSize(4);
    assertThat(got.get(3)).isInstanceOf(Pingresp.class);
  }

  @Test
  void resume_whenCalledWhileTheReadIsBeingHandled_thenTheReadGoesOnWithoutReentry() {
    onPacket = (ctx, p) -> {
      if (got.size() == 1) {
        decoder.pause();
        decoder.resume(channel.pipeline().context(decoder)); // e.g. the subscriber caught up
      }
    };

    channel.writeInbound(threePublishes());

    assertThat(topics()).containsExactly("t/1", "t/2", "t/3");
    assertThat(decoder.isPaused()).isFalse();
  }

  @Test
  void resume_whenNotPaused_thenNothingHappens() {
    decoder.resume(channel.pipeline().context(decoder));
    assertThat(got).isEmpty();
  }

  private List<String> topics() {
    return got.stream().map(p -> ((Publish) p).topic()).toList();
  }

  private static ByteBuf threePublishes() {
    ByteBuf all = Unpooled.buffer();
    for (int i = 1; i <= 3; i++) {
      ByteBuf one = encode(new Publish("t/" + i, MqttQos.AT_MOST_ONCE, false, false, 0,
          ("m" + i).getBytes(StandardCharsets.UTF_8), Properties.EMPTY));
      all.writeBytes(one);
      one.release();
    }
    return all;
  }

  private static ByteBuf encode(MqttPacket packet) {
    EmbeddedChannel enc = new EmbeddedChannel(new MqttEncoder(MqttVersion.V3_1_1));
    enc.writeOutbound(packet);
    ByteBuf out = enc.readOutbound();
    enc.finishAndReleaseAll();
    return out;
  }
}
