package dev.midge.broker.will;

import dev.midge.broker.session.Session;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Will;
import dev.midge.codec.property.Properties;
import dev.midge.codec.property.PropertyId;
import io.netty.util.concurrent.EventExecutor;
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
 * <p>Thread-safe. One instance per broker.
 */
public final class PendingWills {
  private static final Logger LOG = LoggerFactory.getLogger(PendingWills.class);

  private final ConcurrentHashMap<String, List<Pending>> byClientId = new ConcurrentHashMap<>();
  private final BiConsumer<Publish, String> publisher;

  /**
   * @param publisher publishes a will as an application message of the client id given: retained
   *     if it says so, then routed. Called on any thread.
   */
  public PendingWills(BiConsumer<Publish, String> publisher) {
    this.publisher = publisher;
  }

  /** A will waiting out its delay. */
  public static final class Pending {
    private final String clientId;
    private final Session session;
    private final Publish message;
    private volatile @Nullable ScheduledFuture<?> timer;

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
    Pending p = new Pending(clientId, session, message(will));
    byClientId.compute(clientId, (id, list) -> {
      List<Pending> next = list == null ? new ArrayList<>(1) : new ArrayList<>(list);
      next.add(p);
      return next;
    });
    p.timer = loop.schedule(() -> {
      if (remove(p)) {
        LOG.debug("client {}: will delay of {} s passed", clientId, delaySeconds);
        publish(p);
      }
    }, delaySeconds, TimeUnit.SECONDS);
    LOG.debug("client {}: will to {} held for {} s (will delay interval)", clientId,
        p.message.topic(), delaySeconds);
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
      LOG.debug("client {}: will cancelled, the session was resumed in time", p.clientId);
    }
    return taken.size();
  }

  /** Drops one pending will, if it is still pending: see {@link #cancel(Session)}. */
  public boolean cancel(Pending pending) {
    if (remove(pending)) {
      stopTimer(pending);
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
