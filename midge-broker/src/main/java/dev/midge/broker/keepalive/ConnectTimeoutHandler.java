package dev.midge.broker.keepalive;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Closes a socket that sends no CONNECT within the connect timeout: a server should close a
 * network connection on which no CONNECT arrives in a reasonable time (MQTT 3.1.1 section 3.1.4,
 * MQTT 5.0 section 4.2). The connection removes this handler once CONNECT has been accepted, so it
 * costs nothing afterwards.
 *
 * <p>Per connection, not sharable; event loop only.
 */
public final class ConnectTimeoutHandler extends ChannelInboundHandlerAdapter {
  /** The user event fired just before the socket is closed for want of CONNECT. */
  public static final Object CONNECT_TIMEOUT = new Object() {
    @Override
    public String toString() {
      return "CONNECT_TIMEOUT";
    }
  };

  private final long timeoutNanos;
  private @Nullable Future<?> timer;

  public ConnectTimeoutHandler(Duration timeout) {
    this.timeoutNanos = timeout.toNanos();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive()) {
      start(ctx);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    start(ctx);
    super.channelActive(ctx);
  }

  private void start(ChannelHandlerContext ctx) {
    if (timer == null) {
      timer = ctx.executor().schedule(() -> {
        if (ctx.channel().isOpen()) {
          ctx.fireUserEventTriggered(CONNECT_TIMEOUT);
          ctx.close();
        }
      }, timeoutNanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    Future<?> t = timer;
    if (t != null) {
      t.cancel(false);
    }
  }
}
