package dev.midge.broker;

import dev.midge.broker.connection.BrokerServices;
import dev.midge.broker.session.Session;
import dev.midge.broker.session.SessionState;
import dev.midge.broker.session.StoredSubscription;
import dev.midge.broker.store.Storage;
import io.netty.channel.EventLoopGroup;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up recovery: rebuilds the broker from what its store held when it stopped, before the
 * first listener opens. Persistent sessions come back offline, spread over the event loops, with
 * their subscriptions routed again, their queues, in-flight messages and inbound QoS 2 packet
 * identifiers; delayed wills wait out what is left of their delay; a session whose expiry passed
 * while the broker was down is ended now (its delayed wills go out, as at any session's end,
 * MQTT-3.1.2-8), and the others get their expiry timers for the time left. A session that was
 * online when the broker stopped is offline from now on, its expiry counted from now. A session
 * stored with a longer expiry interval than {@code sessions.max-expiry-interval} now allows gets
 * the allowed one. Retained
 * messages whose Message Expiry Interval ran out while the broker was down are removed; a queued
 * message whose deadline passed is dropped when it comes up for delivery, as it would have been
 * (deadlines are absolute, on the broker's clock). One INFO line reports what came back and how
 * long it took.
 *
 * <p>Runs once, on the thread that starts the broker.
 */
final class BrokerRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(BrokerRecovery.class);

  private BrokerRecovery() {}

  static void run(BrokerServices services, EventLoopGroup loops) {
    Storage storage = services.storage();
    if (!storage.isDurable()) {
      return;
    }
    long started = System.nanoTime();
    Storage.Recovered recovered = storage.recover();
    long now = services.clock().millis();
    // MQTT 5 §3.3.1.3: a retained message whose deadline has passed is discarded.
    int expiredRetained = services.retained().removeExpired(now);
    Map<SessionState, Session> byState = new IdentityHashMap<>();
    long queued = 0;
    long inflight = 0;
    for (Storage.RecoveredSession r : recovered.sessions()) {
      Session session = services.restoredSession(r, loops.next());
      services.sessions().restore(session);
      for (StoredSubscription s : r.subscriptions()) {
        services.router().subscribe(session, s); // shared ones join their groups again
      }
      byState.put(r.state(), session);
      queued += r.state().queuedCount();
      inflight += r.state().inflightCount();
    }
    int wills = 0;
    for (Storage.RecoveredWill w : recovered.wills()) {
      Session session = byState.get(w.session());
      if (session == null) {
        throw new IllegalStateException("a recovered will without its session: " + w.clientId());
      }
      services.wills().restore(w.clientId(), session, w.message(), w.publishAt() - now,
          loops.next(), w.id());
      wills++;
    }
    int expired = 0;
    long maxExpiry = services.config().sessions().maxExpiryInterval();
    for (Storage.RecoveredSession r : recovered.sessions()) {
      Session session = byState.get(r.state());
      long interval = r.expiryInterval();
      long expiresAt = r.expiresAt();
      if (interval > maxExpiry) {
        // sessions.max-expiry-interval was lowered since the session was stored: it holds for
        // stored sessions as for new ones, counted from when the session went offline (from now
        // for one that never expired, or was online, whose offline time is not known).
        expiresAt = expiresAt == 0 || interval == Session.NEVER_EXPIRES
            ? 0 : expiresAt - TimeUnit.SECONDS.toMillis(interval - maxExpiry);
        interval = maxExpiry;
        session.expiryInterval(interval);
      }
      boolean ended = interval == 0 || (expiresAt != 0 && expiresAt <= now);
      if (ended) {
        // MQTT 5 §3.1.2.11.2: its expiry passed while the broker was down.
        if (services.sessions().expire(session, services.sessions().offlineEpoch(session))) {
          services.endSession(session);
          expired++;
        }
      } else {
        long delay = expiresAt == 0
            ? TimeUnit.SECONDS.toMillis(interval) // online when the broker stopped
            : expiresAt - now;
        services.sessionOffline(session, delay);
      }
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    if (recovered.sessions().isEmpty() && recovered.retained() == 0
        && recovered.discarded() == 0) {
      LOG.info("state kept in {}: nothing stored yet", storage.describe());
      return;
    }
    LOG.info("recovered from {} in {} ms: {} sessions ({} queued and {} in-flight messages),"
            + " {} retained messages, {} delayed wills; {} sessions had expired and were ended{}{}",
        storage.describe(), millis, recovered.sessions().size() - expired, queued, inflight,
        recovered.retained() - expiredRetained, wills, expired,
        expiredRetained == 0 ? ""
            : "; " + expiredRetained + " retained messages had expired and were removed",
        recovered.discarded() == 0 ? ""
            : "; " + recovered.discarded() + " records of sessions already gone were removed");
  }
}
