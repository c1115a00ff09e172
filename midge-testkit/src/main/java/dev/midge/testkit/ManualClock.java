package dev.midge.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A wall clock that stands still until a test moves it: for code that takes a {@link Clock}, such
 * as the broker's message deadlines ({@code MidgeBroker.builder().clock(clock)}), so that a test
 * checks "expired after 10 s" by advancing 10 s instead of waiting.
 *
 * <pre>{@code
 * ManualClock clock = new ManualClock();
 * MidgeBroker broker = MidgeBroker.builder().clock(clock).port(0).build().start();
 * // publish with Message Expiry Interval 10 ...
 * clock.advance(Duration.ofSeconds(10)); // now it has expired
 * }</pre>
 *
 * <p>Millisecond resolution. Thread-safe: readers on other threads see each move at once. It moves
 * only forward unless {@link #set} says otherwise; it does not drive timers, which run on their
 * executors' own time.
 */
public final class ManualClock extends Clock {
  private final AtomicLong millis;
  private final ZoneId zone;

  /** A clock standing at a fixed, arbitrary instant (2030-01-01T00:00:00Z). */
  public ManualClock() {
    this(Instant.parse("2030-01-01T00:00:00Z"));
  }

  /** A clock standing at {@code start}, in UTC. */
  public ManualClock(Instant start) {
    this(new AtomicLong(start.toEpochMilli()), ZoneOffset.UTC);
  }

  private ManualClock(AtomicLong millis, ZoneId zone) {
    this.millis = millis;
    this.zone = zone;
  }

  /** Moves the clock forward by {@code by} (not negative). */
  public void advance(Duration by) {
    if (by.isNegative()) {
      throw new IllegalArgumentException("a clock advances forward: " + by);
    }
    millis.addAndGet(by.toMillis());
  }

  /** Puts the clock at {@code instant}, forward or back. */
  public void set(Instant instant) {
    millis.set(instant.toEpochMilli());
  }

  @Override
  public long millis() {
    return millis.get();
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis.get());
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  /** The same clock (moving together) seen in another time zone. */
  @Override
  public Clock withZone(ZoneId newZone) {
    return new ManualClock(millis, newZone);
  }

  @Override
  public String toString() {
    return "ManualClock[" + instant() + "]";
  }
}
