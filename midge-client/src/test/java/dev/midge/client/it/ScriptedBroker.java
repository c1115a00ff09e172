package dev.midge.client.it;

import dev.midge.codec.MqttDecoder;
import dev.midge.codec.MqttEncoder;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.MqttPacket;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A fake broker whose every answer the test writes: it decodes what the client sends into a
 * queue and sends what the test tells it, on the latest connection. For what a real broker will
 * not do on request (redeliver a QoS 2 message, impose a Server Keep Alive).
 */
final class ScriptedBroker implements AutoCloseable {
  /** A packet received, and the connection (counted from 1) it came on. */
  record Received(int connection, long nanos, MqttPacket packet) {}

  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
      NioIoHandler.newFactory());
  private final Channel server;
  private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
  private volatile Channel current;
  private volatile int connections;

  ScriptedBroker() throws InterruptedException {
    server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            int n = ++connections;
            current = ch;
            MqttEncoder encoder = new MqttEncoder();
            ch.pipeline().addLast(MqttDecoder.forServer(1 << 20), encoder,
                new SimpleChannelInboundHandler<MqttPacket>() {
                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, MqttPacket p) {
                    if (p instanceof Connect c) {
                      encoder.version(c.version());
                    }
                    received.add(new Received(n, System.nanoTime(), p));
                  }
                });
          }
        })
        .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
  }

  int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  /** The next packet the client sent, of the given type; others before it are skipped. */
  <T extends MqttPacket> Received next(Class<T> type, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Received r = received.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (r == null) {
        throw new AssertionError("no " + type.getSimpleName() + " within " + timeout);
      }
      if (type.isInstance(r.packet())) {
        return r;
      }
    }
  }

  /** Sends to the latest connection and waits until written. */
  void send(MqttPacket p) {
    current.writeAndFlush(p).syncUninterruptibly();
  }

  /** Closes the latest connection, as a broker restart would. */
  void drop() {
    current.close().syncUninterruptibly();
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
