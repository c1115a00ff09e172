package dev.midge.broker.store.rocksdb;

import dev.midge.broker.session.SessionState;
import dev.midge.broker.session.StoredSubscription;
import dev.midge.broker.store.WriteTicket;
import dev.midge.codec.packet.Publish;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
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
 * queue or the window; their keys carry the number, so RocksDB returns them in order. Each record
 * carries the message's absolute expiry deadline (MQTT 5 Message Expiry; 0 for none) and the
 * shared subscription it was routed by, if any; a subscription's record carries its Subscription
 * Identifier. What this state holds in memory is exactly what its records hold.
 *
 * <p>Threading as {@link SessionState}: subscriptions from any thread, the rest on the session's
 * owner. Changes are made under the state's lock, so that what is handed to the writer is in the
 * order of the changes in memory, even for subscriptions changed from another thread; the lock is
 * uncontended but for that.
 */
final class RocksSessionState implements SessionState {
  private record Entry(long seq, Queued queued, long bytes) {}

  private record Flying(long seq, Inflight inflight) {}

  /** A queue record staged in a write ticket, numbered {@code seq}, by {@code state}. */
  private record StagedRecord(RocksSessionState state, long seq) implements Staged {}

  private final Tables t;
  private final String clientId;
  private final byte[] prefix;
  private final ConcurrentHashMap<String, StoredSubscription> subscriptions =
      new ConcurrentHashMap<>();
  /** Recovered subscriptions not yet subscribed again: putting one of these writes nothing. */
  private @Nullable Map<String, StoredSubscription> replay; // under the lock; made by recovery
  private final ArrayDeque<Entry> queue = new ArrayDeque<>(1); // grows; most stay empty
  private final LinkedHashMap<Integer, Flying> inflight = new LinkedHashMap<>();
  /** Inbound QoS 2 packet identifiers, under the lock: made by the first (few clients use QoS 2). */
  private @Nullable Set<Integer> inbound;
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

  void recovered(List<StoredSubscription> subs) {
    durable = true;
    Map<String, StoredSubscription> r = new HashMap<>();
    for (StoredSubscription s : subs) {
      r.put(s.topicFilter(), s);
    }
    replay = r;
  }

  void recoverQueued(long seq, Records.StoredMessage m) {
    long bytes = SessionState.bytes(m.message());
    queue.add(new Entry(seq, new Queued(m.message(), m.expiresAt(), m.sharedSubscription()),
        bytes));
    queuedBytes += bytes;
    nextSeq = Math.max(nextSeq, seq + 1);
  }

  void recoverInflight(long seq, Records.StoredMessage m) {
    inflight.put(m.message().packetId(), new Flying(seq,
        new Inflight(m.message(), m.expiresAt(), m.released(), m.sharedSubscription())));
    nextSeq = Math.max(nextSeq, seq + 1);
  }

  void recoverInbound(int packetId) {
    inbound().add(packetId);
  }

  /** The inbound QoS 2 identifiers, made if need be. Under the lock, or during recovery. */
  private Set<Integer> inbound() {
    Set<Integer> in = inbound;
    if (in == null) {
      in = new HashSet<>();
      inbound = in;
    }
    return in;
  }

  // ---- subscriptions ----

  @Override
  public synchronized @Nullable StoredSubscription putSubscription(
      StoredSubscription subscription) {
    String filter = subscription.topicFilter();
    StoredSubscription previous = subscriptions.put(filter, subscription);
    Map<String, StoredSubscription> r = replay;
    boolean replayed = r != null && r.remove(filter, subscription);
    if (durable && !replayed) {
      byte[] key = Keys.child(prefix, filter);
      byte[] value = Records.subscription(subscription);
      t.writer().submit(b -> b.put(t.subscriptions(), key, value));
    }
    return previous;
  }

  @Override
  public synchronized @Nullable StoredSubscription removeSubscription(String topicFilter) {
    StoredSubscription previous = subscriptions.remove(topicFilter);
    if (previous != null && durable) {
      byte[] key = Keys.child(prefix, topicFilter);
      t.writer().submit(b -> b.delete(t.subscriptions(), key));
    }
    return previous;
  }

  @Override
  public @Nullable StoredSubscription subscription(String topicFilter) {
    return subscriptions.get(topicFilter);
  }

  @Override
  public Map<String, StoredSubscription> subscriptions() {
    return Collections.unmodifiableMap(new LinkedHashMap<>(subscriptions));
  }

  // ---- queue ----

  /**
   * Stages the message's queue record in the write ticket open on this thread, numbered now, so
   * that it is written in the same change as the rest of the PUBLISH (the inbound QoS 2 packet
   * identifier, the other subscribers' records). Any thread.
   */
  @Override
  public synchronized @Nullable Staged stage(Publish message, long expiresAt,
      @Nullable String sharedSubscription) {
    WriteTicket ticket = WriteTicket.current();
    if (ticket == null || !durable) {
      return null;
    }
    long seq = nextSeq++;
    byte[] key = Keys.child(prefix, seq);
    byte[] value = Records.message(message, expiresAt, false, sharedSubscription);
    ticket.stage(new RocksDbStorage.Staged(b -> b.put(t.queue(), key, value)));
    return new StagedRecord(this, seq);
  }

  /** The message is on disk already: staged under {@code staged}'s number. */
  @Override
  public synchronized void enqueue(Publish message, long expiresAt,
      @Nullable String sharedSubscription, @Nullable Staged staged) {
    if (!(staged instanceof StagedRecord r) || r.state() != this) {
      enqueue(message, expiresAt, sharedSubscription);
      return;
    }
    long bytes = SessionState.bytes(message);
    queue.add(new Entry(r.seq(), new Queued(message, expiresAt, sharedSubscription), bytes));
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
  public synchronized void enqueue(Publish message, long expiresAt,
      @Nullable String sharedSubscription) {
    long seq = nextSeq++;
    long bytes = SessionState.bytes(message);
    queue.add(new Entry(seq, new Queued(message, expiresAt, sharedSubscription), bytes));
    queuedBytes += bytes;
    if (durable) {
      byte[] key = Keys.child(prefix, seq);
      byte[] value = Records.message(message, expiresAt, false, sharedSubscription);
      t.writer().submit(b -> b.put(t.queue(), key, value));
    }
  }

  @Override
  public @Nullable Queued peekQueued() {
    Entry e = queue.peek();
    return e == null ? null : e.queued();
  }

  @Override
  public synchronized @Nullable Queued pollQueued() {
    Entry e = queue.poll();
    if (e == null) {
      return null;
    }
    queuedBytes -= e.bytes();
    if (durable) {
      byte[] key = Keys.child(prefix, e.seq());
      t.writer().submit(b -> b.delete(t.queue(), key));
    }
    return e.queued();
  }

  /**
   * Asks {@code remove} about each queued message without holding the state's lock (it may hand
   * the message to another session; the queue changes on the owner only), then removes those it
   * took, and their records in one change (the write ticket's, when one is open).
   */
  @Override
  public int removeQueuedIf(Predicate<Queued> remove) {
    Set<Long> removed = new HashSet<>();
    for (Entry e : new ArrayList<>(queue)) {
      if (remove.test(e.queued())) {
        removed.add(e.seq());
      }
    }
    if (removed.isEmpty()) {
      return 0;
    }
    List<byte[]> keys = new ArrayList<>(removed.size());
    synchronized (this) {
      queue.removeIf(e -> {
        if (!removed.contains(e.seq())) {
          return false;
        }
        queuedBytes -= e.bytes();
        keys.add(Keys.child(prefix, e.seq()));
        return true;
      });
      if (durable) {
        write(b -> { // inside a hand-off's ticket: one change with the takers' records
          for (byte[] key : keys) {
            b.delete(t.queue(), key);
          }
        });
      }
    }
    return removed.size();
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
  public synchronized void putInflight(Publish message, long expiresAt,
      @Nullable String sharedSubscription) {
    fly(new Inflight(message, expiresAt, false, sharedSubscription), null);
  }

  /** Sent at once: the staged queue record moves to the in-flight window in one change. */
  @Override
  public synchronized void putInflight(Publish message, long expiresAt,
      @Nullable String sharedSubscription, @Nullable Staged staged) {
    Inflight f = new Inflight(message, expiresAt, false, sharedSubscription);
    if (staged instanceof StagedRecord r && r.state() == this) {
      fly(f, Keys.child(prefix, r.seq()));
    } else {
      fly(f, null);
    }
  }

  @Override
  public synchronized void sendQueued(Publish sent) {
    Entry e = queue.poll();
    if (e == null) {
      throw new IllegalStateException("nothing queued");
    }
    queuedBytes -= e.bytes();
    Queued q = e.queued();
    fly(new Inflight(sent, q.expiresAt(), false, q.sharedSubscription()),
        Keys.child(prefix, e.seq()));
  }

  /** Records {@code f} in flight; deletes {@code queueKey} in the same change. */
  private void fly(Inflight f, byte @Nullable [] queueKey) {
    long seq = nextSeq++;
    Flying previous = inflight.put(f.packetId(), new Flying(seq, f));
    if (!durable) {
      return;
    }
    byte[] key = Keys.child(prefix, seq);
    byte[] value = Records.message(f.message(), f.expiresAt(), false, f.sharedSubscription());
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
    Inflight was = f.inflight();
    Inflight released = new Inflight(was.message(), was.expiresAt(), true,
        was.sharedSubscription());
    inflight.put(packetId, new Flying(f.seq(), released)); // keeps its place
    if (durable) {
      byte[] key = Keys.child(prefix, f.seq());
      byte[] value = Records.message(released.message(), released.expiresAt(), true,
          released.sharedSubscription());
      t.writer().submit(b -> b.put(t.inflight(), key, value));
    }
  }

  /**
   * Forgets a message in flight. Inside a write ticket (a shared-subscription hand-off) the
   * deletion joins the ticket's change, with the record of the member that takes the message.
   */
  @Override
  public synchronized void removeInflight(int packetId) {
    Flying f = inflight.remove(packetId);
    if (f != null && durable) {
      byte[] key = Keys.child(prefix, f.seq());
      write(b -> b.delete(t.inflight(), key));
    }
  }

  /**
   * Hands a change to the write ticket open on this thread, after its staged writes, or to the
   * writer when none is open.
   */
  private void write(StoreWriter.Change change) {
    WriteTicket ticket = WriteTicket.current();
    if (ticket != null) {
      ticket.stage(new RocksDbStorage.Staged(change));
    } else {
      t.writer().submit(change);
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
    if (!inbound().add(packetId)) {
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

  /**
   * Forgets an inbound QoS 2 packet identifier. Inside a write ticket the deletion is staged too,
   * after the ticket's own writes: a PUBLISH refused after its identifier was staged (MQTT 5, 0x97)
   * must not leave the identifier on disk, where it would make the client's next message with it
   * look like a resend.
   */
  @Override
  public synchronized boolean removeInboundQos2(int packetId) {
    Set<Integer> in = inbound;
    if (in == null || !in.remove(packetId)) {
      return false;
    }
    if (durable) {
      byte[] key = Keys.packetId(prefix, packetId);
      write(b -> b.delete(t.inbound(), key));
    }
    return true;
  }

  @Override
  public synchronized void clearMessages() {
    queue.clear();
    queuedBytes = 0;
    inflight.clear();
    inbound = null;
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
    replay = null;
    List<byte[][]> subs = new ArrayList<>();
    for (StoredSubscription s : subscriptions.values()) {
      subs.add(new byte[][] {Keys.child(prefix, s.topicFilter()), Records.subscription(s)});
    }
    List<byte[][]> queued = new ArrayList<>();
    for (Entry e : queue) {
      Queued q = e.queued();
      queued.add(new byte[][] {Keys.child(prefix, e.seq()),
          Records.message(q.message(), q.expiresAt(), false, q.sharedSubscription())});
    }
    List<byte[][]> flying = new ArrayList<>();
    for (Flying f : inflight.values()) {
      Inflight i = f.inflight();
      flying.add(new byte[][] {Keys.child(prefix, f.seq()),
          Records.message(i.message(), i.expiresAt(), i.released(), i.sharedSubscription())});
    }
    List<byte[]> ids = new ArrayList<>();
    Set<Integer> in = inbound;
    if (in != null) {
      for (int id : in) {
        ids.add(Keys.packetId(prefix, id));
      }
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
