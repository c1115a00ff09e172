package dev.midge.broker.session;

import java.util.Collection;
import java.util.Collections;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * All sessions by client identifier, and the one place that decides which connection holds a
 * session: claiming a session for a new connection and releasing it when the connection ends are
 * atomic with respect to each other, so two connections with one client identifier racing each
 * other end with exactly one holding the session (MQTT-3.1.4-2).
 *
 * <p>Expiry (MQTT 5 §3.1.2.11.2, §4.1) is decided here too: {@link #expire} removes a session only
 * if it is still the one registered, no connection holds it, and it has stayed offline since the
 * timer was armed; all three are checked in the same atomic step as {@link #claim}, so an expiry
 * racing a reconnect either ends the session before the claim (which then gets a new one, session
 * present 0) or finds it claimed and does nothing.
 *
 * <p>Thread-safe. Sessions live in memory here; a durable store keeps its own copy behind the
 * same decisions.
 */
public final class SessionRegistry {
  private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
  private final AtomicLong offlineEpochs = new AtomicLong();

  /** What {@link #release} did with the session. */
  public enum Release {
    /** The session ended with its connection (expiry 0): the caller ends it. */
    ENDED,
    /** The session is kept offline for its expiry interval: the caller arms the expiry timer. */
    OFFLINE,
    /** Another connection holds the session now, or it was replaced: nothing changed. */
    TAKEN_OVER
  }

  /**
   * The outcome of {@link #claim}.
   *
   * @param session the session the connection now holds
   * @param sessionPresent whether it is a session that existed before (CONNACK session present)
   * @param previous the connection that held it (or the old session) until now, to be closed
   * @param replaced an old session that a clean start replaced, to be discarded
   */
  public record Claim(
      Session session,
      boolean sessionPresent,
      @Nullable Outbound previous,
      @Nullable Session replaced) {}

  /**
   * Gives the session of {@code clientId} to {@code connection}: the existing one unless
   * {@code cleanStart}, else a new one from {@code factory}.
   *
   * @param expiryInterval seconds the session is to outlive the connection (0: not at all, {@link
   *     Session#NEVER_EXPIRES}: for ever)
   */
  public Claim claim(
      String clientId,
      boolean cleanStart,
      long expiryInterval,
      Outbound connection,
      Supplier<Session> factory) {
    Claim[] result = new Claim[1];
    sessions.compute(
        clientId,
        (id, existing) -> {
          Outbound previous = existing == null ? null : existing.claim().getAndSet(null);
          if (existing != null) {
            existing.cancelExpiryTimer(); // a timer that runs anyway finds the epoch changed
            existing.offlineEpoch(0);
          }
          Session session;
          Session replaced = null;
          boolean present;
          if (existing == null || cleanStart || existing.isDiscarded()) {
            session = factory.get();
            replaced = existing;
            present = false;
          } else {
            session = existing;
            present = true;
          }
          session.expiryInterval(expiryInterval);
          session.offlineEpoch(0);
          session.claim().set(connection);
          result[0] = new Claim(session, present, previous, replaced);
          return session;
        });
    return result[0];
  }

  /**
   * The connection holding {@code session} has ended. Returns {@link Release#ENDED} when the
   * session ended with it (its expiry interval is 0 and no newer connection has it): the caller
   * must then end it; {@link Release#OFFLINE} when it is kept, offline, for its expiry interval
   * (the caller arms the expiry timer with {@link #offlineEpoch}); {@link Release#TAKEN_OVER} when
   * a newer connection holds it or it is no longer registered.
   */
  public Release release(Session session, Outbound connection) {
    Release[] result = {Release.TAKEN_OVER};
    sessions.computeIfPresent(
        session.clientId(),
        (id, current) -> {
          if (current != session || !session.claim().compareAndSet(connection, null)) {
            return current; // taken over meanwhile: the newer connection has it
          }
          if (session.isPersistent()) {
            session.offlineEpoch(offlineEpochs.incrementAndGet());
            result[0] = Release.OFFLINE;
            return session;
          }
          result[0] = Release.ENDED;
          return null;
        });
    return result[0];
  }

  /**
   * The offline period a session is in, for arming its expiry timer after {@link #release}
   * returned {@link Release#OFFLINE}; 0 while a connection holds it. A timer armed with a value
   * read after a later claim and release merely duplicates that release's own timer.
   */
  public long offlineEpoch(Session session) {
    return session.offlineEpoch();
  }

  /**
   * Session expiry: removes {@code session} if it is still the one registered for its client id,
   * no connection holds it, and it is still in the offline period {@code offlineEpoch} (no
   * connection claimed it since the timer was armed). Atomic with {@link #claim}. Returns whether
   * it was removed; the caller then ends it.
   */
  public boolean expire(Session session, long offlineEpoch) {
    boolean[] removed = {false};
    sessions.computeIfPresent(
        session.clientId(),
        (id, current) -> {
          if (current != session || session.claim().get() != null
              || offlineEpoch == 0 || session.offlineEpoch() != offlineEpoch) {
            return current;
          }
          removed[0] = true;
          return null;
        });
    return removed[0];
  }

  /**
   * Registers a session recovered from the store at start-up: offline, in a new offline period,
   * which it returns for arming its expiry timer (see {@link #expire}). Start-up runs before any
   * connection, so the client identifier is free; if it is not, nothing changes and this throws.
   */
  public long restore(Session session) {
    long epoch = offlineEpochs.incrementAndGet();
    session.offlineEpoch(epoch);
    if (sessions.putIfAbsent(session.clientId(), session) != null) {
      throw new IllegalStateException("a session of " + session.clientId() + " is registered");
    }
    return epoch;
  }

  /** The session of a client identifier, or null. */
  public @Nullable Session get(String clientId) {
    return sessions.get(clientId);
  }

  /** Removes a session, whoever holds it; returns it. The caller discards it. */
  public @Nullable Session remove(String clientId) {
    return sessions.remove(clientId);
  }

  /** Sessions now known, online and offline. */
  public int size() {
    return sessions.size();
  }

  /** A live view of all sessions. */
  public Collection<Session> all() {
    return Collections.unmodifiableCollection(sessions.values());
  }
}
