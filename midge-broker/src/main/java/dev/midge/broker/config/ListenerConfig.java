package dev.midge.broker.config;

import java.util.Objects;

/**
 * One MQTT listener: where it binds, its keep-alive policy and whether it lets in clients without
 * a user name.
 *
 * @param name a name for logs and metrics
 * @param host the address to bind; {@code 127.0.0.1} by default, so that a broker started without
 *     a config file is reachable from this machine only
 * @param port the TCP port, 0 to pick a free one
 * @param keepAlive the keep-alive policy of connections on this listener
 * @param allowAnonymous whether clients without a user name get in; {@link Anonymous#AUTO}: when
 *     the broker authenticates nobody ({@link AuthConfig#authenticates()} false)
 */
public record ListenerConfig(String name, String host, int port, KeepAliveConfig keepAlive,
    Anonymous allowAnonymous) {

  /** Whether a listener lets in clients that send no user name (Mosquitto's allow_anonymous). */
  public enum Anonymous {
    /** Yes when no password file or HTTP service is configured, otherwise no. */
    AUTO,
    TRUE,
    FALSE;

    /** What this means for a broker that does, or does not, authenticate by password. */
    public boolean allows(boolean authenticates) {
      return this == TRUE || (this == AUTO && !authenticates);
    }
  }

  public ListenerConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(keepAlive, "keepAlive");
    Objects.requireNonNull(allowAnonymous, "allowAnonymous");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0 to 65535, was " + port);
    }
  }

  /** A listener whose anonymous clients are let in as {@link Anonymous#AUTO} says. */
  public ListenerConfig(String name, String host, int port, KeepAliveConfig keepAlive) {
    this(name, host, port, keepAlive, Anonymous.AUTO);
  }

  /** The default listener: 127.0.0.1:1883 with the default keep-alive policy. */
  public static ListenerConfig defaults() {
    return new ListenerConfig("default", "127.0.0.1", 1883, KeepAliveConfig.DEFAULTS);
  }

  public ListenerConfig withPort(int newPort) {
    return new ListenerConfig(name, host, newPort, keepAlive, allowAnonymous);
  }

  public ListenerConfig withHost(String newHost) {
    return new ListenerConfig(name, newHost, port, keepAlive, allowAnonymous);
  }

  public ListenerConfig withKeepAlive(KeepAliveConfig newKeepAlive) {
    return new ListenerConfig(name, host, port, newKeepAlive, allowAnonymous);
  }

  public ListenerConfig withAllowAnonymous(Anonymous newAllowAnonymous) {
    return new ListenerConfig(name, host, port, keepAlive, newAllowAnonymous);
  }
}
