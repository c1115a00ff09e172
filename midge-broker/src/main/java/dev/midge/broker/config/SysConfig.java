package dev.midge.broker.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The {@code $SYS} topics: the broker's statistics under Mosquitto's names, published every
 * {@code interval}, and an event per client on {@code $SYS/broker/clients/{id}/connected} and
 * {@code .../disconnected}.
 *
 * @param enabled whether the statistics are published at all
 * @param interval how often the statistics are published, at least one second
 * @param clientEvents whether each client's connection and disconnection is published as an event
 */
public record SysConfig(boolean enabled, Duration interval, boolean clientEvents) {
  /** Statistics every 10 s (Mosquitto's default sys_interval), client events on. */
  public static final SysConfig DEFAULTS = new SysConfig(true, Duration.ofSeconds(10), true);

  /** Neither statistics nor client events. */
  public static final SysConfig DISABLED = new SysConfig(false, DEFAULTS.interval(), false);

  public SysConfig {
    Objects.requireNonNull(interval, "interval");
    if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("the $SYS interval must be at least 1s, was "
          + interval.toMillis() + " ms");
    }
  }

  public SysConfig withInterval(Duration newInterval) {
    return new SysConfig(enabled, newInterval, clientEvents);
  }

  public SysConfig withEnabled(boolean newEnabled) {
    return new SysConfig(newEnabled, interval, clientEvents);
  }

  public SysConfig withClientEvents(boolean newClientEvents) {
    return new SysConfig(enabled, interval, newClientEvents);
  }
}
