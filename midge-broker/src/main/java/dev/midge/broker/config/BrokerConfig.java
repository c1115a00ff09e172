package dev.midge.broker.config;

import java.util.List;
import java.util.Objects;

/**
 * The whole configuration of a broker, immutable. {@link #defaults()} is what {@code ./midge
 * broker} runs with and no config file: one listener on 127.0.0.1:1883, the HTTP listener of the
 * admin API on 127.0.0.1:18080.
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
    WebhookConfig webhook) {

  public BrokerConfig {
    listeners = List.copyOf(listeners);
    Objects.requireNonNull(sessions, "sessions");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(mqtt, "mqtt");
    Objects.requireNonNull(http, "http");
    Objects.requireNonNull(sys, "sys");
    Objects.requireNonNull(webhook, "webhook");
    if (listeners.isEmpty()) {
      throw new IllegalArgumentException("at least one listener is needed");
    }
  }

  /** Listeners, sessions, limits and MQTT features as given; default HTTP, $SYS and webhook. */
  public BrokerConfig(List<ListenerConfig> listeners, SessionConfig sessions, LimitsConfig limits,
      MqttConfig mqtt) {
    this(listeners, sessions, limits, mqtt, HttpConfig.DEFAULTS, SysConfig.DEFAULTS,
        WebhookConfig.DEFAULTS);
  }

  /** Listeners, sessions and limits as given; the default MQTT features. */
  public BrokerConfig(List<ListenerConfig> listeners, SessionConfig sessions, LimitsConfig limits) {
    this(listeners, sessions, limits, MqttConfig.DEFAULTS);
  }

  /** One listener on 127.0.0.1:1883, default sessions, limits, MQTT features, HTTP and $SYS. */
  public static BrokerConfig defaults() {
    return new BrokerConfig(List.of(ListenerConfig.defaults()), SessionConfig.DEFAULTS,
        LimitsConfig.DEFAULTS, MqttConfig.DEFAULTS);
  }

  public BrokerConfig withListeners(List<ListenerConfig> newListeners) {
    return new BrokerConfig(newListeners, sessions, limits, mqtt, http, sys, webhook);
  }

  public BrokerConfig withSessions(SessionConfig newSessions) {
    return new BrokerConfig(listeners, newSessions, limits, mqtt, http, sys, webhook);
  }

  public BrokerConfig withLimits(LimitsConfig newLimits) {
    return new BrokerConfig(listeners, sessions, newLimits, mqtt, http, sys, webhook);
  }

  public BrokerConfig withMqtt(MqttConfig newMqtt) {
    return new BrokerConfig(listeners, sessions, limits, newMqtt, http, sys, webhook);
  }

  public BrokerConfig withHttp(HttpConfig newHttp) {
    return new BrokerConfig(listeners, sessions, limits, mqtt, newHttp, sys, webhook);
  }

  public BrokerConfig withSys(SysConfig newSys) {
    return new BrokerConfig(listeners, sessions, limits, mqtt, http, newSys, webhook);
  }

  public BrokerConfig withWebhook(WebhookConfig newWebhook) {
    return new BrokerConfig(listeners, sessions, limits, mqtt, http, sys, newWebhook);
  }
}
