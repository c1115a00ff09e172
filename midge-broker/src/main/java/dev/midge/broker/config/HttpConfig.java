package dev.midge.broker.config;

import java.util.Objects;

/**
 * The HTTP listener of the admin API ({@code /api/v1}), the Prometheus endpoint ({@code /metrics})
 * and the dashboard ({@code /}): its own port, apart from the MQTT listeners.
 *
 * <p>{@link #DEFAULTS} is what a configuration file without an {@code http} section and {@code
 * midge broker} get: 127.0.0.1:18080, reachable from this machine only, as the MQTT listener's
 * default is. The API has no authentication yet, and {@code DELETE /api/v1/clients/{id}}
 * disconnects clients: bind it to an address that only administrators reach.
 *
 * @param enabled whether the listener is opened at all
 * @param host the address to bind, as for an MQTT listener
 * @param port the TCP port, 0 for a free one
 */
public record HttpConfig(boolean enabled, String host, int port) {
  /** The default HTTP port: 18080. */
  public static final int DEFAULT_PORT = 18080;

  /** On 127.0.0.1:18080. */
  public static final HttpConfig DEFAULTS = new HttpConfig(true, "127.0.0.1", DEFAULT_PORT);

  /** No HTTP listener. */
  public static final HttpConfig DISABLED = DEFAULTS.withEnabled(false);

  public HttpConfig {
    Objects.requireNonNull(host, "host");
    if (host.isBlank()) {
      throw new IllegalArgumentException("the HTTP host must not be empty");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("the HTTP port must be 0 to 65535, was " + port);
    }
  }

  public HttpConfig withEnabled(boolean newEnabled) {
    return new HttpConfig(newEnabled, host, port);
  }

  public HttpConfig withHost(String newHost) {
    return new HttpConfig(enabled, newHost, port);
  }

  public HttpConfig withPort(int newPort) {
    return new HttpConfig(enabled, host, newPort);
  }
}
