package dev.midge.broker.config;

import java.util.List;
import java.util.Objects;

/**
 * The whole configuration of a broker, immutable. {@link #defaults()} is what an embedded broker
 * runs with: one listener on 127.0.0.1:1883, state in memory. {@code ./midge broker} without a
 * config file runs with the same but keeps its state in {@code ./data} ({@link
 * StorageConfig#DEFAULTS}), as does a config file without a {@code storage} section.
 *
 * <p>Built in code for an embedded broker, or loaded from YAML by {@link ConfigLoader}, whose keys
 * and defaults are listed in {@code docs/configuration.md}.
 */
public record BrokerConfig(
    List<ListenerConfig> listeners, SessionConfig sessions, LimitsConfig limits, MqttConfig mqtt,
    StorageConfig storage) {

  public BrokerConfig {
    listeners = List.copyOf(listeners);
    Objects.requireNonNull(sessions, "sessions");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(mqtt, "mqtt");
    Objects.requireNonNull(storage, "storage");
    if (listeners.isEmpty()) {
      throw new IllegalArgumentException("at least one listener is needed");
    }
  }

  /**
   * Listeners, sessions and limits as given; the default MQTT features; state in memory ({@link
   * StorageConfig#IN_MEMORY}).
   */
  public BrokerConfig(List<ListenerConfig> listeners, SessionConfig sessions, LimitsConfig limits) {
    this(listeners, sessions, limits, MqttConfig.DEFAULTS, StorageConfig.IN_MEMORY);
  }

  /** Listeners, sessions, limits and storage as given; the default MQTT features. */
  public BrokerConfig(List<ListenerConfig> listeners, SessionConfig sessions, LimitsConfig limits,
      StorageConfig storage) {
    this(listeners, sessions, limits, MqttConfig.DEFAULTS, storage);
  }

  /**
   * One listener on 127.0.0.1:1883, default sessions, limits and MQTT features, state in memory.
   */
  public static BrokerConfig defaults() {
    return new BrokerConfig(List.of(ListenerConfig.defaults()), SessionConfig.DEFAULTS,
        LimitsConfig.DEFAULTS, MqttConfig.DEFAULTS, StorageConfig.IN_MEMORY);
  }

  /**
   * What {@code ./midge broker} and a configuration file start from: {@link #defaults()} with the
   * state in RocksDB in {@code ./data} ({@link StorageConfig#DEFAULTS}).
   */
  public static BrokerConfig standalone() {
    return defaults().withStorage(StorageConfig.DEFAULTS);
  }

  public BrokerConfig withListeners(List<ListenerConfig> newListeners) {
    return new BrokerConfig(newListeners, sessions, limits, mqtt, storage);
  }

  public BrokerConfig withSessions(SessionConfig newSessions) {
    return new BrokerConfig(listeners, newSessions, limits, mqtt, storage);
  }

  public BrokerConfig withLimits(LimitsConfig newLimits) {
    return new BrokerConfig(listeners, sessions, newLimits, mqtt, storage);
  }

  public BrokerConfig withMqtt(MqttConfig newMqtt) {
    return new BrokerConfig(listeners, sessions, limits, newMqtt, storage);
  }

  public BrokerConfig withStorage(StorageConfig newStorage) {
    return new BrokerConfig(listeners, sessions, limits, mqtt, newStorage);
  }
}
