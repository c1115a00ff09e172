package dev.midge.broker.session;

/**
 * Where sessions' state lives. The broker opens a session's state when the session is created
 * and removes it when the session ends; between the two, {@link SessionState} receives every
 * change. {@link InMemorySessionStore} keeps it in memory; a durable store writes it through to
 * disk under the same calls.
 *
 * <p>Thread-safe.
 */
public interface SessionStore {
  /** The state for a new session of {@code clientId}, empty. Replaces any older state. */
  SessionState create(String clientId);

  /** Forgets the state of a session that ended. */
  void remove(String clientId, SessionState state);
}
