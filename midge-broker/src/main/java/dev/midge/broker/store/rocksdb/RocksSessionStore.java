package dev.midge.broker.store.rocksdb;

import dev.midge.broker.session.SessionState;
import dev.midge.broker.session.SessionStore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sessions' state in RocksDB: {@link RocksSessionState}. Each session gets a new generation, so
 * that the records of a session being removed and of a new one of the same client id never
 * share keys. Thread-safe.
 */
final class RocksSessionStore implements SessionStore {
  private final Tables t;
  private final AtomicLong generations;

  /** @param lastGeneration the highest generation on disk */
  RocksSessionStore(Tables t, long lastGeneration) {
    this.t = t;
    this.generations = new AtomicLong(lastGeneration);
  }

  @Override
  public SessionState create(String clientId) {
    return new RocksSessionState(t, clientId,
        Keys.session(clientId, generations.incrementAndGet()));
  }

  @Override
  public void remove(String clientId, SessionState state) {
    ((RocksSessionState) state).remove();
  }
}
