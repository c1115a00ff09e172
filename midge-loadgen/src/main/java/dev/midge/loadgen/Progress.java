package dev.midge.loadgen;

import org.jspecify.annotations.Nullable;

/**
 * A reading taken once a second during a run, for a live progress line.
 *
 * @param phase what the run is doing: connecting, warmup, measuring, draining, holding, waiting
 * @param elapsedSeconds seconds since the run started
 * @param connections connections open
 * @param sendRate messages sent per second over the last second
 * @param receiveRate messages received per second over the last second
 * @param p99Millis the 99th percentile latency of messages received in the last second, or null
 * @param generatorCpuPercent the generator's CPU over the last second, in % of one core, or null
 * @param brokerCpuPercent the broker's CPU over the last second, or null when its PID is unknown
 */
public record Progress(
    String phase,
    double elapsedSeconds,
    long connections,
    double sendRate,
    double receiveRate,
    @Nullable Double p99Millis,
    @Nullable Double generatorCpuPercent,
    @Nullable Double brokerCpuPercent) {

  /** One line for a terminal: {@code measuring 7s  sent 85.3k/s  received 85.1k/s  p99 1.2 ms}. */
  public String line() {
    StringBuilder b = new StringBuilder();
    b.append(String.format("%-10s %5.1fs  conn %,d", phase, elapsedSeconds, connections));
    if (sendRate > 0 || receiveRate > 0) {
      b.append(String.format("  sent %s/s  received %s/s", human(sendRate), human(receiveRate)));
    }
    if (p99Millis != null) {
      b.append(String.format("  p99 %.2f ms", p99Millis));
    }
    if (generatorCpuPercent != null) {
      b.append(String.format("  cpu gen %.0f%%", generatorCpuPercent));
    }
    if (brokerCpuPercent != null) {
      b.append(String.format(" broker %.0f%%", brokerCpuPercent));
    }
    return b.toString();
  }

  static String human(double v) {
    if (v >= 1_000_000) {
      return String.format("%.2fM", v / 1_000_000);
    }
    if (v >= 1_000) {
      return String.format("%.1fk", v / 1_000);
    }
    return String.format("%.0f", v);
  }
}
