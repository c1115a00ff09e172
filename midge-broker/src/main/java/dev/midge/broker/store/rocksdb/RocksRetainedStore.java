package dev.midge.broker.store.rocksdb;

import dev.midge.broker.retain.InMemoryRetainedStore;
import dev.midge.broker.retain.RetainedStore;
import dev.midge.codec.packet.Publish;
import java.util.function.Consumer;

/**
 * Retained messages in RocksDB, keyed by topic, and in an {@link InMemoryRetainedStore} for
 * lookups: all of them are loaded at start-up, and every change is written through. Changes are
 * handed to the writer in the order they are made in memory. Thread-safe.
 */
final class RocksRetainedStore implements RetainedStore {
  private final Tables t;
  private final InMemoryRetainedStore memory = new InMemoryRetainedStore();

  RocksRetainedStore(Tables t) {
    this.t = t;
  }

  /** A message found on disk at start-up. */
  void load(Publish message) {
    memory.retain(message);
  }

  @Override
  public synchronized void retain(Publish message) {
    memory.retain(message);
    byte[] key = Keys.topic(message.topic());
    if (message.payload().length == 0) {
      t.writer().submit(b -> b.delete(t.retained(), key)); // MQTT-3.3.1-10: removes it
    } else {
      byte[] value = Records.message(message, 0, false);
      t.writer().submit(b -> b.put(t.retained(), key, value));
    }
  }

  @Override
  public void forEachMatching(String filter, Consumer<Publish> action) {
    memory.forEachMatching(filter, action);
  }

  @Override
  public int size() {
    return memory.size();
  }
}
