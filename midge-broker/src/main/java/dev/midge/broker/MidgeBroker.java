package dev.midge.broker;

import dev.midge.broker.admin.AdminApi;
import dev.midge.broker.admin.AdminHttpServer;
import dev.midge.broker.admin.StatsHistory;
import dev.midge.broker.admin.SysTopics;
import dev.midge.broker.auth.AuthenticationMechanism;
import dev.midge.broker.auth.AuthenticationMechanisms;
import dev.midge.broker.auth.Authorizer;
import dev.midge.broker.auth.BrokerSecurity;
import dev.midge.broker.auth.FailureDelay;
import dev.midge.broker.auth.PasswordAuthenticator;
import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.ConfigException;
import dev.midge.broker.config.ListenerConfig;
import dev.midge.broker.config.StorageConfig;
import dev.midge.broker.connection.BrokerServices;
import dev.midge.broker.connection.MqttConnection;
import dev.midge.broker.connection.PipelineNames;
import dev.midge.broker.metrics.BrokerMetrics;
import dev.midge.broker.metrics.EventLoopLag;
import dev.midge.broker.metrics.SessionTotals;
import dev.midge.broker.routing.SubscriptionRouter;
import dev.midge.broker.session.Outbound;
import dev.midge.broker.session.Session;
import dev.midge.broker.session.SessionRegistry;
import dev.midge.broker.store.InMemoryStorage;
import dev.midge.broker.store.Storage;
import dev.midge.broker.store.StorageException;
import dev.midge.broker.store.rocksdb.RocksDbStorage;
import dev.midge.broker.transport.MqttChannelInitializer;
import dev.midge.broker.transport.tls.ReloadingSslContext;
import dev.midge.broker.transport.tls.TlsFiles;
import dev.midge.broker.transport.Transport;
import dev.midge.broker.webhook.OfflinePushWebhook;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An MQTT broker to embed in a Java program or a test.
 *
 * <pre>{@code
 * try (MidgeBroker broker = MidgeBroker.builder().port(0).build().start()) {
 *   int port = broker.port(); // the port picked for listener 0
 *   // connect clients to 127.0.0.1:port
 * }
 * }</pre>
 *
 * <p>{@link #start()} binds every listener and returns once they accept connections; {@link
 * #close()} disconnects every client (MQTT 5 clients get DISCONNECT 0x8B, or 0x9C / 0x9D with a
 * Server Reference when {@code mqtt.server-reference} is set; wills are published as for any
 * connection that ends without DISCONNECT), then releases the threads. {@link
 * #disconnectClient(String)} ends one client's connection. A broker starts once. Thread-safe.
 *
 * <p>State lives in memory unless a data directory is given ({@link Builder#dataDir}, or the
 * storage of the {@link BrokerConfig}): then in RocksDB there, opened by {@link Builder#build()}
 * (which throws a {@link StorageException} for a directory it cannot use) and recovered by {@link
 * #start()} before any listener opens. {@link #close()} releases the directory, started or not.
 *
 * <pre>{@code
 * try (MidgeBroker broker = MidgeBroker.builder().dataDir(Path.of("data")).build().start()) {
 *   // persistent sessions, retained messages and delayed wills outlive the process
 * }
 * }</pre>
 *
 * <p>MQTT 5 enhanced authentication (§4.12) is on for the Authentication Methods of the mechanisms
 * given to {@link Builder#enhancedAuthentication}; a CONNECT naming any other method is refused
 * with CONNACK 0x8C.
 *
 * <p>Seen from outside: meters in a Prometheus registry (and in the one given to {@link
 * Builder#meterRegistry}), the {@code $SYS} topics ({@code sys} in the config), the offline-push
 * webhook ({@code webhook}), and, when {@link Builder#http} or {@link Builder#httpPort} asks for it,
 * the HTTP listener of the admin API, {@code /metrics} and the dashboard ({@code http}):
 *
 * <pre>{@code
 * try (MidgeBroker broker = MidgeBroker.builder().port(0).httpPort(0).build().start()) {
 *   URI admin = URI.create("http://127.0.0.1:" + broker.httpPort() + "/api/v1/clients");
 * }
 * }</pre>
 *
 * <p>In-JVM clients (tests, benchmarks, an application talking to its own broker) can connect
 * without sockets over Netty's local transport: {@link Builder#localAddress} makes the broker also
 * serve a {@link LocalServerChannel} with the first listener's settings and exactly the pipeline
 * of a TCP connection (codec, keep-alive, connection state machine), on event loops of its own.
 * Such connections use no file descriptors, so a test can hold far more of them than a process may
 * open sockets:
 *
 * <pre>{@code
 * LocalAddress address = new LocalAddress("midge-test");
 * try (MidgeBroker broker = MidgeBroker.builder().port(0).localAddress(address).build().start()) {
 *   new Bootstrap().group(clientGroup).channel(LocalChannel.class).handler(...)
 *       .connect(address); // the same MQTT bytes as over TCP
 * }
 * }</pre>
 */
public final class MidgeBroker implements AutoCloseable {
  /**
   * How large each connection's read buffers are, adapting to what it sends: shared, as it holds
   * only its bounds; Netty's default would be an instance per connection.
   */
  private static final AdaptiveRecvByteBufAllocator RECEIVE_BUFFER_SIZES =
      new AdaptiveRecvByteBufAllocator();
  private static final Logger LOG = LoggerFactory.getLogger(MidgeBroker.class);

  private final BrokerConfig config;
  private final Transport transport;
  private final BrokerServices services;
  private final Storage storage;
  private final AuthenticationMechanisms mechanisms;
  private final BrokerSecurity security;
  private final List<Channel> serverChannels = new ArrayList<>();
  private final List<ReloadingSslContext> tlsContexts = new ArrayList<>();
  private final PrometheusMeterRegistry prometheus;
  private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
  private final SessionTotals sessionTotals;
  private final StatsHistory history;
  private final SysTopics sysTopics;
  private final EventLoopLag eventLoopLag;
  private final boolean serveHttp;
  private final @Nullable LocalAddress localAddress;
  private @Nullable Channel localServerChannel;
  private @Nullable EventLoopGroup localGroup;
  private @Nullable OfflinePushWebhook webhook;
  private @Nullable AdminHttpServer http;
  private @Nullable EventLoopGroup bossGroup;
  private @Nullable EventLoopGroup workerGroup;
  private boolean started;
  private boolean closed;

  /** How often expired retained messages are forgotten. */
  private static final long RETAINED_EXPIRY_PERIOD_MILLIS = 1000;
  /** How often the queued and in-flight totals and the dashboard's history are sampled. */
  private static final long SAMPLE_PERIOD_MILLIS = 5000;
  /** Samples the dashboard's history keeps: 15 minutes. */
  private static final int HISTORY_SAMPLES = 180;

  private MidgeBroker(BrokerConfig config, @Nullable MeterRegistry given, Clock clock,
      AuthenticationMechanisms mechanisms, boolean serveHttp, BrokerSecurity security,
      @Nullable LocalAddress localAddress) {
    this.config = config;
    this.security = security;
    this.localAddress = localAddress;
    this.mechanisms = mechanisms;
    this.transport = Transport.best();
    StorageConfig sc = config.storage();
    Path dir = sc.dataDir();
    this.storage = dir == null ? new InMemoryStorage() : RocksDbStorage.open(dir, sc);
    this.serveHttp = serveHttp;
    ChannelGroup channels = new DefaultChannelGroup("midge", GlobalEventExecutor.INSTANCE);
    // /metrics scrapes a Prometheus registry; meters also go to the one given, if any.
    MeterRegistry meters;
    if (given instanceof PrometheusMeterRegistry p) {
      prometheus = p;
      meters = p;
    } else {
      prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      if (given == null) {
        meters = prometheus;
      } else {
        CompositeMeterRegistry both = new CompositeMeterRegistry();
        both.add(given);
        both.add(prometheus);
        meters = both;
      }
    }
    new JvmMemoryMetrics().bindTo(prometheus);
    gcMetrics.bindTo(prometheus);
    new JvmThreadMetrics().bindTo(prometheus);
    new ClassLoaderMetrics().bindTo(prometheus);
    new ProcessorMetrics().bindTo(prometheus);
    new UptimeMetrics().bindTo(prometheus);
    BrokerMetrics metrics = new BrokerMetrics(meters);
    SessionRegistry sessions = new SessionRegistry();
    this.services = new BrokerServices(config, sessions, storage,
        new SubscriptionRouter(config.mqtt().sharedSubscriptionStrategy()), metrics, channels,
        clock, security);
    metrics.gauge("midge.retained", "Retained messages", storage.retained()::size);
    metrics.gauge("midge.sessions", "Sessions, online and offline", sessions::size);
    if (storage instanceof RocksDbStorage rocks) {
      metrics.gauge("midge.store.backlog", "Changes waiting for the store's writer",
          rocks::writeBacklog);
      metrics.gauge("midge.store.batches", "Write batches written by the store",
          rocks::batchesWritten);
    }
    metrics.gauge("midge.subscriptions", "Subscriptions, all sessions",
        services.router()::size);
    this.sessionTotals = new SessionTotals(sessions, metrics);
    this.history = new StatsHistory(services, HISTORY_SAMPLES);
    this.eventLoopLag = new EventLoopLag(meters, Duration.ofSeconds(1));
    String version = MidgeBroker.class.getPackage().getImplementationVersion();
    this.sysTopics = new SysTopics(services, sessionTotals,
        version == null ? "development" : version, config.sys().clientEvents());
    if (config.sys().clientEvents()) {
      services.addConnectionListener(sysTopics);
    }
    if (config.webhook().enabled()) {
      OfflinePushWebhook hook = new OfflinePushWebhook(config.webhook(), meters, clock,
          System::nanoTime);
      webhook = hook;
      services.addSessionListener(hook);
    }
  }

  /** A builder starting from {@link BrokerConfig#defaults()}. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds every listener; returns once all accept connections. TLS listeners ({@code mqtt+tls},
   * {@code wss}) read their PEM files first, and watch them for changes until {@link #close()}.
   *
   * @throws ConfigException when a TLS listener's files cannot be used, naming the key ({@code
   *     listeners[0].tls.key}) and the fix
   */
  public synchronized MidgeBroker start() {
    if (started) {
      throw new IllegalStateException("a broker starts once");
    }
    started = true;
    bossGroup = transport.newGroup(1);
    // One event loop per core: more (Netty's default is two per core) only adds hand-overs
    // between threads and context switches, as every connection's work is short.
    workerGroup = transport.newGroup(Runtime.getRuntime().availableProcessors());
    // One task for all retained messages: it touches only those that expire, soonest first.
    workerGroup.next().scheduleWithFixedDelay(services::removeExpiredRetained,
        RETAINED_EXPIRY_PERIOD_MILLIS, RETAINED_EXPIRY_PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    workerGroup.next().scheduleAtFixedRate(() -> {
      // Walking every session is not for an event loop: it would hold up that loop's deadlines.
      GlobalEventExecutor.INSTANCE.execute(sessionTotals::sample);
      history.sample();
    }, 0, SAMPLE_PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    if (config.sys().enabled()) {
      long interval = config.sys().interval().toMillis();
      workerGroup.next().scheduleAtFixedRate(sysTopics::publishStatistics, interval, interval,
          TimeUnit.MILLISECONDS);
    }
    eventLoopLag.start(workerGroup);
    security.start(); // looks for changed password and ACL files on a thread of its own
    try {
      BrokerRecovery.run(services, workerGroup);
      for (int i = 0; i < config.listeners().size(); i++) {
        ListenerConfig listener = config.listeners().get(i);
        ReloadingSslContext tls = listener.protocol().tls() ? tlsContext(listener, i) : null;
        ServerBootstrap b = new ServerBootstrap()
            .group(bossGroup, workerGroup)
            .channel(transport.serverChannel())
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.TCP_NODELAY, true)
            // A subscriber's connection buffers at most 256 KiB before messages wait in its
            // session (and hold publishers back): small enough for latency, large enough to keep
            // the socket busy between flushes.
            .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                new WriteBufferWaterMark(64 * 1024, 256 * 1024))
            // One allocator for every connection (each gets its own handle from it), not one each.
            .childOption(ChannelOption.RCVBUF_ALLOCATOR, RECEIVE_BUFFER_SIZES)
            .childHandler(new MqttChannelInitializer(services, listener, mechanisms, tls));
        Channel ch = b.bind(listener.host(), listener.port()).syncUninterruptibly().channel();
        serverChannels.add(ch);
        String path = listener.protocol().webSocket() ? " path " + listener.websocketPath() : "";
        String engine = tls == null ? "" : ", TLS by " + tls.provider().name().toLowerCase(
            java.util.Locale.ROOT) + ", certificate " + TlsFiles.subject(tls.certificate());
        LOG.info("listener {} on {} ({}{}, {}{})", listener.name(), ch.localAddress(),
            listener.protocol().configName(), path,
            transport.name().toLowerCase(java.util.Locale.ROOT), engine);
      }
      LocalAddress local = localAddress;
      if (local != null) {
        bindLocal(local);
      }
      if (serveHttp && config.http().enabled()) {
        AdminApi api = new AdminApi(services, this::disconnectClient, history, prometheus);
        http = new AdminHttpServer(config.http(), api, transport).start();
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    return this;
  }

  /**
   * Loads a TLS listener's files and watches them for changes.
   *
   * @throws ConfigException naming the key at fault ({@code listeners[0].tls.key}) and the fix
   */
  private ReloadingSslContext tlsContext(ListenerConfig listener, int index) {
    String at = "listeners[" + index + "].tls";
    ReloadingSslContext tls;
    try {
      tls = new ReloadingSslContext(listener.name(), listener.tls());
    } catch (TlsFiles.Problem p) {
      throw new ConfigException("listener " + listener.name(), 0, 0, at + "." + p.key(),
          p.problem(), p.fix());
    } catch (IllegalStateException e) {
      throw new ConfigException("listener " + listener.name(), 0, 0, at, e.getMessage(),
          "check the files with openssl x509 -noout -text -in FILE");
    }
    tlsContexts.add(tls);
    tls.startWatching(java.util.Objects.requireNonNull(bossGroup).next());
    return tls;
  }

  /**
   * Serves the first listener's settings on Netty's local transport: the same initializer, so the
   * same pipeline, and the same child options except those only a socket has (TCP_NODELAY).
   * Local channels need an event loop whose I/O handler is the local one, so they get a group of
   * their own, as many threads as the TCP workers; a connection's session work runs on its
   * channel's loop whichever group that is.
   */
  private void bindLocal(LocalAddress address) {
    ListenerConfig first = config.listeners().get(0);
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(0, LocalIoHandler.newFactory());
    localGroup = group;
    ServerBootstrap b = new ServerBootstrap()
        .group(group)
        .channel(LocalServerChannel.class)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
            new WriteBufferWaterMark(64 * 1024, 256 * 1024))
        .childHandler(new MqttChannelInitializer(services, first, mechanisms));
    Channel ch = b.bind(address).syncUninterruptibly().channel();
    localServerChannel = ch;
    LOG.info("listener {} also on local address {} (in-JVM)", first.name(), ch.localAddress());
  }

  /**
   * The local-transport address the broker serves (see {@link Builder#localAddress}), or null when
   * it serves none.
   */
  public @Nullable LocalAddress localAddress() {
    Channel ch = localServerChannel;
    return ch == null ? null : (LocalAddress) ch.localAddress();
  }

  /** The port listener {@code index} is bound to (useful after asking for port 0). */
  public int port(int index) {
    return ((InetSocketAddress) serverChannels.get(index).localAddress()).getPort();
  }

  /** The port of the first listener. */
  public int port() {
    return port(0);
  }

  /** The address listener {@code index} is bound to. */
  public InetSocketAddress address(int index) {
    return (InetSocketAddress) serverChannels.get(index).localAddress();
  }

  public BrokerConfig config() {
    return config;
  }

  /** The address of the HTTP listener (admin API, /metrics, dashboard), or null when it is off. */
  public @Nullable InetSocketAddress httpAddress() {
    AdminHttpServer h = http;
    return h == null ? null : h.address();
  }

  /**
   * The port of the HTTP listener (useful after asking for port 0).
   *
   * @throws IllegalStateException when the broker serves no HTTP
   */
  public int httpPort() {
    InetSocketAddress a = httpAddress();
    if (a == null) {
      throw new IllegalStateException("no HTTP listener: ask for one with Builder.http()");
    }
    return a.getPort();
  }

  /** The registry {@code /metrics} shows: every meter of the broker, and the JVM's. */
  public PrometheusMeterRegistry prometheusRegistry() {
    return prometheus;
  }

  /** The {@code $SYS} topics, for tests and tools that want them at once. */
  public SysTopics sysTopics() {
    return sysTopics;
  }

  /** Sessions, routing, retained messages and metrics: for the admin API and tests. */
  public BrokerServices services() {
    return services;
  }

  /** Where the broker keeps its state: memory, or RocksDB in a data directory. */
  public Storage storage() {
    return storage;
  }

  /**
   * Disconnects a connected client at an administrator's request: an MQTT 5 client gets
   * DISCONNECT 0x98 (Administrative action), an MQTT 3.x client is closed. It is a server-side
   * disconnect, not the client's DISCONNECT, so its will is published (after its Will Delay
   * Interval, in MQTT 5), and its session is kept or ended as its expiry interval says; the
   * client may connect again. Returns at once; the connection closes on its own thread.
   *
   * @return whether a connection held this client identifier; false when none is connected
   */
  public boolean disconnectClient(String clientId) {
    Session session = services.sessions().get(clientId);
    Outbound holder = session == null ? null : session.claimedBy();
    return holder instanceof MqttConnection connection && connection.disconnectByAdministrator();
  }

  /**
   * Disconnects every client, stops, and closes the store (its writes synced). Safe to call more
   * than once, and on a broker never started.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    AdminHttpServer h = http;
    if (h != null) {
      h.close();
    }
    OfflinePushWebhook hook = webhook;
    if (hook != null) {
      hook.close();
    }
    gcMetrics.close();
    security.close();
    if (!config.mqtt().serverReference().isEmpty()) {
      LOG.info("stopping: MQTT 5 clients are sent to {} ({})", config.mqtt().serverReference(),
          config.mqtt().serverMoved() ? "server moved, 0x9D" : "use another server, 0x9C");
    }
    for (Channel ch : serverChannels) {
      ch.close().syncUninterruptibly();
    }
    for (ReloadingSslContext tls : tlsContexts) {
      tls.close();
    }
    Channel local = localServerChannel;
    if (local != null) {
      local.close().syncUninterruptibly();
    }
    for (Channel ch : services.channels()) {
      MqttConnection c = (MqttConnection) ch.pipeline().get(PipelineNames.CONNECTION);
      if (c != null) {
        c.shutdown();
      } else {
        ch.close();
      }
    }
    services.channels().newCloseFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
    services.channels().close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    for (EventLoopGroup g : new EventLoopGroup[] {bossGroup, workerGroup, localGroup}) {
      if (g != null) {
        g.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
      }
    }
    storage.close(); // last: the event loops hand it their final writes
    LOG.info("broker stopped");
  }

  /**
   * Reads the password and ACL files again ({@code midge broker} does on SIGHUP); a file that
   * cannot be used keeps the rules read before, and the problem is logged with its line and fix.
   * Connected clients stay connected; what they do next is judged by the new rules.
   *
   * @return whether every file was read
   */
  public boolean reloadSecurity() {
    return security.reload();
  }

  /** Builds a {@link MidgeBroker}. */
  public static final class Builder {
    private BrokerConfig config = BrokerConfig.defaults();
    private @Nullable Integer port;
    private @Nullable String host;
    private @Nullable MeterRegistry meters;
    private boolean serveHttp;
    private @Nullable Integer httpPort;
    private @Nullable Path dataDir;
    private boolean dataDirSet;
    private Clock clock = Clock.systemUTC();
    private @Nullable LocalAddress localAddress;
    private final List<AuthenticationMechanism> mechanisms = new ArrayList<>();
    private final List<PasswordAuthenticator> authenticators = new ArrayList<>();
    private @Nullable Authorizer authorizer;
    private FailureDelay failureDelay = new FailureDelay();

    private Builder() {}

    /**
     * Checks the user name and password of clients (without an MQTT 5 Authentication Method)
     * with this authenticator too: asked after {@code auth.password-file} and before {@code
     * auth.http.url}, in the order added. Listeners whose {@code allow-anonymous} is {@code auto}
     * then refuse clients without a user name.
     */
    public Builder passwordAuthenticator(PasswordAuthenticator authenticator) {
      authenticators.add(Objects.requireNonNull(authenticator));
      return this;
    }

    /** Decides what clients may publish, subscribe to and receive, instead of auth.acl-file. */
    public Builder authorizer(Authorizer authorizer) {
      this.authorizer = Objects.requireNonNull(authorizer);
      return this;
    }

    /** How failed authentications are slowed down per source address; for tests. */
    public Builder failureDelay(FailureDelay delay) {
      this.failureDelay = Objects.requireNonNull(delay);
      return this;
    }

    /** The whole configuration. */
    public Builder config(BrokerConfig config) {
      this.config = Objects.requireNonNull(config);
      return this;
    }

    /** Overrides the first listener's port; 0 picks a free one. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** Overrides the first listener's bind address. */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /**
     * Keeps the broker's state in RocksDB in {@code dir} (created if missing), overriding the
     * configuration's storage; null keeps it in memory. Without this, the configuration decides:
     * {@link BrokerConfig#defaults()} keeps it in memory.
     */
    public Builder dataDir(@Nullable Path dir) {
      this.dataDir = dir;
      this.dataDirSet = true;
      return this;
    }

    /**
     * A registry the broker's meters go to as well as to its own Prometheus registry (which
     * {@code /metrics} shows); give a {@link io.micrometer.prometheusmetrics.PrometheusMeterRegistry}
     * to have it used as that one. None by default.
     */
    public Builder meterRegistry(MeterRegistry meters) {
      this.meters = Objects.requireNonNull(meters);
      return this;
    }

    /**
     * The listeners the broker will have: the configuration's, with {@link #host} and {@link
     * #port} applied to the first. Opens nothing.
     */
    public List<ListenerConfig> listeners() {
      List<ListenerConfig> listeners = new ArrayList<>(config.listeners());
      ListenerConfig first = listeners.get(0);
      if (port != null) {
        first = first.withPort(port);
      }
      if (host != null) {
        first = first.withHost(host);
      }
      listeners.set(0, first);
      return List.copyOf(listeners);
    }

    /**
     * The wall clock against which MQTT 5 Message Expiry Intervals are counted: a message's
     * deadline is set from it on receipt and checked against it before delivery. The system clock
     * by default; tests pass one they can move forward. The deadlines a data directory keeps
     * (session expiry, will delay) are set and, after a restart, checked against it too; the
     * timers themselves (keep alive, session expiry, will delay) run on the event loops' own
     * time.
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    /**
     * Lets MQTT 5 clients authenticate with this mechanism: a CONNECT whose Authentication Method
     * is {@link AuthenticationMechanism#method()} is authenticated by it, and so are the client's
     * re-authentications (MQTT 5 §4.12). Call once per mechanism; one mechanism per method.
     *
     * <pre>{@code
     * ScramCredentialStore users = ScramCredentialStore.of(Map.of(
     *     "alice", ScramCredentials.fromPassword("correct horse battery staple")));
     * MidgeBroker.builder().enhancedAuthentication(new ScramSha256Mechanism(users)).build();
     * }</pre>
     *
     * <p>Clients that name no Authentication Method are not affected.
     */
    public Builder enhancedAuthentication(AuthenticationMechanism mechanism) {
      mechanisms.add(Objects.requireNonNull(mechanism));
      return this;
    }

    /**
     * Opens the HTTP listener of the admin API, {@code /metrics} and the dashboard, as the config's
     * {@code http} section says (127.0.0.1:18080 by default), unless {@code http.enabled} is
     * false. An embedded broker has none unless asked, so that programs and tests embedding
     * brokers do not compete for one port; {@code midge broker} asks.
     */
    public Builder http() {
      this.serveHttp = true;
      return this;
    }

    /**
     * {@link #http()} on this port instead of the config's; 0 picks a free one ({@link
     * MidgeBroker#httpPort()} tells which).
     */
    public Builder httpPort(int port) {
      this.serveHttp = true;
      this.httpPort = port;
      return this;
    }

    /**
     * Serves the first listener's settings also on Netty's in-JVM local transport at {@code
     * address}, besides TCP: clients in the same JVM connect a {@code LocalChannel} to it and speak
     * MQTT through exactly the pipeline a TCP connection has. Meant for tests and benchmarks that
     * need more connections than a process may open sockets. None by default.
     */
    public Builder localAddress(LocalAddress address) {
      this.localAddress = Objects.requireNonNull(address);
      return this;
    }

    /**
     * The broker, not started; with a data directory, its store is open.
     *
     * @throws StorageException when the data directory cannot be used, saying why and the fix
     * @throws IllegalArgumentException when two mechanisms serve the same Authentication Method
     * @throws dev.midge.broker.auth.AuthFileException when the password or ACL file cannot be
     *     used
     */
    public MidgeBroker build() {
      BrokerConfig c = config.withListeners(listeners());
      if (dataDirSet) {
        c = c.withStorage(c.storage().withDataDir(dataDir));
      }
      if (httpPort != null) {
        c = c.withHttp(c.http().withPort(httpPort));
      }
      BrokerSecurity security = BrokerSecurity.create(c.auth(), authenticators, authorizer,
          failureDelay);
      return new MidgeBroker(c, meters, clock, AuthenticationMechanisms.of(mechanisms),
          serveHttp, security, localAddress);
    }
  }
}
