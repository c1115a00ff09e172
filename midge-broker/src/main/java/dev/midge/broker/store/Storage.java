package dev.midge.broker.store;

import dev.midge.broker.retain.RetainedStore;
import dev.midge.broker.session.SessionState;
import dev.midge.broker.session.SessionStore;
import dev.midge.broker.session.StoredSubscription;
import dev.midge.broker.will.WillStore;
import dev.midge.codec.packet.Publish;
import java.util.List;

/**
 * Everything the broker keeps beyond a connection: sessions' state, retained messages and
 * delayed wills, in memory ({@link InMemoryStorage}) or on disk ({@code RocksDbStorage}). The
 * broker opens one when it is built, {@link #recover() recovers} what it held before the first
 * listener opens, and closes it last, once no event loop runs.
 *
 * <p>Writes are handed over and made later, in order, on the store's own thread, so that no event
 * loop waits for a disk; {@link #afterWrites} says when they are durable.
 *
 * <p>Thread-safe.
 */
public interface Storage extends AutoCloseable {
  SessionStore sessions();

  RetainedStore retained();

  WillStore wills();

  /**
   * Whether writes reach a disk, so that acknowledgements wait for them ({@link WriteTicket});
   * false in memory, where they go out at once.
   */
  boolean isDurable();

  /**
   * Calls {@code listener} once every write handed over so far, from any thread, is durable as
   * the configured sync policy makes it (at once in memory). Any thread.
   */
  void afterWrites(WriteListener listener);

  /**
   * Hands over, as one atomic change, writes staged in a {@link WriteTicket} by this store's
   * states, in order: after a crash the store holds all of them or none. Any thread.
   */
  void commit(List<StagedWrite> staged);

  /**
   * What the store held when it was opened, to rebuild the broker from: persistent sessions and
   * delayed wills (retained messages are in {@link #retained()} already). Empty in memory. Called
   * once, before any connection.
   */
  Recovered recover();

  /** For logs: "memory", "RocksDB in /var/lib/midge". */
  String describe();

  /** Waits for the writes handed over, syncs, and releases everything. Idempotent. */
  @Override
  void close();

  /**
   * What a store held at start-up.
   *
   * @param sessions persistent sessions, each with its state loaded
   * @param wills delayed wills still pending, each with the session it belongs to
   * @param retained the retained messages loaded
   * @param discarded records found without the session they belonged to, removed
   */
  record Recovered(List<RecoveredSession> sessions, List<RecoveredWill> wills, int retained,
      int discarded) {
    public Recovered {
      sessions = List.copyOf(sessions);
      wills = List.copyOf(wills);
    }

    /** Nothing held: a new store, or memory. */
    public static final Recovered NOTHING = new Recovered(List.of(), List.of(), 0, 0);
  }

  /**
   * A persistent session as stored. Its state holds the queue, the messages in flight and the
   * inbound QoS 2 packet identifiers, but not yet the subscriptions: the broker subscribes them
   * again through its router (shared subscriptions joining their groups again), which puts them
   * back in the state, identifiers included, without writing them again.
   *
   * @param expiryInterval the Session Expiry Interval in seconds ({@code Session.NEVER_EXPIRES}
   *     for never)
   * @param expiresAt when the session expires, in milliseconds since the epoch; 0 when it was
   *     online when the broker stopped, or never expires
   */
  record RecoveredSession(String clientId, long expiryInterval, long expiresAt,
      SessionState state, List<StoredSubscription> subscriptions) {
    public RecoveredSession {
      subscriptions = List.copyOf(subscriptions);
    }
  }

  /**
   * A delayed will as stored.
   *
   * @param session the state of the session it belongs to, one of {@link Recovered#sessions()}
   * @param id its identifier in the {@link WillStore}
   * @param publishAt when its delay ends, in milliseconds since the epoch
   */
  record RecoveredWill(String clientId, SessionState session, long id, Publish message,
      long publishAt) {}
}
