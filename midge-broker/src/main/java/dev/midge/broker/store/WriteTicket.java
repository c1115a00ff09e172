package dev.midge.broker.store;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One inbound packet's writes, made durable together before anything depends on them: the
 * broker handles a QoS 1 or 2 PUBLISH (and a PUBREL) inside a ticket, so that its
 * acknowledgement, and the message's delivery to subscribers, wait until the message is on disk.
 *
 * <pre>{@code
 * WriteTicket ticket = WriteTicket.begin(storage);
 * try {
 *   broker.publish(message, clientId);        // routing stages writes and defers deliveries
 * } finally {
 *   ticket.end(failure -> loop.execute(() -> {
 *     ticket.deliveries().forEach(Runnable::run);
 *     sendPuback();
 *   }));
 * }
 * }</pre>
 *
 * <p>While the work runs the ticket is its thread's {@link #current()} one. A persistent
 * session given a message {@link #stage stages} the message's disk record in the ticket instead
 * of writing it later on its own event loop, and leaves its delivery for later ({@link
 * #deliverLater}); the publisher's session stages an inbound QoS 2 packet identifier the same
 * way. {@link #end} hands every staged write to the store as <em>one atomic change</em>, then
 * waits for it and for anything else written on the thread ({@link #wrote}, such as a retained
 * message) to be durable. No write at all: no wait.
 *
 * <p>Why one change: exactly once across a crash. An inbound QoS 2 packet identifier durable
 * without the message in every subscriber's queue would make the publisher's resend a "duplicate"
 * of a message that was lost; the queues durable without the identifier would let the resend be
 * delivered a second time. Written together, a crash leaves both or neither. And why deliveries
 * wait: a subscriber that got a message the broker could still forget would get it again when
 * the publisher resends it.
 *
 * <p>Tickets do not nest. Threading: every method on the working thread, except that the
 * listener given to {@link #end} is called on the store's writer thread when there is a wait.
 */
public final class WriteTicket {
  private static final ThreadLocal<@Nullable WriteTicket> CURRENT = new ThreadLocal<>();

  private final Storage storage;
  private final List<StagedWrite> staged = new ArrayList<>(2);
  private final List<Runnable> deliveries = new ArrayList<>(2);
  private boolean wrote;
  private boolean ended;

  private WriteTicket(Storage storage) {
    this.storage = storage;
  }

  /** Starts tracking the work about to run on this thread, against {@code storage}. */
  public static WriteTicket begin(Storage storage) {
    if (CURRENT.get() != null) {
      throw new IllegalStateException("a write ticket is already open on this thread");
    }
    WriteTicket t = new WriteTicket(storage);
    CURRENT.set(t);
    return t;
  }

  /** The ticket open on this thread, or null. */
  public static @Nullable WriteTicket current() {
    return CURRENT.get();
  }

  /**
   * A store calls this when it takes a write on this thread outside a ticket's staging: the open
   * ticket must wait for it too.
   */
  public static void wrote() {
    WriteTicket t = CURRENT.get();
    if (t != null) {
      t.wrote = true;
    }
  }

  /** Adds a write to the ticket's atomic change, after those staged before it. */
  public void stage(StagedWrite write) {
    checkOpen();
    staged.add(write);
  }

  /**
   * Leaves a delivery for the ticket's owner to run once the ticket's writes are durable ({@link
   * #deliveries()}), in the order given.
   */
  public void deliverLater(Runnable delivery) {
    checkOpen();
    deliveries.add(delivery);
  }

  /** The deliveries left for later, in order: to run once the ticket's writes are durable. */
  public List<Runnable> deliveries() {
    return deliveries;
  }

  /**
   * The work is done: stops tracking on this thread, hands the staged writes to the store as one
   * change, and calls {@code onDurable} once they and the thread's other writes are durable (at
   * once, on this thread, when there were none). Call once, in a {@code finally}.
   */
  public void end(WriteListener onDurable) {
    checkOpen();
    ended = true;
    CURRENT.remove();
    if (!staged.isEmpty()) {
      storage.commit(List.copyOf(staged));
      wrote = true;
    }
    if (wrote) {
      storage.afterWrites(onDurable);
    } else {
      onDurable.written(null);
    }
  }

  private void checkOpen() {
    if (ended) {
      throw new IllegalStateException("the ticket has ended");
    }
  }
}
