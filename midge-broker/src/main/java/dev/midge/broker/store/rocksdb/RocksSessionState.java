package dev.midge.broker.store.rocksdb;

import dev.midge.broker.session.SessionState;
import dev.midge.broker.store.WriteTicket;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Subscription;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * One session's state, in memory for reading and written through to RocksDB, each change as one
 * atomic change of the {@link StoreWriter}. Reads never touch the disk.
 *
 * <p>Nothing is written while the session is not persistent (Session Expiry Interval 0: it ends
 * with its connection, and a broker that stops ends the connection). When {@link #lifetime} makes
 * it persistent, everything it holds is written in one change, and from then on every change; when
 * it stops being persistent, or is removed, its records are deleted in one change.
 *
 * <p>Queued and in-flight messages are numbered in one sequence, in the order they entered the
 * queue or the window; their keys carry the number, so RocksDB returns them in order. Each carries
 * an expiry deadline (MQTT 5 Message Expiry), 0 for now.
 *
 * <p>Threading as {@link SessionState}: subscriptions from any thread, the rest on the session's
 * owner. Changes are made under the state's lock, so that what is handed to the writer is in the
 * order of the changes in memory, even for subscriptions changed from another thread; the lock is
 * uncontended but for that.
 */
final class RocksSessionState implements SessionState {
  private record Queued(long seq, Publish message, long expiresAt, long bytes) {}

  private record Flying(long seq, Inflight inflight, long expiresAt) {}

  /** A queue record staged in a write ticket, numbered {@code seq}, by {@code state}. */
  private record StagedRecord(RocksSessionState state, long seq) implements Staged {}

  private final Tables t;
  private final String clientId;
  private final byte[] prefix;
  private final ConcurrentHashMap<String, Subscription> subscriptions = new ConcurrentHashMap<>();
  /** Recovered subscriptions not yet subscribed again: putting one of these writes nothing. */
  private final ConcurrentHashMap<String, Subscription> replay = new ConcurrentHashMap<>();
  private final ArrayDeque<Queued> queue = new ArrayDeque<>();
  private final LinkedHashMap<Integer, Flying> inflight = new LinkedHashMap<>();
  private final Set<Integer> inbound = new HashSet<>();
  private long queuedBytes;
  private long nextSeq = 1;
  /** Whether the session is persistent and so written through. */
  private volatile boolean durable;
  private boolean removed;

  /** A new, empty state, not written until {@link #lifetime} makes it persistent. */
  RocksSessionState(Tables t, String clientId, byte[] prefix) {
    this.t = t;
    this.clientId = clientId;
    this.prefix = prefix;
  }

  /** The prefix of this session's keys. */
  byte[] prefix() {
    return prefix;
  }

  String clientId() {
    return clientId;
  }

  /** Whether its records are on disk: it is persistent, and every change is written. */
  @Override
  public boolean isDurable() {
    return durable;
  }

  // ---- recovery: on the thread that opens the store, before the state is shared ----

  void recovered(List<Subscription> subs) {
    durable = true;
    for (Subscription s : subs) {
      replay.put(s.topicFilter(), s);
    }
  }

  void recoverQueued(long seq, Records.StoredMessage m) {
    long bytes = SessionState.bytes(m.message());
    queue.add(new Queued(seq, m.message(), m.expiresAt(), bytes));
    queuedBytes += bytes;
    nextSeq = Math.max(nextSeq, seq + 1);
  }

  void recoverInflight(long seq, Records.StoredMessage m) {
    inflight.put(m.message().packetId(),
        new Flying(seq, new Inflight(m.message(), m.released()), m.expiresAt()));
    nextSeq = Math.max(nextSeq, seq + 1);
  }

  void recoverInbound(int packetId) {
    inbound.add(packetId);
  }

  // ---- subscriptions ----

  @Override
  public synchronized @Nullable Subscription putSubscription(Subscription subscription) {
    String filter = subscription.topicFilter();
    Subscription previous = subscriptions.put(filter, subscription);
    boolean replayed = replay.remove(filter, subscription);
    if (durable && !replayed) {
      byte[] key = Keys.child(prefix, filter);
      byte[] value = Records.subscription(subscription, 0);
      t.writer().submit(b -> b.put(t.subscriptions(), key, value));
    }
    return previous;
  }

  @Override
  public synchronized @Nullable Subscription removeSubscription(String topicFilter) {
    Subscription previous = subscriptions.remove(topicFilter);
    if (previous != null && durable) {
      byte[] key = Keys.child(prefix, topicFilter);
      t.writer().submit(b -> b.delete(t.subscriptions(), key));
    }
    return previous;
  }

  @Override
  public @Nullable Subscription subscription(String topicFilter) {
    return subscriptions.get(topicFilter);
  }

  @Override
  public Map<String, Subscription> subscriptions() {
    return Collections.unmodifiableMap(new LinkedHashMap<>(subscriptions));
  }

  // ---- queue ----

  /**
   * Stages the message's queue record in the write ticket open on this thread, numbered now, so
   * that it is written in the same change as the rest of the PUBLISH (the inbound QoS 2 packet
   * identifier, the other subscribers' records). Any thread.
   */
  @Override
  public synchronized @Nullable Staged stage(Publish message) {
    WriteTicket ticket = WriteTicket.current();
    if (ticket == null || !durable) {
      return null;
    }
    long seq = nextSeq++;
    byte[] key = Keys.child(prefix, seq);
    byte[] value = Records.message(message, 0, false);
    ticket.stage(new RocksDbStorage.Staged(b -> b.put(t.queue(), key, value)));
    return new StagedRecord(this, seq);
  }

  /** The message is on disk already: staged under {@code staged}'s number. */
  @Override
  public synchronized void enqueue(Publish message, @Nullable Staged staged) {
    if (!(staged instanceof StagedRecord r) || r.state() != this) {
      enqueue(message);
      return;
    }
    long bytes = SessionState.bytes(message);
    queue.add(new Queued(r.seq(), message, 0, bytes));
    queuedBytes += bytes;
  }

  @Override
  public synchronized void unstage(@Nullable Staged staged) {
    if (staged instanceof StagedRecord r && r.state() == this && durable) {
      byte[] key = Keys.child(prefix, r.seq());
      t.writer().submit(b -> b.delete(t.queue(), key));
    }
  }

  @Override
  public synchronized void enqueue(Publish message) {
    long seq = nextSeq++;
    long bytes = SessionState.bytes(message);
    queue.add(new Queued(seq, message, 0, bytes));
    queuedBytes += bytes;
    if (durable) {
      byte[] key = Keys.child(prefix, seq);
      byte[] value = Records.message(message, 0, false);
      t.writer().submit(b -> b.put(t.queue(), key, value));
    }
  }

  @Override
  public @Nullable Publish peekQueued() {
    Queued q = queue.peek();
    return q == null ? null : q.message();
  }

  @Override
  public synchronized @Nullable Publish pollQueued() {
    Queued q = queue.poll();
    if (q == null) {
      return null;
    }
    queuedBytes -= q.bytes();
    if (durable) {
      byte[] key = Keys.child(prefix, q.seq());
      t.writer().submit(b -> b.delete(t.queue(), key));
    }
    return q.message();
  }

  @Override
  public int queuedCount() {
    return queue.size();
  }

  @Override
  public long queuedBytes() {
    return queuedBytes;
  }

  // ---- in flight ----

  @Override
  public synchronized void putInflight(Publish message) {
    fly(message, 0, null);
  }

  /** Sent at once: the staged queue record moves to the in-flight window in one change. */
  @Override
  public synchronized void putInflight(Publish message, @Nullable Staged staged) {
    if (staged instanceof StagedRecord r && r.state() == this) {
      fly(message, 0, Keys.child(prefix, r.seq()));
    } else {
      fly(message, 0, null);
    }
  }

  @Override
  public synchronized void sendQueued(Publish sent) {
    Queued q = queue.poll();
    if (q == null) {
      throw new IllegalStateException("nothing queued");
    }
    queuedBytes -= q.bytes();
    fly(sent, q.expiresAt(), Keys.child(prefix, q.seq()));
  }

  /** Records {@code message} in flight; deletes {@code queueKey} in the same change. */
  private void fly(Publish message, long expiresAt, byte @Nullable [] queueKey) {
    long seq = nextSeq++;
    Flying previous = inflight.put(message.packetId(),
        new Flying(seq, new Inflight(message, false), expiresAt));
    if (!durable) {
      return;
    }
    byte[] key = Keys.child(prefix, seq);
    byte[] value = Records.message(message, expiresAt, false);
    byte[] replaced = previous == null ? null : Keys.child(prefix, previous.seq());
    t.writer().submit(b -> {
      if (queueKey != null) {
        b.delete(t.queue(), queueKey);
      }
      if (replaced != null) {
        b.delete(t.inflight(), replaced);
      }
      b.put(t.inflight(), key, value);
    });
  }

  @Override
  public @Nullable Inflight inflight(int packetId) {
    Flying f = inflight.get(packetId);
    return f == null ? null : f.inflight();
  }

  @Override
  public synchronized void markReleased(int packetId) {
    Flying f = inflight.get(packetId);
    if (f == null || f.inflight().released()) {
      return;
    }
    Inflight released = new Inflight(f.inflight().message(), true);
    inflight.put(packetId, new Flying(f.seq(), released, f.expiresAt())); // keeps its place
    if (durable) {
      byte[] key = Keys.child(prefix, f.seq());
      byte[] value = Records.message(released.message(), f.expiresAt(), true);
      t.writer().submit(b -> b.put(t.inflight(), key, value));
    }
  }

  @Override
  public synchronized void removeInflight(int packetId) {
    Flying f = inflight.remove(packetId);
    if (f != null && durable) {
      byte[] key = Keys.child(prefix, f.seq());
      t.writer().submit(b -> b.delete(t.inflight(), key));
    }
  }

  @Override
  public Iterable<Inflight> inflight() {
    List<Inflight> copy = new ArrayList<>(inflight.size());
    for (Flying f : inflight.values()) {
      copy.add(f.inflight());
    }
    return copy;
  }

  @Override
  public int inflightCount() {
    return inflight.size();
  }

  // ---- inbound QoS 2 ----

  /**
   * Records an inbound QoS 2 packet identifier. While the PUBLISH is handled in a write ticket,
   * the record is staged in the ticket's change, written with the message's queue records: a
   * crash leaves both or neither, so the publisher's resend is neither lost as a "duplicate" nor
   * delivered twice ({@link WriteTicket}).
   */
  @Override
  public synchronized boolean addInboundQos2(int packetId) {
    if (!inbound.add(packetId)) {
      return false;
    }
    if (durable) {
      byte[] key = Keys.packetId(prefix, packetId);
      StoreWriter.Change put = b -> b.put(t.inbound(), key, new byte[0]);
      WriteTicket ticket = WriteTicket.current();
      if (ticket != null) {
        ticket.stage(new RocksDbStorage.Staged(put));
      } else {
        t.writer().submit(put);
      }
    }
    return true;
  }

  @Override
  public synchronized boolean removeInboundQos2(int packetId) {
    if (!inbound.remove(packetId)) {
      return false;
    }
    if (durable) {
      byte[] key = Keys.packetId(prefix, packetId);
      t.writer().submit(b -> b.delete(t.inbound(), key));
    }
    return true;
  }

  @Override
  public synchronized void clearMessages() {
    queue.clear();
    queuedBytes = 0;
    inflight.clear();
    inbound.clear();
    if (durable) {
      byte[] end = Keys.end(prefix);
      t.writer().submit(b -> {
        b.deleteRange(t.queue(), prefix, end);
        b.deleteRange(t.inflight(), prefix, end);
        b.deleteRange(t.inbound(), prefix, end);
      });
    }
  }

  // ---- durability ----

  @Override
  public synchronized void lifetime(long expiryInterval, long expiresAt) {
    if (removed) {
      return;
    }
    if (expiryInterval == 0) {
      if (durable) {
        durable = false; // ends with its connection: nothing to keep
        t.writer().submit(b -> t.deleteSession(b, prefix));
      }
      return;
    }
    byte[] record = Records.session(expiryInterval, expiresAt);
    if (durable) {
      t.writer().submit(b -> b.put(t.sessions(), prefix, record));
      return;
    }
    // Becoming persistent (a new session, or one taken over by a connection that keeps it):
    // everything it holds, in one change.
    durable = true;
    replay.clear();
    List<byte[][]> subs = new ArrayList<>();
    for (Subscription s : subscriptions.values()) {
      subs.add(new byte[][] {Keys.child(prefix, s.topicFilter()), Records.subscription(s, 0)});
    }
    List<byte[][]> queued = new ArrayList<>();
    for (Queued q : queue) {
      queued.add(new byte[][] {Keys.child(prefix, q.seq()),
          Records.message(q.message(), q.expiresAt(), false)});
    }
    List<byte[][]> flying = new ArrayList<>();
    for (Flying f : inflight.values()) {
      flying.add(new byte[][] {Keys.child(prefix, f.seq()),
          Records.message(f.inflight().message(), f.expiresAt(), f.inflight().released())});
    }
    List<byte[]> ids = new ArrayList<>();
    for (int id : inbound) {
      ids.add(Keys.packetId(prefix, id));
    }
    t.writer().submit(b -> {
      b.put(t.sessions(), prefix, record);
      for (byte[][] kv : subs) {
        b.put(t.subscriptions(), kv[0], kv[1]);
      }
      for (byte[][] kv : queued) {
        b.put(t.queue(), kv[0], kv[1]);
      }
      for (byte[][] kv : flying) {
        b.put(t.inflight(), kv[0], kv[1]);
      }
      for (byte[] k : ids) {
        b.put(t.inbound(), k, new byte[0]);
      }
    });
  }

  /** The session ended: its records go, in one change; later changes write nothing. Any thread. */
  synchronized void remove() {
    removed = true;
    if (durable) {
      durable = false;
      t.writer().submit(b -> t.deleteSession(b, prefix));
    }
  }

  // ---- delayed wills, for RocksWillStore ----

  /** Keeps a will of this session; false when the session is not on disk. Any thread. */
  synchronized boolean putWill(long id, Publish message, long publishAt) {
    if (!durable) {
      return false;
    }
    byte[] key = Keys.child(prefix, id);
    byte[] value = Records.will(message, publishAt);
    t.writer().submit(b -> b.put(t.wills(), key, value));
    return true;
  }

  /** Forgets a will of this session. Any thread. */
  synchronized void deleteWill(long id) {
    if (durable) {
      byte[] key = Keys.child(prefix, id);
      t.writer().submit(b -> b.delete(t.wills(), key));
    }
  }

  @Override
  public String toString() {
    return "RocksSessionState[" + clientId + (durable ? ", on disk" : "") + "]";
  }
}
