package dev.midge.codec;

import dev.midge.codec.packet.Connect;
import dev.midge.codec.reason.ReasonCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Frames MQTT packets off a byte stream and decodes them strictly, passing on {@link
 * dev.midge.codec.packet.MqttPacket}s and, for bad input, one {@link DecodeFailure}.
 *
 * <p>After a failure the decoder discards all further input: the specification has the receiver
 * close the connection, and nothing the peer sends after a malformed packet can be trusted. The
 * handler that receives the failure answers it (CONNACK or DISCONNECT with the reason code) and
 * closes.
 *
 * <p>Memory is bounded by the maximum packet size: the remaining length is read first, and a
 * packet announcing more than the maximum fails at once with {@link ReasonCode#PACKET_TOO_LARGE}
 * before its bytes are awaited, so a lying length cannot make the decoder buffer without limit.
 *
 * <p>Per connection, not {@code @Sharable}. Use {@link #forServer} in a broker: its version is
 * fixed by the CONNECT it decodes. Use {@link #forClient} in a client, which knows its version.
 */
public final class MqttDecoder extends ByteToMessageDecoder {
  /** The largest remaining length MQTT can express, 268,435,455 bytes (256 MiB). */
  public static final int MAX_REMAINING_LENGTH = 268_435_455;

  private final PacketDecoder packets;
  private int maximumPacketSize;
  private boolean failed;
  private long packetsDecoded;
  private boolean paused;
  /** Whether a read is being decoded now: {@link #resume} from within it lets it go on. */
  private boolean reading;

  private MqttDecoder(PacketDecoder packets, int maximumPacketSize) {
    if (maximumPacketSize < 2) {
      throw new IllegalArgumentException("maximum packet size must be at least 2 bytes");
    }
    this.packets = packets;
    this.maximumPacketSize = maximumPacketSize;
  }

  /**
   * A decoder for a server's end of a connection.
   *
   * @param maximumPacketSize the largest whole packet (fixed header included) to accept; larger
   *     ones fail with 0x95
   */
  public static MqttDecoder forServer(int maximumPacketSize) {
    return new MqttDecoder(new PacketDecoder(Role.SERVER, null), maximumPacketSize);
  }

  /** A decoder for a client's end of a connection that speaks {@code version}. */
  public static MqttDecoder forClient(MqttVersion version, int maximumPacketSize) {
    return new MqttDecoder(new PacketDecoder(Role.CLIENT, version), maximumPacketSize);
  }

  /** The connection's protocol version; null on a server before CONNECT. */
  public @Nullable MqttVersion version() {
    return packets.version();
  }

  /** Changes the largest packet accepted from now on. */
  public void maximumPacketSize(int bytes) {
    this.maximumPacketSize = bytes;
  }

  /**
   * Bytes of an incomplete packet held now, waiting for the rest; 0 between packets. With {@link
   * #packetsDecoded()} this lets a keep-alive handler bound how long one packet takes to arrive.
   */
  public int pendingBytes() {
    return failed ? 0 : actualReadableBytes();
  }

  /** Packets (and failures) decoded so far on this connection. */
  public long packetsDecoded() {
    return packetsDecoded;
  }

  /**
   * Stops passing packets on: those after the one being handled stay buffered, undecoded, until
   * {@link #resume}. For flow control, with the channel's auto-read turned off too, so that no
   * more bytes are buffered meanwhile. On the channel's event loop.
   */
  public void pause() {
    paused = true;
  }

  /** Whether {@link #pause} holds packets back now. */
  public boolean isPaused() {
    return paused;
  }

  /**
   * Passes on again, starting with the whole packets buffered while paused. On the channel's
   * event loop; {@code ctx} is this decoder's context.
   */
  public void resume(ChannelHandlerContext ctx) {
    if (!paused) {
      return;
    }
    paused = false;
    if (reading) {
      return; // called from a handler after this decoder: its decode loop goes on by itself
    }
    if (actualReadableBytes() > 0) {
      try {
        channelRead(ctx, Unpooled.EMPTY_BUFFER); // decodes what is buffered
        channelReadComplete(ctx);
      } catch (Exception e) {
        ctx.fireExceptionCaught(e);
      }
    }
  }

  /** Whether the decoder has failed and now discards its input. */
  public boolean failed() {
    return failed;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    reading = true;
    try {
      super.channelRead(ctx, msg);
    } finally {
      reading = false;
    }
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    if (paused) {
      return; // the bytes stay buffered until resume
    }
    int start = in.readerIndex();
    int readable = in.readableBytes();
    if (readable < 2) {
      return;
    }
    int remaining = 0;
    int headerLength = 1;
    int digit;
    do {
      if (headerLength > 4) {
        fail(in, out, ReasonCode.MALFORMED_PACKET, sid("MQTT-5.0 §1.5.5", "MQTT-3.1.1 §2.2.3"),
            "remaining length longer than four bytes");
        return;
      }
      if (headerLength >= readable) {
        return; // the remaining length is not all here yet
      }
      digit = in.getUnsignedByte(start + headerLength);
      remaining |= (digit & 0x7F) << (7 * (headerLength - 1));
      headerLength++;
    } while ((digit & 0x80) != 0);
    boolean shortest = digit != 0 || headerLength == 2;
    if (!shortest && packets.version() == MqttVersion.V5) {
      fail(in, out, ReasonCode.MALFORMED_PACKET, "MQTT-1.5.5-1",
          "remaining length is not in its shortest encoding");
      return;
    }
    long total = (long) headerLength + remaining;
    if (total > maximumPacketSize) {
      fail(in, out, ReasonCode.PACKET_TOO_LARGE, sid("MQTT-5.0 §3.2.2.3.6", "MQTT-3.1.1 §2.2.3"),
          "packet of " + total + " bytes exceeds the maximum of " + maximumPacketSize);
      return;
    }
    if (readable < total) {
      return; // bounded: total is at most maximumPacketSize
    }
    int firstByte = in.getUnsignedByte(start);
    ByteBuf body = in.slice(start + headerLength, remaining);
    Object result = packets.decode(firstByte, body);
    if (!shortest && result instanceof Connect c && c.version().isV5()) {
      // MQTT-1.5.5-1 holds for the CONNECT too, whose version is known only once it is decoded.
      result = new DecodeFailure(ReasonCode.MALFORMED_PACKET, "MQTT-1.5.5-1",
          "remaining length is not in its shortest encoding", MqttPacketType.CONNECT,
          MqttVersion.V5);
    }
    in.skipBytes((int) total);
    packetsDecoded++;
    if (result instanceof DecodeFailure) {
      failed = true;
      in.skipBytes(in.readableBytes());
    }
    out.add(result);
  }

  private void fail(ByteBuf in, List<Object> out, ReasonCode code, String statementId, String msg) {
    MqttPacketType type = MqttPacketType.of(in.getUnsignedByte(in.readerIndex()) >>> 4);
    failed = true;
    in.skipBytes(in.readableBytes());
    out.add(new DecodeFailure(code, statementId, msg, type, packets.version()));
  }

  private String sid(String v5, String v311) {
    return packets.version() == MqttVersion.V5 ? v5 : v311;
  }
}
