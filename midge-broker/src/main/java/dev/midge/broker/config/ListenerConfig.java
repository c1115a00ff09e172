package dev.midge.broker.config;

import java.util.Objects;

/**
 * One MQTT listener: where it binds and its keep-alive policy.
 *
 * @param name a name for logs and metrics
 * @param host the address to bind; {@code 127.0.0.1} by default, so that a broker started without
 *     a config file is reachable from this machine only
 * @param port the TCP port, 0 to pick a free one
 * @param keepAlive the keep-alive policy of connections on this listener
 */
public record ListenerConfig(String name, String host, int port, KeepAliveConfig keepAlive) {
  public ListenerConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(keepAlive, "keepAlive");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0 to 65535, was " + port);
    }
  }

  /** The default listener: 127.0.0.1:1883 with the default keep-alive policy. */
  public static ListenerConfig defaults() {
    return new ListenerConfig("default", "127.0.0.1", 1883, KeepAliveConfig.DEFAULTS);
  }

  public ListenerConfig withPort(int newPort) {
    return new ListenerConfig(name, host, newPort, keepAlive);
  }

  public ListenerConfig withHost(String newHost) {
    return new ListenerConfig(name, newHost, port, keepAlive);
  }

  public ListenerConfig withKeepAlive(KeepAliveConfig newKeepAlive) {
    return new ListenerConfig(name, host, port, newKeepAlive);
  }
}
