package dev.midge.broker.metrics;

import dev.midge.broker.session.Session;
import dev.midge.broker.session.SessionRegistry;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The messages queued for and in flight to all sessions, summed by visiting each session on its
 * own event loop (a session's counts are read on its owner only) and kept until the next {@link
 * #sample()}: the values of the {@code midge.messages.queued} and {@code midge.messages.inflight}
 * gauges and of {@code $SYS/broker/store/messages/count}. A sample costs one small task per
 * session; a sample still running when the next is asked for is not started twice.
 *
 * <p>Thread-safe.
 */
public final class SessionTotals {
  private final SessionRegistry sessions;
  private final AtomicBoolean sampling = new AtomicBoolean();
  private volatile long queued;
  private volatile long inflight;

  public SessionTotals(SessionRegistry sessions, BrokerMetrics metrics) {
    this.sessions = sessions;
    metrics.gauge("midge.messages.queued", "Messages queued for clients, all sessions (sampled)",
        this::queued);
    metrics.gauge("midge.messages.inflight",
        "QoS 1 and 2 messages sent to clients and not acknowledged, all sessions (sampled)",
        this::inflight);
  }

  /** Starts a new sample; the totals change when every session has been visited. Any thread. */
  public void sample() {
    if (!sampling.compareAndSet(false, true)) {
      return;
    }
    LongAdder q = new LongAdder();
    LongAdder i = new LongAdder();
    AtomicInteger outstanding = new AtomicInteger(1);
    Runnable done = () -> {
      if (outstanding.decrementAndGet() == 0) {
        queued = q.sum();
        inflight = i.sum();
        sampling.set(false);
      }
    };
    for (Session s : sessions.all()) {
      outstanding.incrementAndGet();
      try {
        s.execute(() -> {
          try {
            if (!s.isDiscarded()) {
              q.add(s.queuedCount());
              i.add(s.inflightCount());
            }
          } finally {
            done.run();
          }
        });
      } catch (RejectedExecutionException stopping) {
        done.run();
      }
    }
    done.run();
  }

  /** Messages queued, all sessions, at the last sample. */
  public long queued() {
    return queued;
  }

  /** Messages in flight, all sessions, at the last sample. */
  public long inflight() {
    return inflight;
  }
}
