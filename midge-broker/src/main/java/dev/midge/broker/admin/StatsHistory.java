package dev.midge.broker.admin;

import dev.midge.broker.connection.BrokerServices;
import dev.midge.broker.metrics.BrokerMetrics;
import dev.midge.broker.metrics.DisconnectCause;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The broker's counters, sampled at a fixed period and kept for the last {@code capacity} samples:
 * what the dashboard draws its charts of keep-alive timeouts and message rates from, so that they
 * show the last minutes as soon as the page opens.
 *
 * <p>Thread-safe: {@link #sample()} runs on a timer, {@link #samples()} on the HTTP thread.
 */
public final class StatsHistory {
  /**
   * One sample: counters since the broker started, and gauges now.
   *
   * @param at when, epoch ms on the broker's clock
   * @param connections clients connected
   * @param messagesIn PUBLISH packets received so far
   * @param messagesOut PUBLISH packets sent so far
   * @param dropped messages dropped so far
   * @param keepAliveTimeouts connections ended by a keep-alive timeout so far
   * @param connects accepted CONNECTs so far
   */
  public record Sample(long at, long connections, long messagesIn, long messagesOut, long dropped,
      long keepAliveTimeouts, long connects) {}

  private final BrokerServices broker;
  private final int capacity;
  private final ArrayDeque<Sample> samples;

  public StatsHistory(BrokerServices broker, int capacity) {
    this.broker = broker;
    this.capacity = capacity;
    this.samples = new ArrayDeque<>(capacity);
  }

  /** The counters now. */
  public Sample now() {
    BrokerMetrics m = broker.metrics();
    return new Sample(broker.clock().millis(), m.connections(), m.messagesReceived(),
        m.messagesSent(), m.messagesDropped(), m.disconnects(DisconnectCause.KEEP_ALIVE_TIMEOUT),
        m.connects());
  }

  /** Takes a sample, forgetting the oldest beyond the capacity. */
  public void sample() {
    Sample s = now();
    synchronized (samples) {
      if (samples.size() == capacity) {
        samples.removeFirst();
      }
      samples.addLast(s);
    }
  }

  /** The samples kept, oldest first. */
  public List<Sample> samples() {
    synchronized (samples) {
      return List.copyOf(samples);
    }
  }
}
