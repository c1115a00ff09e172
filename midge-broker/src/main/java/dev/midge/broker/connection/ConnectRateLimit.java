package dev.midge.broker.connection;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * limits.connect-rate-per-address: a {@link TokenBucket} per source IP address (any port), so that
 * one address opening connections in a loop is held to the rate while every other address still
 * gets in. Checked when the TCP connection is accepted, before TLS or CONNECT cost anything.
 *
 * <p>Memory is bounded: at most {@link #MAX_ADDRESSES} addresses are remembered, the one that
 * connected least recently forgotten first (it then starts again with a full bucket).
 *
 * <p>Thread-safe: connections are accepted on every event loop. One lock, held for a few
 * arithmetic steps per new connection, which is far rarer than packets.
 */
public final class ConnectRateLimit {
  /** Addresses remembered at most. */
  static final int MAX_ADDRESSES = 10_000;

  private final int ratePerSecond;
  private final int burst;
  private final LongSupplier nanoTime;
  // Guarded by this. Access order: the eldest entry is the address that connected least recently.
  private final LinkedHashMap<InetAddress, TokenBucket> buckets =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetAddress, TokenBucket> eldest) {
          return size() > MAX_ADDRESSES;
        }
      };

  /**
   * @param ratePerSecond connections per second from one address; 0 for no limit
   * @param burst connections one address may open at once (the bucket's size), at least 1 when
   *     there is a rate
   * @param nanoTime the clock, {@code System::nanoTime} outside tests
   */
  public ConnectRateLimit(int ratePerSecond, int burst, LongSupplier nanoTime) {
    if (ratePerSecond < 0 || (ratePerSecond > 0 && burst < 1)) {
      throw new IllegalArgumentException("rate must be 0 or more, and burst 1 or more with a"
          + " rate: " + ratePerSecond + ", " + burst);
    }
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.nanoTime = nanoTime;
  }

  /** Whether there is a limit at all. */
  public boolean enabled() {
    return ratePerSecond > 0;
  }

  /** The rate, connections per second from one address; 0 for none. */
  public int ratePerSecond() {
    return ratePerSecond;
  }

  /**
   * Records a new connection from {@code address}.
   *
   * @return whether it is within the rate; if not, close it
   */
  public synchronized boolean tryAcquire(InetAddress address) {
    if (ratePerSecond == 0) {
      return true;
    }
    long now = nanoTime.getAsLong();
    TokenBucket bucket = buckets.get(address);
    if (bucket == null) {
      bucket = new TokenBucket(ratePerSecond, burst, now);
      buckets.put(address, bucket);
    }
    return bucket.tryTake(now);
  }

  /** Addresses remembered now. */
  synchronized int addresses() {
    return buckets.size();
  }
}
