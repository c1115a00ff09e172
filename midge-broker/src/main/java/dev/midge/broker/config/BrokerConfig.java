package dev.midge.broker.config;

import java.util.List;
import java.util.Objects;

/**
 * The whole configuration of a broker, immutable. {@link #defaults()} is what {@code ./midge
 * broker} runs with and no config file: one listener on 127.0.0.1:1883.
 *
 * <p>Built in code for an embedded broker, or loaded from YAML by {@link ConfigLoader}, whose keys
 * and defaults are listed in {@code docs/configuration.md}.
 */
public record BrokerConfig(
    List<ListenerConfig> listeners, SessionConfig sessions, LimitsConfig limits) {

  public BrokerConfig {
    listeners = List.copyOf(listeners);
    Objects.requireNonNull(sessions, "sessions");
    Objects.requireNonNull(limits, "limits");
    if (listeners.isEmpty()) {
      throw new IllegalArgumentException("at least one listener is needed");
    }
  }

  /** One listener on 127.0.0.1:1883, default sessions and limits. */
  public static BrokerConfig defaults() {
    return new BrokerConfig(
        List.of(ListenerConfig.defaults()), SessionConfig.DEFAULTS, LimitsConfig.DEFAULTS);
  }

  public BrokerConfig withListeners(List<ListenerConfig> newListeners) {
    return new BrokerConfig(newListeners, sessions, limits);
  }

  public BrokerConfig withSessions(SessionConfig newSessions) {
    return new BrokerConfig(listeners, newSessions, limits);
  }

  public BrokerConfig withLimits(LimitsConfig newLimits) {
    return new BrokerConfig(listeners, sessions, newLimits);
  }
}
