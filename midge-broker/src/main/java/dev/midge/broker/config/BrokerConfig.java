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
    List<ListenerConfig> listeners, SessionConfig sessions, LimitsConfig limits, MqttConfig mqtt) {

  public BrokerConfig {
    listeners = List.copyOf(listeners);
    Objects.requireNonNull(sessions, "sessions");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(mqtt, "mqtt");
    if (listeners.isEmpty()) {
      throw new IllegalArgumentException("at least one listener is needed");
    }
  }

  /** Listeners, sessions and limits as given; the default MQTT features. */
  public BrokerConfig(List<ListenerConfig> listeners, SessionConfig sessions, LimitsConfig limits) {
    this(listeners, sessions, limits, MqttConfig.DEFAULTS);
  }

  /** One listener on 127.0.0.1:1883, default sessions, limits and MQTT features. */
  public static BrokerConfig defaults() {
    return new BrokerConfig(List.of(ListenerConfig.defaults()), SessionConfig.DEFAULTS,
        LimitsConfig.DEFAULTS, MqttConfig.DEFAULTS);
  }

  public BrokerConfig withListeners(List<ListenerConfig> newListeners) {
    return new BrokerConfig(newListeners, sessions, limits, mqtt);
  }

  public BrokerConfig withSessions(SessionConfig newSessions) {
    return new BrokerConfig(listeners, newSessions, limits, mqtt);
  }

  public BrokerConfig withLimits(LimitsConfig newLimits) {
    return new BrokerConfig(listeners, sessions, newLimits, mqtt);
  }

  public BrokerConfig withMqtt(MqttConfig newMqtt) {
    return new BrokerConfig(listeners, sessions, limits, newMqtt);
  }
}
