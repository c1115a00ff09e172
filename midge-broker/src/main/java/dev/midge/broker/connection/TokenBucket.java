package dev.midge.broker.connection;

/**
 * A token bucket: holds up to {@code capacity} tokens, gains {@code ratePerSecond} a second, and
 * each event takes one. A full bucket lets a burst of {@code capacity} events through at once; after
 * that events get through at the rate. Used for limits.connect-rate-per-address and
 * limits.publish-rate-per-client.
 *
 * <pre>{@code
 * TokenBucket bucket = new TokenBucket(50, 10, System.nanoTime());
 * long wait = bucket.take(System.nanoTime()); // 0: another event may follow at once
 * }</pre>
 *
 * <p>Time comes from the caller (nanoseconds of a monotonic clock), so tests move it by hand. Not
 * thread-safe: one owner, or the caller's lock.
 */
final class TokenBucket {
  private static final double NANOS_PER_SECOND = 1e9;

  private final double ratePerSecond;
  private final double capacity;
  private double tokens;
  private long updated;

  /**
   * A full bucket.
   *
   * @param ratePerSecond tokens gained per second, at least 1
   * @param capacity tokens held at most, at least 1
   * @param now the clock's reading now, in nanoseconds
   */
  TokenBucket(int ratePerSecond, int capacity, long now) {
    if (ratePerSecond < 1 || capacity < 1) {
      throw new IllegalArgumentException("rate and capacity must be at least 1: " + ratePerSecond
          + ", " + capacity);
    }
    this.ratePerSecond = ratePerSecond;
    this.capacity = capacity;
    this.tokens = capacity;
    this.updated = now;
  }

  private void refill(long now) {
    long elapsed = now - updated;
    if (elapsed > 0) {
      // Multiplied before divided: whole tokens come out exact (a rate of 4 gives one token in
      // exactly 250 ms).
      tokens = Math.min(capacity, tokens + elapsed * ratePerSecond / NANOS_PER_SECOND);
      updated = now;
    }
  }

  /**
   * Takes a token if there is one.
   *
   * @return whether one was taken; if not, the event is beyond the rate
   */
  boolean tryTake(long now) {
    refill(now);
    if (tokens < 1) {
      return false;
    }
    tokens -= 1;
    return true;
  }

  /**
   * Takes a token whether or not there is one (the event has happened): the bucket may go into
   * debt, which later refills repay.
   *
   * @return nanoseconds until a whole token is back; 0 when one is there now
   */
  long take(long now) {
    refill(now);
    tokens -= 1;
    return tokens >= 1 ? 0 : (long) Math.ceil((1 - tokens) * NANOS_PER_SECOND / ratePerSecond);
  }

  /** Whether the bucket is full at {@code now}: it then remembers nothing worth keeping. */
  boolean isFull(long now) {
    refill(now);
    return tokens >= capacity;
  }
}
