package dev.midge.client.internal;

import java.util.function.DoubleSupplier;

/**
 * Reconnection delays: exponential backoff with full jitter and a ceiling.
 *
 * <p>Attempt {@code n} (1, 2, 3, ...) waits a uniformly random time between 0 and {@code
 * min(ceiling, initial × 2^(n-1))}. The jitter is "full" (the whole interval, not ± a fraction):
 * when a broker restarts and thousands of clients lose it at the same instant, their retries
 * spread over the interval instead of arriving as one wave, and the expected total wait is still
 * only half that of plain exponential backoff.
 *
 * <p>Pure and immutable; the random source is injected so tests can pin it.
 */
public final class Backoff {
  private final long initialMillis;
  private final long ceilingMillis;
  private final DoubleSupplier random;

  /**
   * @param initialMillis the upper bound of the first delay, at least 1
   * @param ceilingMillis no delay is ever longer, at least {@code initialMillis}
   * @param random a source of doubles in [0, 1), such as {@code
   *     () -> ThreadLocalRandom.current().nextDouble()}
   */
  public Backoff(long initialMillis, long ceilingMillis, DoubleSupplier random) {
    if (initialMillis < 1 || ceilingMillis < initialMillis) {
      throw new IllegalArgumentException("need 1 <= initial (" + initialMillis
          + " ms) <= ceiling (" + ceilingMillis + " ms)");
    }
    this.initialMillis = initialMillis;
    this.ceilingMillis = ceilingMillis;
    this.random = random;
  }

  /** The upper bound of attempt {@code attempt}'s delay, before jitter. */
  public long boundMillis(int attempt) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempts count from 1, was " + attempt);
    }
    int shift = Math.min(attempt - 1, 62);
    long bound = initialMillis << shift;
    return bound <= 0 || bound > ceilingMillis || (bound >> shift) != initialMillis
        ? ceilingMillis
        : bound;
  }

  /** The delay before attempt {@code attempt}, in milliseconds: random in [0, bound]. */
  public long delayMillis(int attempt) {
    long bound = boundMillis(attempt);
    double r = random.getAsDouble();
    return Math.min(bound, (long) Math.floor(r * (bound + 1)));
  }
}
