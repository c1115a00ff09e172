package dev.midge.broker.connection;

import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * A WARN line for a capacity problem that may hit many clients at once (a full connection limit,
 * a full retained store): the first event of a burst is logged, the events after it are only
 * counted until {@code interval} has passed since that line, and the next event after that logs
 * again with how many went unlogged in between. A thousand clients refused in one second give one
 * line, not a thousand; the per-client detail goes to DEBUG at the caller.
 *
 * <pre>{@code
 * BurstLog full = new BurstLog(LOG, Duration.ofSeconds(10), System::nanoTime);
 * full.warn("connection limit reached (limits.max-connections {}): refusing new clients", max);
 * }</pre>
 *
 * <p>Thread-safe; one instance per kind of event, kept for the broker's life.
 */
final class BurstLog {
  private final Logger log;
  private final long intervalNanos;
  private final LongSupplier nanoTime;
  // Guarded by this: a burst's events are few next to the work each one saves.
  private boolean logged;
  private long lastLine;
  private long unlogged;

  /**
   * @param interval the least time between two lines
   * @param nanoTime the clock, {@code System::nanoTime} outside tests
   */
  BurstLog(Logger log, Duration interval, LongSupplier nanoTime) {
    this.log = log;
    this.intervalNanos = interval.toNanos();
    this.nanoTime = nanoTime;
  }

  /**
   * Records one event; logs {@code format} at WARN (with SLF4J's {@code {}} placeholders) if it
   * starts a burst, adding how many events went unlogged since the last line. Returns whether a
   * line was written.
   */
  synchronized boolean warn(String format, Object... args) {
    long now = nanoTime.getAsLong();
    if (logged && now - lastLine < intervalNanos) {
      unlogged++;
      return false;
    }
    long missed = unlogged;
    unlogged = 0;
    lastLine = now;
    logged = true;
    String suffix = missed == 0
        ? " (logged at most every " + Duration.ofNanos(intervalNanos).toSeconds() + " s)"
        : " (" + missed + " more since the last such line)";
    log.warn(format + suffix, args);
    return true;
  }
}
