package dev.midge.broker.config;

import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One MQTT listener: where it binds, what it speaks (MQTT over TCP, TLS, WebSocket or secure
 * WebSocket), its keep-alive policy and whether it lets in clients without a user name.
 *
 * @param name a name for logs and metrics
 * @param host the address to bind; {@code 127.0.0.1} by default, so that a broker started without
 *     a config file is reachable from this machine only
 * @param port the TCP port, 0 to pick a free one
 * @param keepAlive the keep-alive policy of connections on this listener
 * @param protocol what clients speak on the port
 * @param tls the TLS files and client-certificate policy; {@link TlsConfig#DEFAULTS} unless
 *     {@link Protocol#tls()}
 * @param websocketPath the HTTP path of the WebSocket upgrade, for {@link Protocol#webSocket()}
 *     listeners; {@link #DEFAULT_WEBSOCKET_PATH} otherwise
 * @param allowAnonymous whether clients without a user name get in; {@link Anonymous#AUTO}: when
 *     the broker authenticates nobody ({@link AuthConfig#authenticates()} false)
 * @param maxConnections clients connected at once through this listener, at most, on top of the
 *     broker-wide {@link LimitsConfig#maxConnections()}; 0 for no limit of its own
 */
public record ListenerConfig(String name, String host, int port, KeepAliveConfig keepAlive,
    Protocol protocol, TlsConfig tls, String websocketPath, Anonymous allowAnonymous,
    int maxConnections) {

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

  /** The WebSocket path mqtt.js and most other clients use unless told otherwise. */
  public static final String DEFAULT_WEBSOCKET_PATH = "/mqtt";

  /** What clients speak on a listener's port. */
  public enum Protocol {
    /** MQTT over plain TCP. */
    MQTT("mqtt"),
    /** MQTT over TLS 1.2 or 1.3. */
    MQTT_TLS("mqtt+tls"),
    /** MQTT in binary WebSocket frames, over plain HTTP. */
    WS("ws"),
    /** MQTT in binary WebSocket frames, over HTTPS (TLS 1.2 or 1.3). */
    WSS("wss");

    private final String configName;

    Protocol(String configName) {
      this.configName = configName;
    }

    /** As written in the configuration: {@code mqtt+tls}. */
    public String configName() {
      return configName;
    }

    /** Whether connections start with a TLS handshake. */
    public boolean tls() {
      return this == MQTT_TLS || this == WSS;
    }

    /** Whether MQTT is carried in WebSocket frames. */
    public boolean webSocket() {
      return this == WS || this == WSS;
    }

    /** The protocol written {@code name} ({@code mqtt+tls}), or null. */
    static @Nullable Protocol fromConfigName(String name) {
      String n = name.strip().toLowerCase(Locale.ROOT);
      for (Protocol p : values()) {
        if (p.configName.equals(n)) {
          return p;
        }
      }
      return null;
    }
  }

  public ListenerConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(keepAlive, "keepAlive");
    Objects.requireNonNull(protocol, "protocol");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(websocketPath, "websocketPath");
    Objects.requireNonNull(allowAnonymous, "allowAnonymous");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0 to 65535, was " + port);
    }
    if (protocol.tls() && (tls.certificate().isEmpty() || tls.key().isEmpty())) {
      throw new IllegalArgumentException("protocol " + protocol.configName()
          + " needs tls.certificate and tls.key");
    }
    if (!websocketPath.startsWith("/")) {
      throw new IllegalArgumentException("websocket-path must start with /, was " + websocketPath);
    }
    if (maxConnections < 0) {
      throw new IllegalArgumentException("max-connections must be 0 (no limit) or more");
    }
  }

  /** A listener without a connection limit of its own. */
  public ListenerConfig(String name, String host, int port, KeepAliveConfig keepAlive,
      Protocol protocol, TlsConfig tls, String websocketPath, Anonymous allowAnonymous) {
    this(name, host, port, keepAlive, protocol, tls, websocketPath, allowAnonymous, 0);
  }

  /** A plain MQTT listener over TCP. */
  public ListenerConfig(String name, String host, int port, KeepAliveConfig keepAlive) {
    this(name, host, port, keepAlive, Protocol.MQTT, TlsConfig.DEFAULTS, DEFAULT_WEBSOCKET_PATH,
        Anonymous.AUTO);
  }

  /** A plain MQTT listener over TCP, anonymous clients let in as {@code anonymous} says. */
  public ListenerConfig(String name, String host, int port, KeepAliveConfig keepAlive,
      Anonymous anonymous) {
    this(name, host, port, keepAlive, Protocol.MQTT, TlsConfig.DEFAULTS, DEFAULT_WEBSOCKET_PATH,
        anonymous);
  }

  /** A listener speaking {@code protocol}, anonymous clients let in as {@link Anonymous#AUTO}. */
  public ListenerConfig(String name, String host, int port, KeepAliveConfig keepAlive,
      Protocol protocol, TlsConfig tls, String websocketPath) {
    this(name, host, port, keepAlive, protocol, tls, websocketPath, Anonymous.AUTO);
  }

  /** The default listener: 127.0.0.1:1883, plain MQTT, with the default keep-alive policy. */
  public static ListenerConfig defaults() {
    return new ListenerConfig("default", "127.0.0.1", 1883, KeepAliveConfig.DEFAULTS);
  }

  public ListenerConfig withPort(int newPort) {
    return new ListenerConfig(name, host, newPort, keepAlive, protocol, tls, websocketPath,
        allowAnonymous, maxConnections);
  }

  public ListenerConfig withHost(String newHost) {
    return new ListenerConfig(name, newHost, port, keepAlive, protocol, tls, websocketPath,
        allowAnonymous, maxConnections);
  }

  public ListenerConfig withKeepAlive(KeepAliveConfig newKeepAlive) {
    return new ListenerConfig(name, host, port, newKeepAlive, protocol, tls, websocketPath,
        allowAnonymous, maxConnections);
  }

  public ListenerConfig withName(String newName) {
    return new ListenerConfig(newName, host, port, keepAlive, protocol, tls, websocketPath,
        allowAnonymous, maxConnections);
  }

  /**
   * This listener speaking {@code newProtocol}, with {@code newTls} ({@link TlsConfig#DEFAULTS}
   * for a protocol without TLS).
   */
  public ListenerConfig withProtocol(Protocol newProtocol, TlsConfig newTls) {
    return new ListenerConfig(name, host, port, keepAlive, newProtocol, newTls, websocketPath,
        allowAnonymous, maxConnections);
  }

  public ListenerConfig withWebsocketPath(String newPath) {
    return new ListenerConfig(name, host, port, keepAlive, protocol, tls, newPath,
        allowAnonymous, maxConnections);
  }

  public ListenerConfig withAllowAnonymous(Anonymous newAllowAnonymous) {
    return new ListenerConfig(name, host, port, keepAlive, protocol, tls, websocketPath,
        newAllowAnonymous, maxConnections);
  }

  /** This listener with its own bound on connected clients; 0 for none. */
  public ListenerConfig withMaxConnections(int newMaxConnections) {
    return new ListenerConfig(name, host, port, keepAlive, protocol, tls, websocketPath,
        allowAnonymous, newMaxConnections);
  }
}
