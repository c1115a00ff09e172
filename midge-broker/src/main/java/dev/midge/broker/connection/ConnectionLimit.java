package dev.midge.broker.connection;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The broker-wide bound on connected clients ({@code limits.max-connections}): a connection takes
 * a place when its CONNECT is about to be accepted and gives it back when it closes. Taking a
 * place and the count are one atomic step, so clients racing for the last place cannot overshoot.
 *
 * <p>Thread-safe.
 */
public final class ConnectionLimit {
  private final int maximum;
  private final AtomicInteger held = new AtomicInteger();

  /** @param maximum places at most; 0 for no limit */
  public ConnectionLimit(int maximum) {
    if (maximum < 0) {
      throw new IllegalArgumentException("maximum must be 0 (no limit) or more: " + maximum);
    }
    this.maximum = maximum;
  }

  /**
   * Takes a place if one is free. With {@code evenIfFull} it takes one regardless: for a client
   * that takes over its own connection, whose old place is given back as that one closes (a
   * client reconnecting over a half-open connection must not be locked out by its own ghost).
   *
   * @return whether a place was taken; if so, {@link #release()} it exactly once
   */
  public boolean tryAcquire(boolean evenIfFull) {
    if (maximum == 0 || evenIfFull) {
      held.incrementAndGet();
      return true;
    }
    while (true) {
      int n = held.get();
      if (n >= maximum) {
        return false;
      }
      if (held.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  /** Gives back a place taken by {@link #tryAcquire}. */
  public void release() {
    held.decrementAndGet();
  }

  /** The places taken now. */
  public int held() {
    return held.get();
  }

  /** The limit; 0 for none. */
  public int maximum() {
    return maximum;
  }
}
