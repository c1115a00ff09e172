package dev.midge.broker.connection;

import dev.midge.broker.auth.BrokerSecurity;
import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.ListenerConfig;
import dev.midge.broker.metrics.BrokerMetrics;
import dev.midge.broker.metrics.DisconnectCause;
import dev.midge.broker.retain.RetainedStore;
import dev.midge.broker.routing.SubscriptionRouter;
import dev.midge.broker.session.MessageExpiry;
import dev.midge.broker.session.Session;
import dev.midge.broker.session.SessionListener;
import dev.midge.broker.session.SessionRegistry;
import dev.midge.broker.session.SessionStore;
import dev.midge.broker.store.Storage;
import dev.midge.broker.will.PendingWills;
import dev.midge.codec.packet.Publish;
import io.netty.channel.group.ChannelGroup;
import io.netty.util.concurrent.EventExecutor;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every connection of a broker shares: configuration, sessions, storage, routing, retained
 * messages, metrics, the group of open channels, and the wall clock that stored deadlines are set
 * and checked against (MQTT 5 Message Expiry Interval, session expiry, will delay). Thread-safe.
 */
public final class BrokerServices {
  private static final Logger LOG = LoggerFactory.getLogger(BrokerServices.class);
  /** The least time between two WARN lines about one capacity limit. */
  private static final Duration BURST_LOG_INTERVAL = Duration.ofSeconds(10);

  private final BrokerConfig config;
  private final SessionRegistry sessions;
  private final Storage storage;
  private final SessionStore store;
  private final Clock clock;
  private final SubscriptionRouter router;
  private final RetainedStore retained;
  private final BrokerMetrics metrics;
  private final ChannelGroup channels;
  private final String clientIdPrefix;
  private final AtomicLong clientIdSequence = new AtomicLong();
  private final PendingWills wills;
  private final ConnectionLimit connectionLimit;
  private final BurstLog connectionsFull =
      new BurstLog(LOG, BURST_LOG_INTERVAL, System::nanoTime);
  private final BurstLog retainedFull = new BurstLog(LOG, BURST_LOG_INTERVAL, System::nanoTime);
  /** listeners[].max-connections, by listener name; listeners without one have none here. */
  private final ConcurrentHashMap<String, ConnectionLimit> listenerLimits =
      new ConcurrentHashMap<>();
  private final BurstLog listenerFull = new BurstLog(LOG, BURST_LOG_INTERVAL, System::nanoTime);
  private final ConnectRateLimit connectRate;
  private final BurstLog connectRateExceeded =
      new BurstLog(LOG, BURST_LOG_INTERVAL, System::nanoTime);
  private final BurstLog publishRateExceeded =
      new BurstLog(LOG, BURST_LOG_INTERVAL, System::nanoTime);
  private final BurstLog subscriptionsFull =
      new BurstLog(LOG, BURST_LOG_INTERVAL, System::nanoTime);
  private final ConnectedClients connectedClients = new ConnectedClients();
  private final CopyOnWriteArrayList<ConnectionListener> connectionListeners =
      new CopyOnWriteArrayList<>();
  private final ConnectionListener connectionEvents = new ConnectionEvents();
  private final CopyOnWriteArrayList<SessionListener> sessionListeners =
      new CopyOnWriteArrayList<>();
  private final SessionListener sessionEvents = new SessionEvents();
  private final BrokerSecurity security;

  /**
   * @param storage where sessions' state, retained messages and delayed wills live
   * @param clock the wall clock of stored deadlines (message expiry, session expiry, will delay):
   *     an absolute deadline survives a restart in a durable store, which a monotonic ticker's
   *     reading would not
   */
  public BrokerServices(
      BrokerConfig config,
      SessionRegistry sessions,
      Storage storage,
      SubscriptionRouter router,
      BrokerMetrics metrics,
      ChannelGroup channels,
      Clock clock) {
    this(config, sessions, storage, router, metrics, channels, clock, BrokerSecurity.open());
  }

  /**
   * As above, with authentication and authorisation: the router is given the security's
   * authorizer, whose read rules it applies to every copy it routes.
   */
  public BrokerServices(
      BrokerConfig config,
      SessionRegistry sessions,
      Storage storage,
      SubscriptionRouter router,
      BrokerMetrics metrics,
      ChannelGroup channels,
      Clock clock,
      BrokerSecurity security) {
    this.security = security;
    router.authorizer(security.authorizer(), () -> metrics.aclDenied("deliver"));
    this.config = config;
    this.sessions = sessions;
    this.storage = storage;
    this.store = storage.sessions();
    this.clock = clock;
    this.router = router;
    this.retained = storage.retained();
    this.metrics = metrics;
    this.channels = channels;
    byte[] random = new byte[4];
    new SecureRandom().nextBytes(random);
    this.clientIdPrefix = "midge-" + HexFormat.of().formatHex(random) + "-";
    this.wills = new PendingWills(this::publish, storage.wills(), clock);
    this.connectionLimit = new ConnectionLimit(config.limits().maxConnections());
    for (ListenerConfig l : config.listeners()) {
      if (l.maxConnections() > 0) {
        listenerLimits.put(l.name(), new ConnectionLimit(l.maxConnections()));
      }
    }
    this.connectRate = new ConnectRateLimit(config.limits().connectRatePerAddress(),
        config.limits().effectiveConnectBurst(), System::nanoTime);
  }

  public BrokerConfig config() {
    return config;
  }

  public SessionRegistry sessions() {
    return sessions;
  }

  /** Where state lives: memory or disk. */
  public Storage storage() {
    return storage;
  }

  /** The wall clock of stored deadlines: message expiry, session expiry, will delay. */
  public Clock clock() {
    return clock;
  }

  /** Wills waiting out their will delay. */
  public PendingWills wills() {
    return wills;
  }

  /**
   * A new, empty session whose state lives in the session store.
   *
   * @param expiryInterval seconds it outlives its connection, see {@link Session#expiryInterval()}
   */
  public Session newSession(String clientId, EventExecutor owner, long expiryInterval) {
    return new Session(clientId, owner, expiryInterval, config.sessions(), sessionEvents,
        store.create(clientId), storage, clock);
  }

  /**
   * A session recovered from the store at start-up, with its state as loaded.
   *
   * @param owner the event loop it is to live on until a connection takes it
   */
  public Session restoredSession(Storage.RecoveredSession recovered, EventExecutor owner) {
    return new Session(recovered.clientId(), owner, recovered.expiryInterval(), config.sessions(),
        sessionEvents, recovered.state(), storage, clock);
  }

  /**
   * The session's connection ended and the registry kept it offline ({@link
   * SessionRegistry.Release#OFFLINE}): records its expiry deadline in the store and arms its
   * expiry timer, one task on its owner's event loop, which ends the session after its expiry
   * interval unless a connection claims it first (MQTT 5 §3.1.2.11.2, §4.1). Sessions that never
   * expire (0xFFFFFFFF, and every 3.x session with clean session 0) get no timer. Messages it
   * holds for shared subscriptions go to connected members of their groups ({@link
   * SubscriptionRouter#sessionOffline}). Any thread.
   */
  public void sessionOffline(Session session) {
    router.sessionOffline(session);
    long interval = session.expiryInterval();
    sessionOffline(session, interval == Session.NEVER_EXPIRES ? 0 : interval * 1000);
  }

  /**
   * As {@link #sessionOffline(Session)}, with the time left before the session expires: for a
   * session recovered at start-up, part of whose offline time passed before. Any thread.
   *
   * @param delayMillis milliseconds until it expires; ignored for one that never expires
   */
  public void sessionOffline(Session session, long delayMillis) {
    long interval = session.expiryInterval();
    if (interval == 0) {
      return;
    }
    long epoch = sessions.offlineEpoch(session);
    if (epoch == 0) {
      return; // claimed again already
    }
    boolean never = interval == Session.NEVER_EXPIRES;
    long expiresAt = never ? 0 : clock.millis() + delayMillis;
    session.execute(() -> {
      if (sessions.offlineEpoch(session) == epoch) {
        session.state().lifetime(interval, expiresAt); // kept for a restart
      }
    });
    if (never) {
      return;
    }
    session.expiryTimer(session.schedule(() -> {
      if (sessions.expire(session, epoch)) {
        LOG.debug("client {}: session expired after {} s offline", session.clientId(), interval);
        endSession(session);
      }
    }, Math.max(0, delayMillis), TimeUnit.MILLISECONDS));
  }

  /**
   * Ends a session: publishes the wills waiting on it (MQTT-3.1.2-8 in 5.0: the earlier of the
   * will delay and the session's end), removes its subscriptions from routing (handing what it
   * held for shared subscriptions to other members), drops its messages, and forgets its state in
   * the store. Any thread.
   */
  public void endSession(Session session) {
    wills.sessionEnded(session);
    router.unsubscribeAll(session);
    session.discard();
    store.remove(session.clientId(), session.state());
  }

  /** Authentication (password file, HTTP service) and authorisation (ACL). */
  public BrokerSecurity security() {
    return security;
  }

  public SubscriptionRouter router() {
    return router;
  }

  public RetainedStore retained() {
    return retained;
  }

  public BrokerMetrics metrics() {
    return metrics;
  }

  public ChannelGroup channels() {
    return channels;
  }

  /** The connected clients, by client identifier: what the admin API lists. */
  public ConnectedClients connectedClients() {
    return connectedClients;
  }

  /**
   * Adds a listener told of every accepted connection and its end ({@code $SYS} client events).
   * Add listeners before the broker starts; they are called on connections' event loops.
   */
  public void addConnectionListener(ConnectionListener listener) {
    connectionListeners.add(listener);
  }

  /** What connections report to: every listener added with {@link #addConnectionListener}. */
  ConnectionListener connectionListeners() {
    return connectionEvents;
  }

  /**
   * Adds a listener told what sessions do, besides the metrics (the offline-push webhook). Add
   * listeners before the broker starts; they are called on sessions' event loops.
   */
  public void addSessionListener(SessionListener listener) {
    sessionListeners.add(listener);
  }

  /** Dispatches to every connection listener; one that throws does not stop the others. */
  private final class ConnectionEvents implements ConnectionListener {
    @Override
    public void clientConnected(ClientEvent client) {
      for (ConnectionListener l : connectionListeners) {
        try {
          l.clientConnected(client);
        } catch (RuntimeException e) {
          LOG.warn("client {}: connection listener {} failed", client.clientId(), l, e);
        }
      }
    }

    @Override
    public void clientDisconnected(ClientEvent client, DisconnectCause cause) {
      for (ConnectionListener l : connectionListeners) {
        try {
          l.clientDisconnected(client, cause);
        } catch (RuntimeException e) {
          LOG.warn("client {}: connection listener {} failed", client.clientId(), l, e);
        }
      }
    }
  }

  /** The metrics first, then every session listener added; one that throws stops no other. */
  private final class SessionEvents implements SessionListener {
    @Override
    public void messageSent(int qos) {
      metrics.messageSent(qos);
      for (SessionListener l : sessionListeners) {
        l.messageSent(qos);
      }
    }

    @Override
    public void messageDropped(String clientId, String cause) {
      metrics.messageDropped(clientId, cause);
      for (SessionListener l : sessionListeners) {
        l.messageDropped(clientId, cause);
      }
    }

    @Override
    public void messageQueuedOffline(String clientId, Publish message) {
      metrics.messageQueuedOffline(clientId, message);
      for (SessionListener l : sessionListeners) {
        try {
          l.messageQueuedOffline(clientId, message);
        } catch (RuntimeException e) {
          LOG.warn("client {}: session listener {} failed", clientId, l, e);
        }
      }
    }
  }

  /**
   * A client identifier for a client that sent none (MQTT-3.1.3-6): unique for this broker's life
   * and, by its random part, unlikely to clash with one a client chose.
   */
  public String newClientId() {
    return clientIdPrefix + clientIdSequence.incrementAndGet();
  }

  /**
   * Publishes an application message, a will: gives it its deadline from its Message Expiry
   * Interval, counted from now (for a will, from when it is published: MQTT 5 §3.1.3.2.4), keeps
   * it as retained if it says so (within {@code limits.max-retained-messages}; see {@link
   * #retain}), then routes it to the matching subscriptions. A client's PUBLISH goes through
   * {@link #deadline}, {@link #retain} and {@link #route} instead, so that a refused retained
   * message is answered and not routed.
   *
   * @return the number of sessions it went to
   */
  public int publish(Publish message, String publisherClientId) {
    long expiresAt = MessageExpiry.deadline(message, clock.millis());
    if (message.retain()) {
      retain(message, expiresAt, publisherClientId);
    }
    return router.route(message, expiresAt, publisherClientId);
  }

  /**
   * The deadline of a message received now, from its Message Expiry Interval (epoch ms on the
   * broker's clock), or {@link MessageExpiry#NEVER}. Any thread.
   */
  public long deadline(Publish message) {
    return MessageExpiry.deadline(message, clock.millis());
  }

  /**
   * Forgets the retained messages that have expired (MQTT 5 §3.3.1.3). Called periodically by the
   * broker; lookups skip expired messages in between. Any thread.
   */
  public void removeExpiredRetained() {
    int n = retained.removeExpired(clock.millis());
    if (n > 0) {
      LOG.debug("{} expired retained messages removed", n);
    }
  }

  /**
   * Keeps a retained message (or deletes one, for an empty payload) within {@code
   * limits.max-retained-messages}. A message for a new topic when the store is full is refused:
   * counted in {@code midge.limits.reached{limit="max-retained-messages"}}, logged at DEBUG with the
   * client and at WARN once per burst; the caller tells the client (MQTT 5) or drops the message
   * (MQTT 3.x). A will refused here is still routed by {@link #publish}, just not kept. Any thread.
   *
   * @return whether the message was kept
   */
  public boolean retain(Publish message, long expiresAt, String publisherClientId) {
    int max = config.limits().maxRetainedMessages();
    if (retained.retain(message, expiresAt, max)) {
      return true;
    }
    metrics.limitReached("max-retained-messages");
    LOG.debug("client {}: retained message for {} not kept: the store holds {} messages"
        + " (limits.max-retained-messages)", publisherClientId, message.topic(), max);
    retainedFull.warn("retained store full (limits.max-retained-messages {}): retained messages"
        + " for new topics are refused", max);
    return false;
  }

  /**
   * Sends a message to the matching subscriptions, without touching the retained store: for a
   * client's PUBLISH once {@link #retain} has kept it. Returns the number of sessions it went to.
   */
  public int route(Publish message, long expiresAt, String publisherClientId) {
    return router.route(message, expiresAt, publisherClientId);
  }

  /** The broker-wide bound on connected clients ({@code limits.max-connections}). */
  public ConnectionLimit connectionLimit() {
    return connectionLimit;
  }

  /**
   * A CONNECT was refused because {@code limits.max-connections} clients are connected: counts it
   * in {@code midge.limits.reached{limit="max-connections"}} and logs it at WARN once per burst.
   */
  void connectionLimitReached() {
    metrics.limitReached("max-connections");
    connectionsFull.warn("connection limit reached (limits.max-connections {}): new clients are"
        + " refused with server busy", connectionLimit.maximum());
  }

  /**
   * The bound on clients connected through {@code listener} ({@code listeners[].max-connections}),
   * or null when it has none of its own.
   */
  public @Nullable ConnectionLimit listenerConnectionLimit(ListenerConfig listener) {
    return listenerLimits.get(listener.name());
  }

  /**
   * A CONNECT was refused because its listener's {@code max-connections} clients are connected:
   * counted in {@code midge.limits.reached{limit="listener-max-connections"}}, logged at WARN once
   * per burst (over all listeners).
   */
  void listenerConnectionLimitReached(ListenerConfig listener, int maximum) {
    metrics.limitReached("listener-max-connections");
    listenerFull.warn("connection limit of listener {} reached (listeners[].max-connections {}):"
        + " new clients on it are refused with server busy", listener.name(), maximum);
  }

  /** limits.connect-rate-per-address: checked as each TCP connection is accepted. */
  public ConnectRateLimit connectRate() {
    return connectRate;
  }

  /**
   * A new TCP connection from {@code address} was closed beyond {@code
   * limits.connect-rate-per-address}: counted in {@code
   * midge.limits.reached{limit="connect-rate-per-address"}}, logged at DEBUG and at WARN once per
   * burst.
   */
  public void connectRateExceeded(Object address) {
    metrics.limitReached("connect-rate-per-address");
    LOG.debug("connection from {} closed: more than {} per second from its address"
        + " (limits.connect-rate-per-address)", address, connectRate.ratePerSecond());
    connectRateExceeded.warn("connection rate limit reached (limits.connect-rate-per-address {}"
        + " per second), last from {}: its new connections are closed at once",
        connectRate.ratePerSecond(), address);
  }

  /**
   * A connection went beyond {@code limits.publish-rate-per-client} and stops reading until the
   * rate allows its next PUBLISH: counted in {@code
   * midge.limits.reached{limit="publish-rate-per-client"}}, logged at WARN once per burst.
   */
  void publishRateExceeded(String clientId, Object address) {
    metrics.limitReached("publish-rate-per-client");
    publishRateExceeded.warn("publish rate limit reached (limits.publish-rate-per-client {} per"
        + " second), last by client {} ({}): such clients are read more slowly",
        config.limits().publishRatePerClient(), clientId, address);
  }

  /**
   * A SUBSCRIBE filter was refused beyond {@code limits.max-subscriptions-per-client}: counted in
   * {@code midge.limits.reached{limit="max-subscriptions-per-client"}}, logged at WARN once per
   * burst.
   */
  void subscriptionLimitReached(String clientId, Object address) {
    metrics.limitReached("max-subscriptions-per-client");
    subscriptionsFull.warn("subscription limit reached (limits.max-subscriptions-per-client {}),"
        + " last by client {} ({}): new filters get quota exceeded",
        config.limits().maxSubscriptionsPerClient(), clientId, address);
  }
}
