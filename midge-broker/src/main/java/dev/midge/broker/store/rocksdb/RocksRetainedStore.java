package dev.midge.broker.store.rocksdb;

import dev.midge.broker.retain.InMemoryRetainedStore;
import dev.midge.broker.retain.RetainedMessage;
import dev.midge.broker.retain.RetainedStore;
import dev.midge.codec.packet.Publish;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Retained messages in RocksDB, keyed by topic, each with its absolute expiry deadline (MQTT 5
 * Message Expiry; 0 for none), and in an {@link InMemoryRetainedStore} for lookups: all of them
 * are loaded at start-up, and every change is written through. Changes are made under this
 * store's lock and handed to the writer in the order they are made in memory, so the bound of
 * {@link #retain(Publish, long, int)} holds on disk as in memory. Thread-safe.
 */
final class RocksRetainedStore implements RetainedStore {
  private final Tables t;
  private final InMemoryRetainedStore memory = new InMemoryRetainedStore();

  RocksRetainedStore(Tables t) {
    this.t = t;
  }

  /** A message found on disk at start-up, expired or not: {@link #removeExpired} sorts that out. */
  void load(Publish message, long expiresAt) {
    memory.retain(message, expiresAt);
  }

  @Override
  public void retain(Publish message, long expiresAt) {
    retain(message, expiresAt, 0);
  }

  /** Atomic: the bound is checked, and the change made and handed to the writer, in one step. */
  @Override
  public synchronized boolean retain(Publish message, long expiresAt, int maxMessages) {
    if (!memory.retain(message, expiresAt, maxMessages)) {
      return false;
    }
    byte[] key = Keys.topic(message.topic());
    if (message.payload().length == 0) {
      t.writer().submit(b -> b.delete(t.retained(), key)); // MQTT-3.3.1-10: removes it
    } else {
      byte[] value = Records.message(message, expiresAt, false);
      t.writer().submit(b -> b.put(t.retained(), key, value));
    }
    return true;
  }

  @Override
  public void forEachMatching(String filter, long now, Consumer<RetainedMessage> action) {
    memory.forEachMatching(filter, now, action);
  }

  /** Forgets the expired messages in memory and on disk, in one change. */
  @Override
  public synchronized int removeExpired(long now) {
    List<byte[]> keys = new ArrayList<>();
    int n = memory.removeExpired(now, topic -> keys.add(Keys.topic(topic)));
    if (!keys.isEmpty()) {
      t.writer().submit(b -> {
        for (byte[] key : keys) {
          b.delete(t.retained(), key);
        }
      });
    }
    return n;
  }

  @Override
  public int size() {
    return memory.size();
  }
}
