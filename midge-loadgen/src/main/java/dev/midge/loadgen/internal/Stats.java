package dev.midge.loadgen.internal;

import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * Counters shared by every connection of a run, updated from event loops and read by the
 * generator's thread. Latency goes into an HdrHistogram {@link Recorder}, whose writers never
 * wait, in microseconds; only messages whose send time falls in the measured window count.
 *
 * <p>Thread-safe.
 */
public final class Stats {
  /** The highest latency tracked, in microseconds: 5 minutes. */
  private static final long HIGHEST_MICROS = 300_000_000L;

  public final LongAdder sent = new LongAdder();
  public final LongAdder acknowledged = new LongAdder();
  public final LongAdder received = new LongAdder();
  public final LongAdder refusedAcks = new LongAdder();
  /** Latency of messages sent in the measured window. */
  public final Recorder latency = new Recorder(HIGHEST_MICROS, 3);
  /** Latency of every message, for the progress line's last second. */
  public final Recorder recentLatency = new Recorder(HIGHEST_MICROS, 2);

  private volatile long windowStart = Long.MAX_VALUE;
  private volatile long windowEnd = Long.MAX_VALUE;

  /** Latency counts for messages sent from now ({@link System#nanoTime}) on. */
  public void openWindow(long nowNanos) {
    windowEnd = Long.MAX_VALUE;
    windowStart = nowNanos;
  }

  /** Latency stops counting messages sent from now on. */
  public void closeWindow(long nowNanos) {
    windowEnd = nowNanos;
  }

  /** Records one message received, sent at {@code sentNanos}, arriving at {@code nowNanos}. */
  public void messageReceived(long sentNanos, long nowNanos) {
    received.increment();
    long micros = Math.min(Math.max(0, (nowNanos - sentNanos) / 1000), HIGHEST_MICROS);
    recentLatency.recordValue(micros);
    if (sentNanos >= windowStart && sentNanos < windowEnd) {
      latency.recordValue(micros);
    }
  }
}
