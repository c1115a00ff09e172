package dev.midge.broker.session;

import io.netty.util.concurrent.FastThreadLocal;
import org.jspecify.annotations.Nullable;

/**
 * A client connection whose PUBLISH is being routed, as sessions see it: one that can be held
 * back while a subscriber catches up. This is the broker's flow control from subscribers to
 * publishers: rather than drop what a connected subscriber cannot take as fast as it comes, the
 * connections publishing to it stop reading (their clients' TCP windows fill and they slow down)
 * until it has caught up. See {@link Session} and {@code sessions.slow-subscriber-timeout}.
 *
 * <p>The connection handling a PUBLISH makes itself {@link #current()} for the routing of it with
 * {@link #routing}; a session that is behind calls {@link #holdBackFor} on it.
 */
public interface Publisher {
  /**
   * A subscriber this PUBLISH went to is behind: stop reading packets after this one until {@code
   * slow} calls {@link #resume}. Called on the publisher's event loop, while it routes.
   */
  void holdBackFor(Session slow);

  /** {@code caughtUp} has caught up: read again, unless already reading. Any thread. */
  void resume(Session caughtUp);

  /** The publisher whose PUBLISH this thread is routing now, or null. */
  static @Nullable Publisher current() {
    return Current.PUBLISHER.get();
  }

  /**
   * Makes {@code publisher} the current one on this thread, or none with null; returns the one it
   * replaces, to be put back afterwards.
   */
  static @Nullable Publisher routing(@Nullable Publisher publisher) {
    Publisher previous = Current.PUBLISHER.get();
    Current.PUBLISHER.set(publisher);
    return previous;
  }

  /** Holder of the thread's current publisher. */
  final class Current {
    private static final FastThreadLocal<@Nullable Publisher> PUBLISHER = new FastThreadLocal<>();

    private Current() {}
  }
}
