package dev.midge.broker.session;

import dev.midge.codec.packet.Publish;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Sessions' state in memory: lost when the process ends. The default until a durable store is
 * configured, and what tests use.
 */
public final class InMemorySessionStore implements SessionStore {

  @Override
  public SessionState create(String clientId) {
    return new State();
  }

  /**
   * Nothing to forget: this store keeps no index of its states, and the session has already
   * dropped its messages on its own thread ({@link Session#discard()}); the state goes with it.
   */
  @Override
  public void remove(String clientId, SessionState state) {}

  private static final class State implements SessionState {
    private final ConcurrentHashMap<String, StoredSubscription> subscriptions =
        new ConcurrentHashMap<>();
    private final ArrayDeque<Queued> queue = new ArrayDeque<>(1); // grows; most stay empty
    private final LinkedHashMap<Integer, Inflight> inflight = new LinkedHashMap<>();
    private final Set<Integer> inboundQos2 = new HashSet<>();
    private long queuedBytes;

    @Override
    public @Nullable StoredSubscription putSubscription(StoredSubscription subscription) {
      return subscriptions.put(subscription.topicFilter(), subscription);
    }

    @Override
    public @Nullable StoredSubscription removeSubscription(String topicFilter) {
      return subscriptions.remove(topicFilter);
    }

    @Override
    public @Nullable StoredSubscription subscription(String topicFilter) {
      return subscriptions.get(topicFilter);
    }

    @Override
    public Map<String, StoredSubscription> subscriptions() {
      return Collections.unmodifiableMap(new LinkedHashMap<>(subscriptions));
    }

    @Override
    public void enqueue(Publish message, long expiresAt, @Nullable String sharedSubscription) {
      queue.add(new Queued(message, expiresAt, sharedSubscription));
      queuedBytes += SessionState.bytes(message);
    }

    @Override
    public @Nullable Queued peekQueued() {
      return queue.peek();
    }

    @Override
    public @Nullable Queued pollQueued() {
      Queued q = queue.poll();
      if (q != null) {
        queuedBytes -= SessionState.bytes(q.message());
      }
      return q;
    }

    @Override
    public int queuedCount() {
      return queue.size();
    }

    @Override
    public int removeQueuedIf(Predicate<Queued> remove) {
      int removed = 0;
      for (Iterator<Queued> it = queue.iterator(); it.hasNext(); ) {
        Queued q = it.next();
        if (remove.test(q)) {
          it.remove();
          queuedBytes -= SessionState.bytes(q.message());
          removed++;
        }
      }
      return removed;
    }

    @Override
    public long queuedBytes() {
      return queuedBytes;
    }

    @Override
    public void putInflight(Publish message, long expiresAt,
        @Nullable String sharedSubscription) {
      inflight.put(message.packetId(),
          new Inflight(message, expiresAt, false, sharedSubscription));
    }

    @Override
    public @Nullable Inflight inflight(int packetId) {
      return inflight.get(packetId);
    }

    @Override
    public void markReleased(int packetId) {
      Inflight f = inflight.get(packetId);
      if (f != null) {
        // keeps its place in order
        inflight.put(packetId,
            new Inflight(f.message(), f.expiresAt(), true, f.sharedSubscription()));
      }
    }

    @Override
    public void removeInflight(int packetId) {
      inflight.remove(packetId);
    }

    @Override
    public Iterable<Inflight> inflight() {
      List<Inflight> copy = new ArrayList<>(inflight.values());
      return copy;
    }

    @Override
    public int inflightCount() {
      return inflight.size();
    }

    @Override
    public boolean addInboundQos2(int packetId) {
      return inboundQos2.add(packetId);
    }

    @Override
    public boolean removeInboundQos2(int packetId) {
      return inboundQos2.remove(packetId);
    }

    @Override
    public void clearMessages() {
      queue.clear();
      queuedBytes = 0;
      inflight.clear();
      inboundQos2.clear();
    }
  }
}
