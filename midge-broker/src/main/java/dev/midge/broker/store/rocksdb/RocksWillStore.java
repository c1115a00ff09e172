package dev.midge.broker.store.rocksdb;

import dev.midge.broker.session.Session;
import dev.midge.broker.will.WillStore;
import dev.midge.codec.packet.Publish;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Delayed wills in RocksDB, under the prefix of the session they belong to, so that removing the
 * session removes them too. Only wills of sessions on disk are kept: a will is held only while
 * its session outlives the connection, and such a session is persistent. Thread-safe.
 */
final class RocksWillStore implements WillStore {
  private final AtomicLong ids;

  /** @param lastId the highest will identifier on disk */
  RocksWillStore(long lastId) {
    this.ids = new AtomicLong(lastId);
  }

  @Override
  public long held(Session session, Publish message, long publishAt) {
    if (!(session.state() instanceof RocksSessionState state)) {
      return 0;
    }
    long id = ids.incrementAndGet();
    return state.putWill(id, message, publishAt) ? id : 0;
  }

  @Override
  public void released(Session session, long id) {
    if (id != 0 && session.state() instanceof RocksSessionState state) {
      state.deleteWill(id);
    }
  }
}
