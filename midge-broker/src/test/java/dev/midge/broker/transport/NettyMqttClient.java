package dev.midge.broker.transport;

import dev.midge.codec.MqttDecoder;
import dev.midge.codec.MqttEncoder;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.MqttPacket;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.opentest4j.AssertionFailedError;

/**
 * An MQTT client on a Netty channel for tests, over the in-JVM local transport or TCP, speaking
 * through the Midge codec as the testkit's {@code RawMqttConnection} does over a blocking socket:
 * what it sends is exactly what {@code PacketEncoder} writes, what it gets is decoded by a strict
 * client-role decoder. Unlike {@code RawMqttConnection} it needs no thread of its own.
 *
 * <p>Time: {@link #lastSentNanos()} is read just before a packet is handed to the channel, so the
 * broker cannot have received it earlier; {@link #closedNanos()} when the channel became inactive,
 * on the client's event loop. Measure a keep-alive timeout from the one to the other.
 *
 * <p>Cheap enough for thousands at once on a shared {@link EventLoopGroup} whose I/O handler is
 * the local one.
 */
public final class NettyMqttClient {
  private static final AtomicLong SEQUENCE = new AtomicLong();
  private final Channel channel;
  private final BlockingQueue<MqttPacket> received = new LinkedBlockingQueue<>();
  private volatile long lastSentNanos;
  private volatile long lastWrittenNanos;
  private volatile long closedNanos = -1;

  private NettyMqttClient(EventLoopGroup group, Class<? extends Channel> type,
      SocketAddress address, MqttVersion version) {
    Bootstrap b = new Bootstrap().group(group).channel(type)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new MqttEncoder(version),
                MqttDecoder.forClient(version, 268_435_460),
                new SimpleChannelInboundHandler<Object>() {
                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
                    if (msg instanceof MqttPacket p) {
                      received.add(p);
                    } else {
                      throw new AssertionFailedError("not an MQTT packet from the broker: " + msg);
                    }
                  }

                  @Override
                  public void channelInactive(ChannelHandlerContext ctx) {
                    closedNanos = System.nanoTime();
                  }

                  @Override
                  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                    ctx.close(); // a reset by the broker is a close as far as the tests go
                  }
                });
          }
        });
    if (type == NioSocketChannel.class) {
      b.option(ChannelOption.TCP_NODELAY, true);
    }
    // A local client gets a local address of its own: Netty's ephemeral ones are 32-bit identity
    // hash codes, which can collide ("address already in use") among thousands of clients.
    this.channel = (type == LocalChannel.class
        ? b.connect(address, new LocalAddress("midge-test-client-" + SEQUENCE.incrementAndGet()))
        : b.connect(address)).syncUninterruptibly().channel();
    this.lastSentNanos = System.nanoTime();
  }

  /**
   * Connects to the broker's local address; sends nothing yet. The group's I/O handler must be the
   * local one ({@code LocalIoHandler}).
   */
  public static NettyMqttClient open(EventLoopGroup group, LocalAddress address,
      MqttVersion version) {
    return new NettyMqttClient(group, LocalChannel.class, address, version);
  }

  /**
   * Connects over TCP to {@code address}; sends nothing yet. The group's I/O handler must be NIO's
   * ({@code NioIoHandler}).
   */
  public static NettyMqttClient openTcp(EventLoopGroup group, InetSocketAddress address,
      MqttVersion version) {
    return new NettyMqttClient(group, NioSocketChannel.class, address, version);
  }

  /**
   * Sends {@code packet}. {@link #lastSentNanos()} is taken just before it is handed to the
   * channel: the broker cannot have received its bytes earlier, so a timeout measured from there
   * is never made to look early, and any delay of the client's own loop counts against the broker.
   * {@link #lastWrittenNanos()} is when the write completed, on the client's loop.
   */
  public void send(MqttPacket packet) {
    lastSentNanos = System.nanoTime();
    channel.writeAndFlush(packet).addListener(f -> {
      if (f.isSuccess()) {
        lastWrittenNanos = System.nanoTime();
      }
    });
  }

  /** {@link System#nanoTime()} when the last packet's write completed on the client's loop. */
  public long lastWrittenNanos() {
    return lastWrittenNanos;
  }

  /** Sends CONNECT with clean start and no will. */
  public void connect(String clientId, MqttVersion version, int keepAlive) {
    send(Connect.builder(version).clientId(clientId).keepAlive(keepAlive).cleanStart(true)
        .build());
  }

  /** The next packet of type {@code type}, failing when another or none comes in time. */
  public <T extends MqttPacket> T expect(Class<T> type, Duration timeout) {
    MqttPacket p = poll(timeout);
    if (p == null) {
      throw new AssertionFailedError("no " + type.getSimpleName() + " within " + timeout
          + (isClosed() ? " (the broker closed the connection)" : ""));
    }
    if (!type.isInstance(p)) {
      throw new AssertionFailedError("expected " + type.getSimpleName() + " but got " + p);
    }
    return type.cast(p);
  }

  /** The next packet received, or null when none comes within {@code timeout}. */
  public @Nullable MqttPacket poll(Duration timeout) {
    try {
      return received.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionFailedError("interrupted");
    }
  }

  public boolean isClosed() {
    return closedNanos >= 0;
  }

  /** {@link System#nanoTime()} when the channel closed; -1 while it is open. */
  public long closedNanos() {
    return closedNanos;
  }

  /** {@link System#nanoTime()} just before the last packet was handed to the channel. */
  public long lastSentNanos() {
    return lastSentNanos;
  }

  /** From the last packet sent to the close; fails while the channel is open. */
  public Duration closedAfterLastSend() {
    long c = closedNanos;
    if (c < 0) {
      throw new AssertionFailedError("still open");
    }
    return Duration.ofNanos(c - lastSentNanos);
  }

  public Channel channel() {
    return channel;
  }

  /** Closes the channel from the client's side, without DISCONNECT. */
  public void close() {
    channel.close().syncUninterruptibly();
  }
}
