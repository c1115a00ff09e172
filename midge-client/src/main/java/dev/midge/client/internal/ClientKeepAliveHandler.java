package dev.midge.client.internal;

import dev.midge.client.PingTimeoutException;
import dev.midge.codec.packet.MqttPacket;
import dev.midge.codec.packet.Pingreq;
import dev.midge.codec.packet.Pingresp;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Ticker;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The client's side of Keep Alive, one per connection, added once CONNACK has fixed the keep
 * alive in effect.
 *
 * <ul>
 *   <li>It sends PINGREQ only when the client has <em>sent</em> nothing for the keep-alive
 *       interval (MQTT-3.1.2-23): every packet written through this handler restarts the
 *       interval, so a client that publishes often never pings.
 *   <li>After a PINGREQ it expects a packet (a PINGRESP, or anything else: any packet proves the
 *       broker alive) within the PINGRESP timeout, which is seconds, not a whole keep alive. When
 *       none comes, it fires a {@link PingTimeoutException} up the pipeline as an exception and
 *       closes the channel: the connection is half-open, and waiting longer only delays the
 *       reconnection.
 *   <li>On each PINGRESP it fires a {@link PingRoundTrip} user event with the time since its
 *       PINGREQ.
 * </ul>
 *
 * <p>It knows nothing above it, like Netty's {@code IdleStateHandler}: the handler at the end of
 * the pipeline turns the exception into the one connection-lost path. Time is read from the
 * channel's executor's {@link Ticker}, so tests run it on an {@code EmbeddedChannel} with a mock
 * ticker and advance time instead of sleeping. One timer per channel; everything runs on the
 * channel's event loop.
 */
public final class ClientKeepAliveHandler extends ChannelDuplexHandler {
  /** Fired up the pipeline for each PINGRESP. */
  public record PingRoundTrip(Duration roundTrip) {}

  private final long keepAliveNanos;
  private final long pingTimeoutNanos;
  private @Nullable ChannelHandlerContext ctx;
  private @Nullable Future<?> timer;
  private long lastWriteNanos;
  /** When the oldest PINGREQ not yet followed by any packet was written; -1 when none is. */
  private long pingOutstandingSince = -1;
  /** When the last PINGREQ was written, for the round trip; -1 when none. */
  private long lastPingNanos = -1;

  /**
   * @param keepAlive the keep alive in effect, more than zero
   * @param pingTimeout how long to wait for a packet after a PINGREQ, more than zero
   */
  public ClientKeepAliveHandler(Duration keepAlive, Duration pingTimeout) {
    if (keepAlive.isZero() || keepAlive.isNegative() || pingTimeout.isZero()
        || pingTimeout.isNegative()) {
      throw new IllegalArgumentException("keep alive and PINGRESP timeout must be positive");
    }
    this.keepAliveNanos = keepAlive.toNanos();
    this.pingTimeoutNanos = pingTimeout.toNanos();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    lastWriteNanos = now();
    schedule(keepAliveNanos);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancel();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    cancel();
    super.channelInactive(ctx);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise)
      throws Exception {
    if (msg instanceof MqttPacket) {
      lastWriteNanos = now(); // MQTT-3.1.2-23: any control packet sent restarts the interval
    }
    super.write(ctx, msg, promise);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (msg instanceof MqttPacket) {
      pingOutstandingSince = -1; // any packet shows the broker is there
      if (msg instanceof Pingresp && lastPingNanos >= 0) {
        long rtt = now() - lastPingNanos;
        lastPingNanos = -1;
        ctx.fireUserEventTriggered(new PingRoundTrip(Duration.ofNanos(rtt)));
      }
    }
    super.channelRead(ctx, msg);
  }

  private void check() {
    ChannelHandlerContext c = ctx;
    if (c == null || !c.channel().isActive()) {
      return;
    }
    long now = now();
    if (pingOutstandingSince >= 0 && now - pingOutstandingSince >= pingTimeoutNanos) {
      timer = null;
      c.fireExceptionCaught(new PingTimeoutException(Duration.ofNanos(pingTimeoutNanos),
          Duration.ofNanos(keepAliveNanos)));
      c.close();
      return;
    }
    if (now - lastWriteNanos >= keepAliveNanos) {
      // MQTT-3.1.2-23: nothing sent for keep alive seconds, so send PINGREQ
      if (pingOutstandingSince < 0) {
        pingOutstandingSince = now;
      }
      lastPingNanos = now;
      lastWriteNanos = now; // ctx.write starts below this handler, so write() does not see it
      c.writeAndFlush(Pingreq.INSTANCE);
    }
    long untilPing = lastWriteNanos + keepAliveNanos - now;
    long next = pingOutstandingSince < 0
        ? untilPing
        : Math.min(untilPing, pingOutstandingSince + pingTimeoutNanos - now);
    schedule(Math.max(next, 1));
  }

  private void schedule(long delayNanos) {
    ChannelHandlerContext c = ctx;
    if (c != null) {
      timer = c.executor().schedule(this::check, delayNanos, TimeUnit.NANOSECONDS);
    }
  }

  private void cancel() {
    Future<?> t = timer;
    if (t != null) {
      t.cancel(false);
      timer = null;
    }
  }

  private long now() {
    ChannelHandlerContext c = ctx;
    return c == null ? Ticker.systemTicker().nanoTime() : c.executor().ticker().nanoTime();
  }
}
