package dev.midge.broker.store;

import dev.midge.broker.retain.InMemoryRetainedStore;
import dev.midge.broker.retain.RetainedStore;
import dev.midge.broker.session.InMemorySessionStore;
import dev.midge.broker.session.SessionStore;
import dev.midge.broker.will.WillStore;

/**
 * Everything in memory, lost with the process: what embedded brokers and tests use unless given a
 * data directory, and {@code --data-dir none}. Writes are "durable" as soon as they are made.
 */
public final class InMemoryStorage implements Storage {
  private final InMemorySessionStore sessions = new InMemorySessionStore();
  private final InMemoryRetainedStore retained = new InMemoryRetainedStore();

  @Override
  public SessionStore sessions() {
    return sessions;
  }

  @Override
  public RetainedStore retained() {
    return retained;
  }

  @Override
  public WillStore wills() {
    return WillStore.NONE;
  }

  @Override
  public boolean isDurable() {
    return false;
  }

  @Override
  public void afterWrites(WriteListener listener) {
    listener.written(null);
  }

  /** Nothing is ever staged in memory. */
  @Override
  public void commit(java.util.List<StagedWrite> staged) {
    if (!staged.isEmpty()) {
      throw new IllegalArgumentException("writes staged for another store");
    }
  }

  @Override
  public Recovered recover() {
    return Recovered.NOTHING;
  }

  @Override
  public String describe() {
    return "memory";
  }

  @Override
  public void close() {}
}
