package dev.midge.broker.session;

import java.util.Collection;
import java.util.Collections;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * All sessions by client identifier, and the one place that decides which connection holds a
 * session: claiming a session for a new connection and releasing it when the connection ends are
 * atomic with respect to each other, so two connections with one client identifier racing each
 * other end with exactly one holding the session (MQTT-3.1.4-2).
 *
 * <p>Thread-safe. Sessions live in memory here; a durable store keeps its own copy behind the
 * same decisions.
 */
public final class SessionRegistry {
  private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();

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
   * @param persistent whether the session is to outlive the connection
   */
  public Claim claim(
      String clientId,
      boolean cleanStart,
      boolean persistent,
      Outbound connection,
      Supplier<Session> factory) {
    Claim[] result = new Claim[1];
    sessions.compute(
        clientId,
        (id, existing) -> {
          Outbound previous = existing == null ? null : existing.claim().getAndSet(null);
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
          session.persistent(persistent);
          session.claim().set(connection);
          result[0] = new Claim(session, present, previous, replaced);
          return session;
        });
    return result[0];
  }

  /**
   * The connection holding {@code session} has ended. Returns true when the session ended with it
   * (it was not persistent and no newer connection has it) and must be discarded by the caller.
   */
  public boolean release(Session session, Outbound connection) {
    boolean[] ended = {false};
    sessions.computeIfPresent(
        session.clientId(),
        (id, current) -> {
          if (current != session || !session.claim().compareAndSet(connection, null)) {
            return current; // taken over meanwhile: the newer connection has it
          }
          if (session.isPersistent()) {
            return session;
          }
          ended[0] = true;
          return null;
        });
    return ended[0];
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
