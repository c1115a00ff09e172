package dev.midge.broker.keepalive;

import dev.midge.broker.config.KeepAliveConfig;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Ticker;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The keep-alive deadline of one connection: fires a {@link KeepAliveTimeout} event when nothing
 * has arrived for 1.5 × the keep alive, as MQTT-3.1.2-24 (3.1.1) and MQTT-3.1.2-22 (5.0) require.
 *
 * <p>Placed first in the pipeline, ahead of the decoder, so that it sees bytes as they arrive. By
 * default ({@link KeepAliveConfig.Counting#BYTES}) any byte is a sign of life, so a large packet
 * still arriving over a slow link does not count as silence; how long one packet may take is
 * bounded separately by {@code maxPacketArrival}. With {@link KeepAliveConfig.Counting#PACKETS}
 * only whole packets count: the connection calls {@link #packetReceived()} for each.
 *
 * <p><b>No false timeouts under load.</b> A deadline found passed is confirmed once more after
 * the event loop's next round of reads: when the loop is saturated, the client's bytes may be
 * waiting unread in the socket buffer, and those are not silence. While the broker itself has
 * stopped reading the connection (auto-read off, for flow control), silence is not counted.
 *
 * <p>The same holds on Netty's in-JVM local transport ({@code LocalChannel}), which has no socket:
 * there the peer's bytes wait in the channel's inbound queue and its read is a task in the event
 * loop's task queue, first in, first out. The check is a scheduled task that joins that queue only
 * once due, so bytes delivered before the deadline are read before it; when Netty re-queues a read
 * (both ends writing at once), the confirmation one round later still comes after it.
 *
 * <p>Cost: one field write per read and no timer work per packet; one scheduled task per
 * connection that, when it fires early because something arrived, re-arms itself for the time
 * left. Like Netty's {@code IdleStateHandler}, it knows nothing above it: the timeout is an event,
 * and the connection decides what a timeout means.
 *
 * <p>Per connection, not sharable. Called on the channel's event loop only; time is read from the
 * event loop's {@link Ticker}, so tests can freeze and advance it.
 */
public final class KeepAliveHandler extends ChannelDuplexHandler {
  /**
   * How long the confirmation of a timeout waits: long enough for the event loop to run another
   * round of reads first, short enough to stay well within the 250 ms the deadline may be late.
   */
  static final long CONFIRM_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private final long timeoutNanos;
  private final long maxPacketArrivalNanos;
  private final boolean bytesCount;
  private final IntSupplier bufferedBytes;
  private final LongSupplier packetsCompleted;

  private @Nullable ChannelHandlerContext ctx;
  private @Nullable Future<?> deadline;
  private Ticker ticker = Ticker.systemTicker();
  private long lastLifeNanos;
  private long lastPacketCount;
  /** When the packet now partly buffered above started arriving; -1 when none is. */
  private long partialSinceNanos = -1;
  /** When the scheduled {@link #check()} runs, on the ticker; meaningful while deadline != null. */
  private long checkAtNanos;
  private boolean fired;
  /** The deadline passed once and the next check confirms it after another round of reads. */
  private boolean confirming;

  /**
   * @param keepAliveSeconds the effective keep alive, more than 0
   * @param config the listener's policy: counting and the per-packet arrival bound
   * @param bufferedBytes bytes of an incomplete packet the decoder holds now
   * @param packetsCompleted packets the decoder has completed so far
   */
  public KeepAliveHandler(
      int keepAliveSeconds,
      KeepAliveConfig config,
      IntSupplier bufferedBytes,
      LongSupplier packetsCompleted) {
    if (keepAliveSeconds <= 0) {
      throw new IllegalArgumentException("keep alive must be positive; 0 means no handler");
    }
    // MQTT-3.1.2-24 (3.1.1) / MQTT-3.1.2-22 (5.0): one and a half times the keep alive.
    this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(keepAliveSeconds * 1500L);
    this.maxPacketArrivalNanos = config.maxPacketArrival().toNanos();
    this.bytesCount = config.counting() == KeepAliveConfig.Counting.BYTES;
    this.bufferedBytes = bufferedBytes;
    this.packetsCompleted = packetsCompleted;
  }

  /** The silence after which the connection times out, in milliseconds. */
  public long timeoutMillis() {
    return TimeUnit.NANOSECONDS.toMillis(timeoutNanos);
  }

  /** When the deadline falls if nothing more arrives, on the event loop's ticker, in nanos. */
  public long deadlineNanos() {
    return lastLifeNanos + timeoutNanos;
  }

  /** Nanoseconds on the event loop's ticker when the last sign of life arrived. */
  public long lastLifeNanos() {
    return lastLifeNanos;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.ticker = ctx.executor().ticker();
    this.lastLifeNanos = ticker.nanoTime();
    this.lastPacketCount = packetsCompleted.getAsLong();
    if (ctx.channel().isActive()) {
      schedule(timeoutNanos);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    if (deadline == null) {
      schedule(timeoutNanos);
    }
    super.channelActive(ctx);
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
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    boolean bytes = msg instanceof ByteBuf b && b.isReadable();
    long now = ticker.nanoTime();
    if (bytes && bytesCount) {
      lastLifeNanos = now;
    }
    ctx.fireChannelRead(msg); // the decoder above runs synchronously
    long completed = packetsCompleted.getAsLong();
    boolean progressed = completed != lastPacketCount;
    lastPacketCount = completed;
    if (bufferedBytes.getAsInt() == 0) {
      partialSinceNanos = -1;
    } else if (partialSinceNanos < 0 || progressed) {
      partialSinceNanos = now; // a new packet started in this read
      // The next check may be due only at the silence deadline, up to 1.5 × keep alive away and
      // so possibly long after this packet's arrival bound: bring it forward to the bound.
      checkNoLaterThan(now + maxPacketArrivalNanos);
    }
  }

  private void checkNoLaterThan(long nanos) {
    if (deadline != null && checkAtNanos > nanos) {
      cancel();
      schedule(nanos - ticker.nanoTime());
    }
  }

  /** Counts a whole packet as a sign of life; needed with {@link KeepAliveConfig.Counting#PACKETS}. */
  public void packetReceived() {
    lastLifeNanos = ticker.nanoTime();
  }

  private void check() {
    deadline = null;
    ChannelHandlerContext c = ctx;
    if (c == null || fired || !c.channel().isOpen()) {
      return;
    }
    long now = ticker.nanoTime();
    if (!c.channel().config().isAutoRead()) {
      // The broker has stopped reading this connection (flow control): whatever the client sent
      // waits in the socket, unread by choice. That is not the client's silence.
      lastLifeNanos = now;
      confirming = false;
      schedule(timeoutNanos);
      return;
    }
    long silence = now - lastLifeNanos;
    if (silence >= timeoutNanos) {
      if (!confirming) {
        // The deadline has passed, but when the event loop is saturated the client's bytes may be
        // waiting in the socket, not yet read: look again after the loop's next round of reads
        // (a task scheduled now runs after it) and time out only if nothing came in.
        confirming = true;
        schedule(CONFIRM_NANOS);
        return;
      }
      fire(c, KeepAliveTimeout.Kind.SILENCE, silence, timeoutNanos);
      return;
    }
    confirming = false;
    if (partialSinceNanos >= 0 && now - partialSinceNanos >= maxPacketArrivalNanos) {
      fire(c, KeepAliveTimeout.Kind.SLOW_PACKET, now - partialSinceNanos, maxPacketArrivalNanos);
      return;
    }
    long next = timeoutNanos - silence;
    if (partialSinceNanos >= 0) {
      next = Math.min(next, maxPacketArrivalNanos - (now - partialSinceNanos));
    }
    schedule(next);
  }

  private void fire(ChannelHandlerContext c, KeepAliveTimeout.Kind kind, long nanos, long limit) {
    fired = true;
    c.fireUserEventTriggered(new KeepAliveTimeout(kind, TimeUnit.NANOSECONDS.toMillis(nanos),
        TimeUnit.NANOSECONDS.toMillis(limit)));
  }

  private void schedule(long delayNanos) {
    ChannelHandlerContext c = ctx;
    if (c != null && !fired) {
      long delay = Math.max(delayNanos, 1);
      checkAtNanos = ticker.nanoTime() + delay;
      deadline = c.executor().schedule(this::check, delay, TimeUnit.NANOSECONDS);
    }
  }

  private void cancel() {
    Future<?> d = deadline;
    if (d != null) {
      d.cancel(false);
      deadline = null;
    }
  }
}
