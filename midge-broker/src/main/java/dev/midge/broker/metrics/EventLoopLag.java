package dev.midge.broker.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Measures how far behind the event loops run: each loop has a task scheduled every {@code period}
 * that records, in {@code midge.eventloop.lag} (a histogram), how much later than asked it ran. A
 * loop busy with other work (a burst of packets, a slow handler) runs it late; an idle loop within
 * a fraction of a millisecond.
 *
 * <p>One task per event loop, on that loop; time is the loop's own ticker. Stops when the loops
 * shut down.
 */
public final class EventLoopLag {
  private final Timer lag;
  private final long periodNanos;

  public EventLoopLag(MeterRegistry registry, Duration period) {
    this.lag = Timer.builder("midge.eventloop.lag")
        .description("How much later than scheduled a task ran on an event loop")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(100_000))
        .maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
    this.periodNanos = period.toNanos();
  }

  /** Starts measuring every loop of {@code group}. */
  public void start(EventExecutorGroup group) {
    for (EventExecutor loop : group) {
      schedule(loop);
    }
  }

  private void schedule(EventExecutor loop) {
    if (loop.isShuttingDown()) {
      return;
    }
    long due = loop.ticker().nanoTime() + periodNanos;
    try {
      loop.schedule(() -> {
        lag.record(Math.max(0, loop.ticker().nanoTime() - due), TimeUnit.NANOSECONDS);
        schedule(loop);
      }, periodNanos, TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
      // the broker is stopping
    }
  }
}
