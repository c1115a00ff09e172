package dev.midge.broker.store.rocksdb;

import dev.midge.broker.config.StorageConfig;
import dev.midge.broker.store.WriteListener;
import dev.midge.broker.store.WriteTicket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that writes to RocksDB. Event loops hand it changes ({@link #submit}) and ask to
 * be told when what they handed over is durable ({@link #afterWrites}); they never wait for a
 * disk. The thread takes everything queued at once, applies it to one {@link WriteBatch} in the
 * order it was handed over, writes the batch, syncs it as the policy says, and then tells the
 * listeners queued among the changes: group commit, so that with {@code sync: always} many
 * clients' messages share one fsync.
 *
 * <p>One change is applied whole to one batch, so a change made of several puts and deletes (a
 * message leaving the queue for the in-flight window) is atomic. Changes are written in the
 * order they were handed over, so after a crash the store holds a prefix of them.
 *
 * <p>Policies ({@link StorageConfig.Sync}): {@code always} writes each batch with sync;
 * {@code interval} writes without and syncs the write-ahead log every interval; {@code never}
 * leaves syncing to the operating system. In every policy a listener is told only after the
 * batch is written to the write-ahead log, so a process that is killed loses nothing a listener
 * was told of.
 *
 * <p>Thread-safe; one per store.
 */
final class StoreWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StoreWriter.class);

  /** At most this many changes and listeners per batch, so that listeners are told in time. */
  private static final int MAX_BATCH = 8192;

  /** A change: puts and deletes applied to the batch being built, on the writer thread. */
  @FunctionalInterface
  interface Change {
    void apply(WriteBatch batch) throws RocksDBException;
  }

  private record Listener(WriteListener listener) {}

  private static final Object STOP = new Object();

  private final RocksDB db;
  private final StorageConfig.Sync sync;
  private final long intervalNanos;
  private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private final WriteOptions options;
  private final AtomicLong batches = new AtomicLong();
  private final AtomicLong changes = new AtomicLong();
  private volatile boolean closed;
  private boolean unsynced;
  private long lastSync = System.nanoTime();
  private boolean failing;

  StoreWriter(RocksDB db, StorageConfig.Sync sync, long intervalMillis, String name) {
    this.db = db;
    this.sync = sync;
    this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
    this.options = new WriteOptions().setSync(sync == StorageConfig.Sync.ALWAYS);
    this.thread = new Thread(this::run, name);
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /**
   * Hands a change over, to be written after every change handed over before it. Any thread;
   * never blocks. Ignored once the writer is closed (the broker has stopped).
   */
  void submit(Change change) {
    if (closed) {
      LOG.debug("store closed: a change was not written");
      return;
    }
    WriteTicket.wrote();
    queue.add(change);
  }

  /**
   * Calls {@code listener}, on the writer thread, once every change handed over before this call
   * is written (and synced, under {@code sync: always}); with the failure if writing failed. Any
   * thread; never blocks.
   */
  void afterWrites(WriteListener listener) {
    if (closed) {
      listener.written(new IllegalStateException("the store is closed"));
      return;
    }
    queue.add(new Listener(listener));
  }

  /** Batches written so far. */
  long batches() {
    return batches.get();
  }

  /** Changes written so far. */
  long changes() {
    return changes.get();
  }

  /** Changes and listeners waiting for the writer. */
  int backlog() {
    return queue.size();
  }

  private void run() {
    List<Object> items = new ArrayList<>();
    while (true) {
      Object first;
      try {
        if (unsynced && sync == StorageConfig.Sync.INTERVAL) {
          long wait = intervalNanos - (System.nanoTime() - lastSync);
          first = wait <= 0 ? null : queue.poll(wait, TimeUnit.NANOSECONDS);
          if (first == null) {
            syncWal();
            continue;
          }
        } else {
          first = queue.take();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        LOG.warn("store writer interrupted; {} changes left unwritten", queue.size());
        return;
      }
      items.add(first);
      queue.drainTo(items, MAX_BATCH - 1);
      boolean stop = false;
      int n = items.size();
      for (int i = 0; i < items.size(); i++) {
        if (items.get(i) == STOP) {
          stop = true;
          n = i;
          break;
        }
      }
      write(items.subList(0, n));
      if (stop) {
        if (unsynced) {
          syncWal();
        }
        for (Object late : items.subList(n + 1, items.size())) {
          if (late instanceof Listener l) {
            tell(l.listener(), new IllegalStateException("the store is closed"));
          }
        }
        return;
      }
      items.clear();
    }
  }

  private void write(List<Object> items) {
    Exception failure = null;
    int count = 0;
    try (WriteBatch batch = new WriteBatch()) {
      for (Object item : items) {
        if (item instanceof Change c) {
          c.apply(batch);
          count++;
        }
      }
      if (count > 0) {
        db.write(options, batch);
        batches.incrementAndGet();
        changes.addAndGet(count);
        unsynced = sync != StorageConfig.Sync.ALWAYS;
        if (failing) {
          LOG.info("store writes succeed again");
          failing = false;
        }
      }
    } catch (RocksDBException | RuntimeException e) {
      failure = e;
      if (!failing) {
        LOG.error("store write failed ({} changes); connections waiting for it are closed"
            + " without acknowledgement: {}", count, e.toString());
        failing = true;
      }
    }
    for (Object item : items) {
      if (item instanceof Listener l) {
        tell(l.listener(), failure);
      }
    }
  }

  private static void tell(WriteListener listener, @Nullable Exception failure) {
    try {
      listener.written(failure);
    } catch (RuntimeException e) {
      LOG.warn("a store write listener failed", e);
    }
  }

  private void syncWal() {
    try {
      db.syncWal();
    } catch (RocksDBException e) {
      LOG.error("store sync failed: {}", e.toString());
    }
    unsynced = false;
    lastSync = System.nanoTime();
  }

  /**
   * Writes everything handed over, syncs, and stops the thread; later changes are ignored and
   * later listeners told of a failure. Waits for the thread. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    queue.add(STOP);
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // Anything that raced past the closed check after STOP: tell its listener.
    Object item;
    while ((item = queue.poll()) != null) {
      if (item instanceof Listener l) {
        tell(l.listener(), new IllegalStateException("the store is closed"));
      }
    }
    options.close();
  }
}
