package dev.midge.broker.config;

import java.util.List;
import java.util.Objects;

/**
 * The whole configuration of a broker, immutable. {@link #defaults()} is what an embedded broker
 * runs with: one listener on 127.0.0.1:1883, state in memory. {@code ./midge broker} without a
 * config file runs with {@link #standalone()}, the same with its state in {@code ./data} ({@link
 * StorageConfig#DEFAULTS}), as does a config file without a {@code storage} section, and opens
 * the HTTP listener of the admin API on 127.0.0.1:18080.
 *
 * <p>Built in code for an embedded broker, or loaded from YAML by {@link ConfigLoader}, whose keys
 * and defaults are listed in {@code docs/configuration.md}. An embedded {@code MidgeBroker} opens
 * the HTTP listener only when its builder is asked to (see {@code MidgeBroker.Builder#http}), so
 * that programs and tests embedding brokers do not compete for port 18080.
 */
public record BrokerConfig(
    List<ListenerConfig> listeners,
    SessionConfig sessions,
    LimitsConfig limits,
    MqttConfig mqtt,
    HttpConfig http,
    SysConfig sys,
    WebhookConfig webhook,
    StorageConfig storage,
    AuthConfig auth) {

  public BrokerConfig {
    Objects.requireNonNull(auth, "auth");
    listeners = List.copyOf(listeners);
    Objects.requireNonNull(sessions, "sessions");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(mqtt, "mqtt");
    Objects.requireNonNull(http, "http");
    Objects.requireNonNull(sys, "sys");
    Objects.requireNonNull(webhook, "webhook");
    Objects.requireNonNull(storage, "storage");
    if (listeners.isEmpty()) {
      throw new IllegalArgumentException("at least one listener is needed");
    }
  }

  /** Everything but authentication as given; no authentication ({@link AuthConfig#DEFAULTS}). */
  public BrokerConfig(List<ListenerConfig> listeners, SessionConfig sessions, LimitsConfig limits,
      MqttConfig mqtt, HttpConfig http, SysConfig sys, WebhookConfig webhook,
      StorageConfig storage) {
    this(listeners, sessions, limits, mqtt, http, sys, webhook, storage, AuthConfig.DEFAULTS);
  }

  /**
   * Listeners, sessions, limits, MQTT features, HTTP, $SYS and webhook as given; state in memory
   * ({@link StorageConfig#IN_MEMORY}).
   */
  public BrokerConfig(List<ListenerConfig> listeners, SessionConfig sessions, LimitsConfig limits,
      MqttConfig mqtt, HttpConfig http, SysConfig sys, WebhookConfig webhook) {
    this(listeners, sessions, limits, mqtt, http, sys, webhook, StorageConfig.IN_MEMORY);
  }

  /** Listeners, sessions, limits and MQTT features as given; default HTTP, $SYS and webhook. */
  public BrokerConfig(List<ListenerConfig> listeners, SessionConfig sessions, LimitsConfig limits,
      MqttConfig mqtt) {
    this(listeners, sessions, limits, mqtt, HttpConfig.DEFAULTS, SysConfig.DEFAULTS,
        WebhookConfig.DEFAULTS, StorageConfig.IN_MEMORY);
  }

  /** Listeners, sessions and limits as given; the default MQTT features; state in memory. */
  public BrokerConfig(List<ListenerConfig> listeners, SessionConfig sessions, LimitsConfig limits) {
    this(listeners, sessions, limits, MqttConfig.DEFAULTS);
  }

  /** Listeners, sessions, limits and storage as given; the defaults of everything else. */
  public BrokerConfig(List<ListenerConfig> listeners, SessionConfig sessions, LimitsConfig limits,
      StorageConfig storage) {
    this(listeners, sessions, limits, MqttConfig.DEFAULTS, HttpConfig.DEFAULTS,
        SysConfig.DEFAULTS, WebhookConfig.DEFAULTS, storage);
  }

  /**
   * One listener on 127.0.0.1:1883, default sessions, limits, MQTT features, HTTP and $SYS, state
   * in memory.
   */
  public static BrokerConfig defaults() {
    return new BrokerConfig(List.of(ListenerConfig.defaults()), SessionConfig.DEFAULTS,
        LimitsConfig.DEFAULTS, MqttConfig.DEFAULTS);
  }

  /**
   * What {@code ./midge broker} and a configuration file start from: {@link #defaults()} with the
   * state in RocksDB in {@code ./data} ({@link StorageConfig#DEFAULTS}).
   */
  public static BrokerConfig standalone() {
    return defaults().withStorage(StorageConfig.DEFAULTS);
  }

  public BrokerConfig withListeners(List<ListenerConfig> newListeners) {
    return new BrokerConfig(newListeners, sessions, limits, mqtt, http, sys, webhook,
        storage, auth);
  }

  public BrokerConfig withSessions(SessionConfig newSessions) {
    return new BrokerConfig(listeners, newSessions, limits, mqtt, http, sys, webhook,
        storage, auth);
  }

  public BrokerConfig withLimits(LimitsConfig newLimits) {
    return new BrokerConfig(listeners, sessions, newLimits, mqtt, http, sys, webhook,
        storage, auth);
  }

  public BrokerConfig withMqtt(MqttConfig newMqtt) {
    return new BrokerConfig(listeners, sessions, limits, newMqtt, http, sys, webhook,
        storage, auth);
  }

  public BrokerConfig withHttp(HttpConfig newHttp) {
    return new BrokerConfig(listeners, sessions, limits, mqtt, newHttp, sys, webhook,
        storage, auth);
  }

  public BrokerConfig withSys(SysConfig newSys) {
    return new BrokerConfig(listeners, sessions, limits, mqtt, http, newSys, webhook,
        storage, auth);
  }

  public BrokerConfig withWebhook(WebhookConfig newWebhook) {
    return new BrokerConfig(listeners, sessions, limits, mqtt, http, sys, newWebhook,
        storage, auth);
  }

  public BrokerConfig withAuth(AuthConfig newAuth) {
    return new BrokerConfig(listeners, sessions, limits, mqtt, http, sys, webhook,
        storage, newAuth);
  }

  public BrokerConfig withStorage(StorageConfig newStorage) {
    return new BrokerConfig(listeners, sessions, limits, mqtt, http, sys, webhook,
        newStorage, auth);
  }
}
