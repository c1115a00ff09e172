package dev.midge.client.internal;

import dev.midge.codec.packet.MqttPacket;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.util.function.BiConsumer;

/**
 * Reports every packet written and read, for {@link dev.midge.client.PacketListener}. Sits next
 * to the codec so that it sees the PINGREQs of the keep-alive handler too.
 */
final class PacketTraceHandler extends ChannelDuplexHandler {
  private final BiConsumer<Boolean, MqttPacket> sink;

  PacketTraceHandler(BiConsumer<Boolean, MqttPacket> sink) {
    this.sink = sink;
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise)
      throws Exception {
    if (msg instanceof MqttPacket p) {
      sink.accept(true, p);
    }
    super.write(ctx, msg, promise);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (msg instanceof MqttPacket p) {
      sink.accept(false, p);
    }
    super.channelRead(ctx, msg);
  }
}
