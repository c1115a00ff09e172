package dev.midge.client;

import dev.midge.client.internal.ClientCore;
import dev.midge.client.internal.ClientOptions;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Will;
import dev.midge.codec.property.Properties;
import dev.midge.codec.topic.TopicProblem;
import dev.midge.codec.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * An MQTT 3.1.1 or 5.0 client that keeps its connection alive: it pings when it has been quiet,
 * notices a broker that stopped answering, reconnects with backoff and resumes its session.
 *
 * <pre>{@code
 * try (MqttClient client = MqttClient.builder().host("127.0.0.1").clientId("app").build()) {
 *   client.connect().join();
 *   client.subscribe("alerts/#", MqttQos.AT_LEAST_ONCE, m -> handle(m));
 *   client.publish("status/app", "up".getBytes(UTF_8), MqttQos.AT_LEAST_ONCE, true).join();
 * }
 * }</pre>
 *
 * <p><b>Asynchronous.</b> Every operation returns at once with a {@link CompletableFuture},
 * completed on the callback executor (never on the I/O thread): {@code publish} when the broker
 * has acknowledged the message (PUBACK for QoS 1, PUBCOMP for QoS 2, written to the socket for
 * QoS 0), {@code subscribe} with the QoS the broker granted. Prefer composing ({@code
 * thenCompose}, {@code thenAccept}); for plain sequential code use {@link #blocking()}. Do not
 * wait for a future inside a message handler or listener of the same client: the future is
 * completed on that very executor, after the handler returns.
 *
 * <p><b>Keep alive.</b> The client sends PINGREQ only when it has sent nothing for the keep-alive
 * interval (the broker's Server Keep Alive if it sent one). If no packet comes within {@linkplain
 * Builder#pingTimeout the PINGRESP timeout} after a PINGREQ, the connection is half-open: the
 * client closes it and reports a {@link PingTimeoutException} to the {@link ConnectionListener}.
 *
 * <p><b>Reconnection.</b> Once a connection has been accepted, losing it starts automatic
 * reconnection (unless turned off) with exponential backoff, full jitter and a ceiling. If the
 * broker still has the session (CONNACK Session Present), unacknowledged QoS 1/2 messages are
 * resent with DUP set; if not, the client subscribes again to everything it had subscribed to.
 * Publishes made while disconnected wait in a bounded buffer and go out after reconnection. The
 * first {@link #connect()} does not retry: its future fails, so a wrong address is seen at once.
 *
 * <p>Thread-safe. Each client has one I/O thread and, unless given an executor, one callback
 * thread; {@link #close()} stops both.
 */
public final class MqttClient implements AutoCloseable {
  private final ClientOptions options;
  private final ClientCore core;

  private MqttClient(ClientOptions options) {
    this.options = options;
    this.core = new ClientCore(options);
  }

  /** A builder with the defaults: 127.0.0.1:1883, MQTT 3.1.1, keep alive 60 s, clean start. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Connects: TCP, CONNECT, and the broker's CONNACK. Fails with {@link
   * ConnectionRefusedException} when the broker refuses, or {@link ConnectionLostException} when
   * it cannot be reached or does not answer within the connect timeout; a failed first connect is
   * not retried. Fails at once if the client is already connected or connecting.
   */
  public CompletableFuture<ConnectResult> connect() {
    return core.connect();
  }

  /**
   * Publishes a message. If the client is not connected (yet, or during a reconnection) the
   * message waits in the offline buffer; when that is full the future fails.
   *
   * @return completes when the message is acknowledged (QoS 1: PUBACK; QoS 2: PUBCOMP) or, for
   *     QoS 0, written; fails for an invalid topic, a full buffer, a refusal, or {@link #close()}
   */
  public CompletableFuture<Void> publish(String topic, byte[] payload, MqttQos qos,
      boolean retain) {
    TopicProblem problem = Topics.validateTopicName(topic, 0);
    if (problem != null) {
      return CompletableFuture.failedFuture(new IllegalArgumentException(
          "not a valid topic name (" + problem.statementId() + "): " + problem.message()));
    }
    return core.publish(new Publish(topic, qos, retain, false, 0, payload.clone(),
        Properties.EMPTY));
  }

  /** {@link #publish(String, byte[], MqttQos, boolean)} with a UTF-8 string payload. */
  public CompletableFuture<Void> publish(String topic, String payload, MqttQos qos,
      boolean retain) {
    return publish(topic, payload.getBytes(StandardCharsets.UTF_8), qos, retain);
  }

  /**
   * Subscribes to {@code filter} and delivers its messages to {@code handler} on the callback
   * executor. The subscription is remembered: when the client reconnects to a broker that lost its
   * session, it subscribes again by itself. A message matching several of the client's filters
   * goes once to each distinct handler.
   *
   * @return the QoS the broker granted; fails if the broker refused the filter
   */
  public CompletableFuture<MqttQos> subscribe(String filter, MqttQos qos,
      MessageHandler handler) {
    Objects.requireNonNull(handler, "handler");
    TopicProblem problem = Topics.validateTopicFilter(filter, 0);
    if (problem != null) {
      return CompletableFuture.failedFuture(new IllegalArgumentException(
          "not a valid topic filter (" + problem.statementId() + "): " + problem.message()));
    }
    return core.subscribe(filter, qos, handler);
  }

  /** Unsubscribes from {@code filter} (exactly as subscribed) and forgets its handler. */
  public CompletableFuture<Void> unsubscribe(String filter) {
    return core.unsubscribe(filter);
  }

  /**
   * Sends DISCONNECT and closes the connection; the broker discards the will. Automatic
   * reconnection stops. The session state stays, so {@link #connect()} may be called again.
   */
  public CompletableFuture<Void> disconnect() {
    return core.disconnect();
  }

  /** Whether a connection is up and accepted right now (it may be lost the next moment). */
  public boolean isConnected() {
    return core.isConnected();
  }

  /** The client identifier in use: the configured one, or the one an MQTT 5.0 broker assigned. */
  public String clientId() {
    return core.clientId();
  }

  /** The MQTT version this client speaks. */
  public MqttVersion version() {
    return options.version();
  }

  /** A blocking view of this client, each call waiting at most {@code timeout}. */
  public BlockingMqttClient blocking(Duration timeout) {
    return new BlockingMqttClient(this, timeout);
  }

  /** A blocking view of this client, each call waiting at most 30 s. */
  public BlockingMqttClient blocking() {
    return blocking(Duration.ofSeconds(30));
  }

  /**
   * Disconnects (if connected), fails whatever is still pending, and stops the client's threads.
   * Waits at most a few seconds. The client cannot be used afterwards.
   */
  @Override
  public void close() {
    core.close(Duration.ofSeconds(5));
  }

  /**
   * Sizes of the session state (in-flight messages, queued publishes, ...) for tests and
   * diagnostics; keys may change.
   */
  public CompletableFuture<Map<String, Integer>> stateSizes() {
    return core.stateSizes();
  }

  /** Builds an {@link MqttClient}. Every setting has a default; {@link #build()} checks them. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port = 1883;
    private @Nullable String clientId;
    private MqttVersion version = MqttVersion.V3_1_1;
    private Duration keepAlive = Duration.ofSeconds(60);
    private boolean cleanStart = true;
    private long sessionExpirySeconds;
    private @Nullable Will will;
    private @Nullable String username;
    private byte @Nullable [] password;
    private Duration pingTimeout = Duration.ofSeconds(5);
    private Duration connectTimeout = Duration.ofSeconds(10);
    private boolean autoReconnect = true;
    private Duration reconnectInitial = Duration.ofSeconds(1);
    private Duration reconnectMax = Duration.ofSeconds(60);
    private int offlineBufferSize = 1000;
    private @Nullable Executor callbackExecutor;
    private ConnectionListener connectionListener = new ConnectionListener() {};
    private @Nullable PacketListener packetListener;
    private @Nullable MessageHandler defaultHandler;

    private Builder() {}

    /** The broker's host name or address; 127.0.0.1 by default. */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** The broker's TCP port; 1883 by default. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /**
     * The client identifier. By default a random {@code midge-xxxxxxxx}. An empty one asks an
     * MQTT 5.0 broker to assign one (and is refused by 3.1.1 brokers unless clean start is on).
     * To resume a session across restarts of your program, set a stable one.
     */
    public Builder clientId(String clientId) {
      this.clientId = Objects.requireNonNull(clientId, "clientId");
      return this;
    }

    /** {@link MqttVersion#V3_1_1} (the default) or {@link MqttVersion#V5}. */
    public Builder version(MqttVersion version) {
      this.version = Objects.requireNonNull(version, "version");
      return this;
    }

    /**
     * The keep alive asked for in CONNECT, whole seconds from 0 (off) to 65535; 60 s by default.
     * The client pings only after this long without sending anything; the broker drops the
     * client after 1.5 times this long without receiving anything (MQTT-3.1.2-24). An MQTT 5.0
     * broker may impose another value (Server Keep Alive), which the client then uses.
     */
    public Builder keepAlive(Duration keepAlive) {
      this.keepAlive = Objects.requireNonNull(keepAlive, "keepAlive");
      return this;
    }

    /**
     * Whether to start a new session on the first connection (true by default). With false, the
     * broker keeps the session (subscriptions, queued QoS 1/2 messages) while the client is away:
     * in MQTT 3.1.1 until the client connects with clean start again, in MQTT 5.0 for the
     * {@linkplain #sessionExpiry session expiry interval}.
     */
    public Builder cleanStart(boolean cleanStart) {
      this.cleanStart = cleanStart;
      return this;
    }

    /**
     * MQTT 5.0: how long the broker keeps the session after the connection ends (0, the default:
     * not at all; up to 4294967295 s, which means never expires). Ignored by MQTT 3.1.1.
     */
    public Builder sessionExpiry(Duration expiry) {
      long s = expiry.toSeconds();
      if (s < 0 || s > 0xFFFF_FFFFL) {
        throw new IllegalArgumentException("session expiry must be 0 to 4294967295 s, was "
            + expiry);
      }
      this.sessionExpirySeconds = s;
      return this;
    }

    /**
     * The will: the message the broker publishes if this client's connection ends without
     * DISCONNECT (network failure, keep-alive timeout, a crash).
     */
    public Builder will(String topic, byte[] payload, MqttQos qos, boolean retain) {
      TopicProblem problem = Topics.validateTopicName(topic, 0);
      if (problem != null) {
        throw new IllegalArgumentException("not a valid will topic: " + problem.message());
      }
      this.will = new Will(topic, payload.clone(), qos, retain);
      return this;
    }

    /** User name and password for the broker; the password may be null. */
    public Builder credentials(String username, byte @Nullable [] password) {
      this.username = Objects.requireNonNull(username, "username");
      this.password = password == null ? null : password.clone();
      return this;
    }

    /**
     * How long to wait for a packet after a PINGREQ before declaring the connection lost; 5 s by
     * default. Deliberately not a whole keep-alive interval: a broker that answers at all answers
     * a PINGREQ within a round trip, and every second waited here is a second a half-open
     * connection goes unnoticed.
     */
    public Builder pingTimeout(Duration timeout) {
      this.pingTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /** How long a connection attempt may take, TCP and CONNACK each; 10 s by default. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * Bounds of the reconnection delay: attempt n waits a random time between 0 and {@code
     * min(max, initial × 2^(n-1))}. 1 s and 60 s by default.
     */
    public Builder reconnectDelay(Duration initial, Duration max) {
      if (initial.toMillis() < 1 || max.compareTo(initial) < 0) {
        throw new IllegalArgumentException("need 1 ms <= initial <= max, got " + initial + ", "
            + max);
      }
      this.reconnectInitial = initial;
      this.reconnectMax = max;
      return this;
    }

    /** Whether to reconnect by itself after losing an accepted connection; true by default. */
    public Builder automaticReconnect(boolean on) {
      this.autoReconnect = on;
      return this;
    }

    /** How many publishes may wait while the client is offline; 1000 by default. */
    public Builder offlineBufferSize(int messages) {
      if (messages < 0) {
        throw new IllegalArgumentException("offline buffer size must be >= 0");
      }
      this.offlineBufferSize = messages;
      return this;
    }

    /**
     * Where messages, listener calls and future completions run. By default one daemon thread
     * of the client's own. Whatever the executor, calls of one client never overlap and keep
     * their order.
     */
    public Builder callbackExecutor(Executor executor) {
      this.callbackExecutor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** Told of connections, losses with their cause, reconnection delays and ping round trips. */
    public Builder connectionListener(ConnectionListener listener) {
      this.connectionListener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** Told of every packet sent and received, for debugging; none by default. */
    public Builder packetListener(PacketListener listener) {
      this.packetListener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Receives messages that match none of the client's subscriptions, such as those a resumed
     * session delivers before the program has subscribed again. Without it they are dropped
     * (and acknowledged).
     */
    public Builder defaultHandler(MessageHandler handler) {
      this.defaultHandler = Objects.requireNonNull(handler, "handler");
      return this;
    }

    /** Checks the settings and builds the client; nothing connects until {@link #connect()}. */
    public MqttClient build() {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0 to 65535, was " + port);
      }
      long ka = keepAlive.toMillis();
      if (ka < 0 || ka % 1000 != 0 || ka / 1000 > 0xFFFF) {
        throw new IllegalArgumentException("keep alive must be whole seconds from 0 to 65535,"
            + " was " + keepAlive);
      }
      if (pingTimeout.toMillis() < 1 || connectTimeout.toMillis() < 1) {
        throw new IllegalArgumentException("timeouts must be at least 1 ms");
      }
      String id = clientId != null ? clientId
          : String.format("midge-%08x", ThreadLocalRandom.current().nextInt());
      return new MqttClient(new ClientOptions(host, port, id, version, (int) (ka / 1000),
          cleanStart, sessionExpirySeconds, will, username, password, pingTimeout,
          connectTimeout, autoReconnect, reconnectInitial, reconnectMax, offlineBufferSize,
          callbackExecutor, connectionListener, packetListener, defaultHandler));
    }
  }
}
