package dev.midge.broker.connection;

import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.metrics.BrokerMetrics;
import dev.midge.broker.retain.RetainedStore;
import dev.midge.broker.routing.SubscriptionRouter;
import dev.midge.broker.session.Session;
import dev.midge.broker.session.SessionRegistry;
import dev.midge.broker.session.SessionStore;
import dev.midge.codec.packet.Publish;
import io.netty.channel.group.ChannelGroup;
import io.netty.util.concurrent.EventExecutor;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every connection of a broker shares: configuration, sessions, routing, retained messages,
 * metrics and the group of open channels. Thread-safe.
 */
public final class BrokerServices {
  private final BrokerConfig config;
  private final SessionRegistry sessions;
  private final SessionStore store;
  private final SubscriptionRouter router;
  private final RetainedStore retained;
  private final BrokerMetrics metrics;
  private final ChannelGroup channels;
  private final String clientIdPrefix;
  private final AtomicLong clientIdSequence = new AtomicLong();

  public BrokerServices(
      BrokerConfig config,
      SessionRegistry sessions,
      SessionStore store,
      SubscriptionRouter router,
      RetainedStore retained,
      BrokerMetrics metrics,
      ChannelGroup channels) {
    this.config = config;
    this.sessions = sessions;
    this.store = store;
    this.router = router;
    this.retained = retained;
    this.metrics = metrics;
    this.channels = channels;
    byte[] random = new byte[4];
    new SecureRandom().nextBytes(random);
    this.clientIdPrefix = "midge-" + HexFormat.of().formatHex(random) + "-";
  }

  public BrokerConfig config() {
    return config;
  }

  public SessionRegistry sessions() {
    return sessions;
  }

  /** A new, empty session whose state lives in the session store. */
  public Session newSession(String clientId, EventExecutor owner, boolean persistent) {
    return new Session(clientId, owner, persistent, config.sessions(), metrics,
        store.create(clientId));
  }

  /**
   * Ends a session: removes its subscriptions from routing, drops its messages, and forgets its
   * state in the store. Any thread.
   */
  public void endSession(Session session) {
    router.unsubscribeAll(session);
    session.discard();
    store.remove(session.clientId(), session.state());
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

  /**
   * A client identifier for a client that sent none (MQTT-3.1.3-6): unique for this broker's life
   * and, by its random part, unlikely to clash with one a client chose.
   */
  public String newClientId() {
    return clientIdPrefix + clientIdSequence.incrementAndGet();
  }

  /**
   * Publishes an application message from a client: keeps it as retained if it says so, then
   * routes it to the matching subscriptions.
   *
   * @return the number of sessions it went to
   */
  public int publish(Publish message, String publisherClientId) {
    if (message.retain()) {
      retained.retain(message);
    }
    return router.route(message, publisherClientId);
  }
}
