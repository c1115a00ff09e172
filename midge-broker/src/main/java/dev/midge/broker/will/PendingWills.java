package dev.midge.broker.will;

import dev.midge.broker.session.Session;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Will;
import dev.midge.codec.property.Properties;
import dev.midge.codec.property.PropertyId;
import io.netty.util.concurrent.EventExecutor;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wills waiting out their MQTT 5 Will Delay Interval (§3.1.3.2.2): after a connection ends
 * abnormally, its will is published when the delay has passed or when its session ends, whichever
 * comes first (MQTT-3.1.2-8), and not at all if a new connection resumes the session before then
 * (MQTT-3.1.3-9). A connection that starts a new session instead (clean start 1) ends the old one,
 * so the old will goes out at once.
 *
 * <pre>{@code
 * Pending p = wills.schedule(clientId, session, will, delaySeconds, channel.eventLoop());
 * // a CONNECT resuming the session:     wills.cancel(session)
 * // the session ends (expiry, replaced): wills.sessionEnded(session)
 * }</pre>
 *
 * <p>One timer per pending will, on the event loop given (that of the connection that ended), no
 * sweep. Every way out — the timer, {@link #cancel}, {@link #sessionEnded} — first removes the
 * will from the map atomically, and only the one that removed it acts, so a will is published at
 * most once however the three race.
 *
 * <p>Each held will is also kept in a {@link WillStore}, so that a broker restarted before its
 * delay ends publishes it when the delay ends ({@link #restore}), or at once if it ended while the
 * broker was down.
 *
 * <p>Thread-safe. One instance per broker.
 */
public final class PendingWills {
  private static final Logger LOG = LoggerFactory.getLogger(PendingWills.class);

  private final ConcurrentHashMap<String, List<Pending>> byClientId = new ConcurrentHashMap<>();
  private final BiConsumer<Publish, String> publisher;
  private final WillStore store;
  private final Clock clock;

  /**
   * Wills held in memory only.
   *
   * @param publisher publishes a will as an application message of the client id given: retained
   *     if it says so, then routed. Called on any thread.
   */
  public PendingWills(BiConsumer<Publish, String> publisher) {
    this(publisher, WillStore.NONE, Clock.systemUTC());
  }

  /**
   * @param publisher publishes a will as an application message of the client id given: retained
   *     if it says so, then routed. Called on any thread.
   * @param store where held wills are also kept, to outlive the process
   * @param clock the wall clock of the kept deadlines
   */
  public PendingWills(BiConsumer<Publish, String> publisher, WillStore store, Clock clock) {
    this.publisher = publisher;
    this.store = store;
    this.clock = clock;
  }

  /** A will waiting out its delay. */
  public static final class Pending {
    private final String clientId;
    private final Session session;
    private final Publish message;
    private volatile @Nullable ScheduledFuture<?> timer;
    /** Its identifier in the will store; 0 when not kept there. */
    private volatile long storeId;

    private Pending(String clientId, Session session, Publish message) {
      this.clientId = clientId;
      this.session = session;
      this.message = message;
    }

    public String clientId() {
      return clientId;
    }

    public Session session() {
      return session;
    }

    @Override
    public String toString() {
      return "PendingWill[" + clientId + " -> " + message.topic() + "]";
    }
  }

  /**
   * The will as the message to publish: its topic, payload, QoS, retain flag and properties,
   * without the Will Delay Interval, which is not a PUBLISH property.
   */
  public static Publish message(Will will) {
    Properties props = will.properties();
    if (props.has(PropertyId.WILL_DELAY_INTERVAL)) {
      props = props.toBuilder().set(PropertyId.WILL_DELAY_INTERVAL, null).build();
    }
    return new Publish(will.topic(), will.qos(), will.retain(), false, 0, will.payload(), props);
  }

  /** The will's delay in seconds: its Will Delay Interval, 0 when absent. */
  public static long delay(Will will) {
    Long d = will.properties().willDelayInterval();
    return d == null ? 0 : d;
  }

  /** Publishes a will now. Any thread. */
  public void publishNow(String clientId, Will will) {
    LOG.debug("client {}: publishing will to {}", clientId, will.topic());
    publisher.accept(message(will), clientId);
  }

  /**
   * Holds {@code will} of the connection of {@code clientId} that just ended, to be published on
   * {@code loop} after {@code delaySeconds} unless its session is resumed or ends first. Any
   * thread.
   */
  public Pending schedule(String clientId, Session session, Will will, long delaySeconds,
      EventExecutor loop) {
    Publish message = message(will);
    long delayMillis = TimeUnit.SECONDS.toMillis(delaySeconds);
    long storeId = store.held(session, message, clock.millis() + delayMillis);
    Pending p = hold(clientId, session, message, delayMillis, loop, storeId);
    LOG.debug("client {}: will to {} held for {} s (will delay interval)", clientId,
        message.topic(), delaySeconds);
    return p;
  }

  /**
   * Holds again a will found in the will store at start-up, to be published on {@code loop} after
   * what is left of its delay, unless its session is resumed or ends first. Any thread.
   *
   * @param delayMillis what is left of the will delay; 0 or less publishes it at once
   * @param storeId its identifier in the will store, to release it by
   */
  public Pending restore(String clientId, Session session, Publish message, long delayMillis,
      EventExecutor loop, long storeId) {
    return hold(clientId, session, message, Math.max(0, delayMillis), loop, storeId);
  }

  private Pending hold(String clientId, Session session, Publish message, long delayMillis,
      EventExecutor loop, long storeId) {
    Pending p = new Pending(clientId, session, message);
    p.storeId = storeId;
    byClientId.compute(clientId, (id, list) -> {
      List<Pending> next = list == null ? new ArrayList<>(1) : new ArrayList<>(list);
      next.add(p);
      return next;
    });
    p.timer = loop.schedule(() -> {
      if (remove(p)) {
        LOG.debug("client {}: will delay passed", clientId);
        publish(p);
      }
    }, delayMillis, TimeUnit.MILLISECONDS);
    return p;
  }


  /**
   * A new connection resumed {@code session} before the delay passed: its pending wills are
   * dropped, never published (MQTT-3.1.3-9). Returns how many. Any thread.
   */
  public int cancel(Session session) {
    List<Pending> taken = takeAll(session);
    for (Pending p : taken) {
      stopTimer(p);
      release(p);
      LOG.debug("client {}: will cancelled, the session was resumed in time", p.clientId);
    }
    return taken.size();
  }

  /** Drops one pending will, if it is still pending: see {@link #cancel(Session)}. */
  public boolean cancel(Pending pending) {
    if (remove(pending)) {
      stopTimer(pending);
      release(pending);
      LOG.debug("client {}: will cancelled, the session was resumed in time", pending.clientId);
      return true;
    }
    return false;
  }

  /**
   * {@code session} ended (expired, or replaced by a clean start, or with its connection): its
   * pending wills are published now, the delay cut short (MQTT-3.1.2-8). Any thread.
   */
  public void sessionEnded(Session session) {
    for (Pending p : takeAll(session)) {
      stopTimer(p);
      LOG.debug("client {}: session ended before the will delay passed", p.clientId);
      publish(p);
    }
  }

  /** Wills now waiting out their delay. */
  public int size() {
    int n = 0;
    for (List<Pending> l : byClientId.values()) {
      n += l.size();
    }
    return n;
  }

  private void publish(Pending p) {
    LOG.debug("client {}: publishing will to {}", p.clientId, p.message.topic());
    publisher.accept(p.message, p.clientId);
    release(p);
  }

  /** No longer pending: out of the will store, after its publication was handed to routing. */
  private void release(Pending p) {
    long id = p.storeId;
    if (id != 0) {
      store.released(p.session, id);
    }
  }

  private static void stopTimer(Pending p) {
    ScheduledFuture<?> t = p.timer;
    if (t != null) {
      t.cancel(false);
    }
  }

  private boolean remove(Pending p) {
    boolean[] removed = {false};
    byClientId.computeIfPresent(p.clientId, (id, list) -> {
      if (!list.contains(p)) {
        return list;
      }
      removed[0] = true;
      List<Pending> next = new ArrayList<>(list);
      next.remove(p);
      return next.isEmpty() ? null : next;
    });
    return removed[0];
  }

  private List<Pending> takeAll(Session session) {
    List<Pending> taken = new ArrayList<>(1);
    byClientId.computeIfPresent(session.clientId(), (id, list) -> {
      List<Pending> keep = new ArrayList<>(list.size());
      for (Pending p : list) {
        (p.session == session ? taken : keep).add(p);
      }
      return keep.isEmpty() ? null : keep;
    });
    return taken;
  }
}
