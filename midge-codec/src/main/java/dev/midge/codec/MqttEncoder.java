package dev.midge.codec;

import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.MqttPacket;
import dev.midge.codec.packet.Publish;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Encodes outbound {@link MqttPacket}s with {@link PacketEncoder}, each into a buffer of exactly
 * its size.
 *
 * <p>A PUBLISH whose payload is at least {@link #SHARED_PAYLOAD_THRESHOLD} bytes goes out as two
 * buffers, the header and the payload array wrapped without a copy, so one message fanned out to
 * many subscribers keeps one copy of its payload in memory; smaller payloads are copied into the
 * header's buffer, which is cheaper than a second buffer.
 *
 * <p>Per connection, not {@code @Sharable}: it holds the connection's protocol version. A
 * client's encoder learns it from the CONNECT it sends; a server sets it with {@link #version}
 * once it has accepted the CONNECT.
 */
public final class MqttEncoder extends MessageToMessageEncoder<MqttPacket> {
  /** Payloads of this many bytes or more are sent without copying. */
  public static final int SHARED_PAYLOAD_THRESHOLD = 512;

  private @Nullable MqttVersion version;

  /** An encoder whose version is set later, by {@link #version} or by an outgoing CONNECT. */
  public MqttEncoder() {
    super(MqttPacket.class);
  }

  /** An encoder for a connection that speaks {@code version}. */
  public MqttEncoder(MqttVersion version) {
    this();
    this.version = version;
  }

  /** Fixes the protocol version packets are written in. Call on the channel's event loop. */
  public void version(MqttVersion version) {
    this.version = version;
  }

  /** The protocol version packets are written in, null until known. */
  public @Nullable MqttVersion version() {
    return version;
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, MqttPacket msg, List<Object> out) {
    if (msg instanceof Connect c) {
      version = c.version();
    }
    MqttVersion v = version;
    if (v == null) {
      throw new EncoderException("no protocol version yet to encode " + msg.type());
    }
    if (msg instanceof Publish p && p.payload().length >= SHARED_PAYLOAD_THRESHOLD) {
      out.add(PacketEncoder.encodePublishHeader(ctx.alloc(), p, v));
      out.add(Unpooled.wrappedBuffer(p.payload()));
    } else {
      out.add(PacketEncoder.encode(ctx.alloc(), msg, v));
    }
  }
}
