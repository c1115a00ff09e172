package dev.midge.broker.keepalive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.config.KeepAliveConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The keep-alive handler on Netty's local transport, in real time, with the server's event loop
 * blocked across the deadline. On a {@code LocalChannel} there is no socket buffer: what the
 * client writes goes into the server channel's inbound queue and a read task joins the server
 * loop's task queue, first in, first out. A deadline check (a scheduled task) joins that queue only
 * once it is due, so bytes delivered before the deadline are read before the check runs, however
 * busy the loop; when Netty re-queues a read (the server writing at the same moment), the
 * confirmation one round later still sees it.
 */
class KeepAliveHandlerLocalChannelTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  /** Keep alive 1 s: the deadline falls 1500 ms after the last byte. */
  private static final long TIMEOUT_MILLIS = 1500;

  private EventLoopGroup serverLoop;
  private EventLoopGroup clientLoop;
  private Channel serverChannel;
  private Channel client;
  private Channel serverSide;
  private final List<KeepAliveTimeout> timeouts = new CopyOnWriteArrayList<>();
  private final AtomicLong lastReadNanos = new AtomicLong();
  private final AtomicLong timeoutNanos = new AtomicLong();
  private long addedNanos;

  @BeforeEach
  void connect() throws Exception {
    serverLoop = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
    clientLoop = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
    LocalAddress address = new LocalAddress("keep-alive-" + UUID.randomUUID());
    CompletableFuture<Channel> accepted = new CompletableFuture<>();
    CompletableFuture<Long> added = new CompletableFuture<>();
    serverChannel = new ServerBootstrap().group(serverLoop).channel(LocalServerChannel.class)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(
                new KeepAliveHandler(1, KeepAliveConfig.DEFAULTS, () -> 0, () -> 0),
                new ChannelInboundHandlerAdapter() {
                  @Override
                  public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    lastReadNanos.set(System.nanoTime());
                    ReferenceCountUtil.release(msg);
                  }

                  @Override
                  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                    if (evt instanceof KeepAliveTimeout t) {
                      timeoutNanos.set(System.nanoTime());
                      timeouts.add(t);
                    }
                  }
                });
            added.complete(System.nanoTime());
            accepted.complete(ch);
          }
        }).bind(address).sync().channel();
    client = new Bootstrap().group(clientLoop).channel(LocalChannel.class)
        .handler(new ChannelInboundHandlerAdapter()).connect(address).sync().channel();
    serverSide = accepted.get(5, TimeUnit.SECONDS);
    addedNanos = added.get(5, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() {
    client.close().syncUninterruptibly();
    serverChannel.close().syncUninterruptibly();
    clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    serverLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /**
   * Blocks the server's loop from 1300 ms after the handler started until 2000 ms, across the
   * deadline; with {@code ping}, the client sends a PINGREQ while the loop is blocked, well before
   * the deadline.
   *
   * @return when the client's PINGREQ was handed to the server channel, or -1 without a ping
   */
  private long blockServerLoopAcrossTheDeadline(boolean ping) throws Exception {
    CompletableFuture<Long> delivered = new CompletableFuture<>();
    long blockFrom = addedNanos + TimeUnit.MILLISECONDS.toNanos(1300);
    long blockUntil = addedNanos + TimeUnit.MILLISECONDS.toNanos(2000);
    serverSide.eventLoop().schedule(() -> {
      if (ping) {
        client.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {(byte) 0xC0, 0x00}))
            .addListener(f -> delivered.complete(System.nanoTime()));
      } else {
        delivered.complete(-1L);
      }
      while (System.nanoTime() < blockUntil) { // saturated: nothing else runs on this loop
        TimeUnit.MILLISECONDS.sleep(10);
      }
      return null;
    }, blockFrom - System.nanoTime(), TimeUnit.NANOSECONDS);
    return delivered.get(5, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("MQTT-3.1.2-24, no false timeout under load (local transport): a PINGREQ delivered"
      + " before the deadline while the loop is blocked is read before the deadline is checked")
  void deadline_whenLoopBlockedAndPingDeliveredInTime_thenNoTimeout() throws Exception {
    long delivered = blockServerLoopAcrossTheDeadline(true);
    assertThat(delivered - addedNanos).as("PINGREQ delivered before the deadline")
        .isLessThan(TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS));

    // Read once the loop is free again (2000 ms), not before: the deadline passed meanwhile.
    await().atMost(WAIT).until(() -> lastReadNanos.get() != 0);
    assertThat(lastReadNanos.get() - addedNanos)
        .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(2000));
    assertThat(timeouts).as("no timeout for the PINGREQ that waited unread").isEmpty();

    // The deadline now runs from that read: silence after it still ends the connection.
    await().atMost(WAIT).until(() -> !timeouts.isEmpty());
    assertThat(timeouts).hasSize(1);
    assertThat(timeouts.get(0).kind()).isEqualTo(KeepAliveTimeout.Kind.SILENCE);
    assertThat(timeoutNanos.get() - lastReadNanos.get())
        .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS));
  }

  @Test
  @DisplayName("MQTT-3.1.2-24 (local transport): with the loop blocked across the deadline and"
      + " nothing sent, the timeout comes as soon as the loop is free")
  void deadline_whenLoopBlockedAndNothingSent_thenTimeoutOnceFree() throws Exception {
    blockServerLoopAcrossTheDeadline(false);

    await().atMost(WAIT).until(() -> !timeouts.isEmpty());
    assertThat(timeoutNanos.get() - addedNanos)
        .as("after the blocked loop was free again")
        .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(2000));
    assertThat(timeouts.get(0).silenceMillis()).isGreaterThanOrEqualTo(2000);
    assertThat(lastReadNanos.get()).as("nothing read").isZero();
  }
}
