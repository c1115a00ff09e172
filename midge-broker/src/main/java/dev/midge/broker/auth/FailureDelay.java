package dev.midge.broker.auth;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Slows down guessing: how long the refusal of a failed authentication waits, by the client's
 * source address (without its port). The first failure from an address is answered at once (a
 * typo should not wait); each further one within {@code forgetAfter} of the last waits twice as
 * long as the one before, from {@code base} up to {@code max}. Only refusals wait: a client with
 * the right credentials is let in at once, from any address. A success does not start the count
 * afresh (an attacker holding one account would reset it between guesses); quiet does, {@code
 * forgetAfter} without a failure.
 *
 * <p>The caller delays only the refusal, with a timer on its event loop, never by blocking. Memory
 * is bounded: at most {@value #MAX_ADDRESSES} addresses are remembered; past that, entries older
 * than {@code forgetAfter} are dropped, and an address that finds no room is not slowed down.
 *
 * <p>Thread-safe; time comes from the ticker given (nanoseconds), so tests move it.
 */
public final class FailureDelay {
  /** The most source addresses remembered at once. */
  static final int MAX_ADDRESSES = 10_000;

  /** 250 ms after the second failure, doubling to at most 4 s; forgotten after 1 minute. */
  public static final Duration DEFAULT_BASE = Duration.ofMillis(250);
  public static final Duration DEFAULT_MAX = Duration.ofSeconds(4);
  public static final Duration DEFAULT_FORGET_AFTER = Duration.ofMinutes(1);

  private record Failures(int count, long lastNanos) {}

  private final long baseMillis;
  private final long maxMillis;
  private final long forgetNanos;
  private final LongSupplier ticker;
  private final ConcurrentHashMap<String, Failures> byAddress = new ConcurrentHashMap<>();

  /** The defaults, on {@link System#nanoTime()}. */
  public FailureDelay() {
    this(DEFAULT_BASE, DEFAULT_MAX, DEFAULT_FORGET_AFTER, System::nanoTime);
  }

  public FailureDelay(Duration base, Duration max, Duration forgetAfter, LongSupplier ticker) {
    this.baseMillis = base.toMillis();
    this.maxMillis = max.toMillis();
    this.forgetNanos = forgetAfter.toNanos();
    this.ticker = ticker;
  }

  /**
   * Records a failure from {@code address} and returns how long its refusal is to wait.
   *
   * @return milliseconds, 0 for the first failure
   */
  public long failed(String address) {
    long now = ticker.getAsLong();
    if (byAddress.size() >= MAX_ADDRESSES && !byAddress.containsKey(address)) {
      byAddress.values().removeIf(f -> now - f.lastNanos() > forgetNanos);
      if (byAddress.size() >= MAX_ADDRESSES) {
        return 0;
      }
    }
    Failures f = byAddress.merge(address, new Failures(1, now), (old, one) ->
        now - old.lastNanos() > forgetNanos ? one : new Failures(old.count() + 1, now));
    return delayFor(f.count());
  }

  /** The wait after {@code count} failures in a row. */
  long delayFor(int count) {
    if (count <= 1) {
      return 0;
    }
    int shift = Math.min(count - 2, 20);
    return Math.min(maxMillis, baseMillis << shift);
  }

  /** Addresses remembered now. */
  int size() {
    return byAddress.size();
  }
}
