package dev.midge.broker.store;

import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Tells when every store write caused by one piece of work is durable — the writes made on the
 * calling thread, and those that sessions make later, on their own event loops, for the messages
 * the work delivered to them. The broker acknowledges a QoS 1 or 2 PUBLISH this way: PUBACK or
 * PUBREC goes out once the message is on disk for every matching persistent session and for the
 * retained store.
 *
 * <pre>{@code
 * WriteTicket ticket = WriteTicket.begin(storage::afterWrites);
 * int n;
 * try {
 *   n = broker.publish(message, clientId);   // routing; sessions join the ticket
 * } finally {
 *   ticket.end(failure -> loop.execute(() -> sendPuback(failure)));
 * }
 * }</pre>
 *
 * <p>While the work runs the ticket is the thread's current one: {@code Session.deliver} joins it
 * with {@link #join()} and hands the {@link Part} to the session's state, which completes it once
 * the writes it made for the message are durable; a store's writer marks it with {@link
 * #wrote()} when the working thread itself writes. {@link #end} releases the work's own part:
 * at once if it wrote nothing, else once what it wrote is durable. The listener runs when the last
 * part completes, exactly once, with the first failure if any part failed.
 *
 * <p>Tickets do not nest: the work must not begin another on the same thread. A part must be
 * completed exactly once, or the listener never runs.
 *
 * <p>Threading: {@link #begin}, {@link #end}, {@link #join} and {@link #wrote} on the working
 * thread; parts complete on any thread.
 */
public final class WriteTicket {
  private static final ThreadLocal<@Nullable WriteTicket> CURRENT = new ThreadLocal<>();

  /**
   * How the work's own writes are waited for: calls the listener once every write handed to the
   * store so far, from any thread, is durable. {@link Storage#afterWrites} is one.
   */
  @FunctionalInterface
  public interface Barrier {
    void afterWrites(WriteListener listener);
  }

  private final Barrier barrier;
  /** Parts not yet complete, the work's own included. */
  private final AtomicInteger open = new AtomicInteger(1);
  private volatile @Nullable Exception failure;
  private volatile @Nullable WriteListener listener;
  private boolean wrote;
  private boolean ended;

  private WriteTicket(Barrier barrier) {
    this.barrier = barrier;
  }

  /** Starts tracking the work about to run on this thread. */
  public static WriteTicket begin(Barrier barrier) {
    if (CURRENT.get() != null) {
      throw new IllegalStateException("a write ticket is already open on this thread");
    }
    WriteTicket t = new WriteTicket(barrier);
    CURRENT.set(t);
    return t;
  }

  /**
   * A new part of the ticket open on this thread, for a session that will write for a message it
   * was given; null when no ticket is open (nothing waits for the writes).
   */
  public static @Nullable Part join() {
    WriteTicket t = CURRENT.get();
    if (t == null) {
      return null;
    }
    t.open.incrementAndGet();
    return t.new Part();
  }

  /** A store calls this when it takes a write on this thread: the open ticket must wait for it. */
  public static void wrote() {
    WriteTicket t = CURRENT.get();
    if (t != null) {
      t.wrote = true;
    }
  }

  /**
   * The work is done: stops tracking on this thread and calls {@code onDurable} once every part is
   * complete. Call once, in a {@code finally}.
   */
  public void end(WriteListener onDurable) {
    if (ended) {
      throw new IllegalStateException("ended twice");
    }
    ended = true;
    if (CURRENT.get() == this) {
      CURRENT.remove();
    }
    listener = onDurable;
    if (wrote) {
      barrier.afterWrites(this::complete);
    } else {
      complete(null);
    }
  }

  private void complete(@Nullable Exception partFailure) {
    if (partFailure != null && failure == null) {
      failure = partFailure;
    }
    if (open.decrementAndGet() == 0) {
      WriteListener l = listener;
      if (l != null) {
        l.written(failure);
      }
    }
  }

  /** One session's share of a ticket: complete it exactly once. */
  public final class Part implements WriteListener {
    private final AtomicInteger done = new AtomicInteger();

    private Part() {}

    @Override
    public void written(@Nullable Exception partFailure) {
      if (done.getAndIncrement() == 0) {
        complete(partFailure);
      }
    }
  }
}
