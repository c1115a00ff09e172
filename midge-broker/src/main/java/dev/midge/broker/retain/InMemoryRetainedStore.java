package dev.midge.broker.retain;

import dev.midge.codec.packet.Publish;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Retained messages in memory, in a trie keyed by topic level, so that a subscription finds its
 * retained messages by walking only the branches its filter can match: {@code a/+/c} visits the
 * children of {@code a}, not every retained topic.
 *
 * <p>Messages with a deadline are also indexed by it, so that {@link #removeExpired} costs in
 * proportion to what it removes, not to the number of retained messages; lookups skip a message
 * whose deadline has come even before it is removed.
 *
 * <p>Reads take no lock (concurrent maps and a volatile message per node); writes synchronize on
 * the store, and remove nodes left empty.
 */
public final class InMemoryRetainedStore implements RetainedStore {
  private final Node root = new Node();
  private final AtomicInteger size = new AtomicInteger();
  /** The messages that expire, soonest first. Guarded by {@code this}. */
  private final TreeSet<Deadline> deadlines = new TreeSet<>();
  /** Guarded by {@code this}. */
  private long sequence;

  private static final class Node {
    final ConcurrentHashMap<String, Node> children = new ConcurrentHashMap<>(4);
    volatile @Nullable RetainedMessage message;
    /** Which retain put {@link #message} here, to find its {@link Deadline}. Guarded by the store. */
    long sequence;
  }

  /** A message's place in {@link #deadlines}: ordered by deadline, then by when it was retained. */
  private record Deadline(long expiresAt, long sequence, String topic)
      implements Comparable<Deadline> {
    @Override
    public int compareTo(Deadline o) {
      int c = Long.compare(expiresAt, o.expiresAt);
      return c != 0 ? c : Long.compare(sequence, o.sequence);
    }
  }

  private static boolean isExpired(RetainedMessage m, long now) {
    return m.expiresAt() != 0 && now >= m.expiresAt();
  }

  @Override
  public synchronized void retain(Publish message, long expiresAt) {
    retain(message, expiresAt, 0);
  }

  /** Atomic: the check of the bound and the change are made under the store's lock. */
  @Override
  public synchronized boolean retain(Publish message, long expiresAt, int maxMessages) {
    String topic = message.topic();
    if (message.payload().length == 0) {
      removeTopic(topic);
      return true;
    }
    if (maxMessages > 0 && size.get() >= maxMessages) {
      Node existing = find(topic);
      if (existing == null || existing.message == null) {
        return false;
      }
    }
    Node node = root;
    int start = 0;
    while (true) {
      int end = topic.indexOf('/', start);
      String level = topic.substring(start, end < 0 ? topic.length() : end);
      node = node.children.computeIfAbsent(level, k -> new Node());
      if (end < 0) {
        break;
      }
      start = end + 1;
    }
    RetainedMessage old = node.message;
    if (old == null) {
      size.incrementAndGet();
    } else if (old.expiresAt() != 0) {
      deadlines.remove(new Deadline(old.expiresAt(), node.sequence, topic));
    }
    node.sequence = ++sequence;
    if (expiresAt != 0) {
      deadlines.add(new Deadline(expiresAt, node.sequence, topic));
    }
    node.message = new RetainedMessage(message, expiresAt);
    return true;
  }

  @Override
  public synchronized int removeExpired(long now) {
    return removeExpired(now, topic -> {});
  }

  /**
   * {@link #removeExpired(long)}, telling {@code removed} each topic whose message it removed,
   * under the store's lock: for a durable store that keeps this one for lookups.
   */
  public synchronized int removeExpired(long now, Consumer<String> removed) {
    int n = 0;
    while (!deadlines.isEmpty() && deadlines.first().expiresAt() <= now) {
      Deadline d = deadlines.pollFirst();
      Node node = find(d.topic());
      if (node != null && node.message != null && node.sequence == d.sequence()) {
        remove(root, d.topic(), 0);
        removed.accept(d.topic());
        n++;
      }
    }
    return n;
  }

  /** Removes the retained message of {@code topic} and its deadline, if any. Holds the lock. */
  private void removeTopic(String topic) {
    Node node = find(topic);
    if (node == null) {
      return;
    }
    RetainedMessage old = node.message;
    if (old != null && old.expiresAt() != 0) {
      deadlines.remove(new Deadline(old.expiresAt(), node.sequence, topic));
    }
    remove(root, topic, 0);
  }

  /** The node of {@code topic}, or null. */
  private @Nullable Node find(String topic) {
    Node node = root;
    int start = 0;
    while (true) {
      int end = topic.indexOf('/', start);
      node = node.children.get(topic.substring(start, end < 0 ? topic.length() : end));
      if (node == null || end < 0) {
        return node;
      }
      start = end + 1;
    }
  }

  /** Removes the message of {@code topic} below {@code node}; returns whether node is now empty. */
  private boolean remove(Node node, String topic, int start) {
    int end = topic.indexOf('/', start);
    String level = topic.substring(start, end < 0 ? topic.length() : end);
    Node child = node.children.get(level);
    if (child == null) {
      return false;
    }
    if (end < 0) {
      if (child.message != null) {
        child.message = null;
        size.decrementAndGet();
      }
    } else {
      remove(child, topic, end + 1);
    }
    if (child.message == null && child.children.isEmpty()) {
      node.children.remove(level, child);
    }
    return node.message == null && node.children.isEmpty();
  }

  @Override
  public void forEachMatching(String filter, long now, Consumer<RetainedMessage> action) {
    String[] levels = filter.split("/", -1);
    // An expired message is skipped here already; removeExpired forgets it.
    match(root, levels, 0, true, m -> {
      if (!isExpired(m, now)) {
        action.accept(m);
      }
    });
  }

  private void match(Node node, String[] levels, int i, boolean atRoot,
      Consumer<RetainedMessage> action) {
    if (i == levels.length) {
      RetainedMessage m = node.message;
      if (m != null) {
        action.accept(m);
      }
      return;
    }
    String level = levels[i];
    if (level.equals("#")) {
      // '#' matches the parent level too: "sport/#" matches "sport" (MQTT-4.7.1-2).
      if (!atRoot) {
        RetainedMessage m = node.message;
        if (m != null) {
          action.accept(m);
        }
      }
      for (Map.Entry<String, Node> e : node.children.entrySet()) {
        if (atRoot && e.getKey().startsWith("$")) {
          continue; // MQTT-4.7.2-1: no leading wildcard matches a $ topic
        }
        all(e.getValue(), action);
      }
    } else if (level.equals("+")) {
      for (Map.Entry<String, Node> e : node.children.entrySet()) {
        if (atRoot && e.getKey().startsWith("$")) {
          continue;
        }
        match(e.getValue(), levels, i + 1, false, action);
      }
    } else {
      Node child = node.children.get(level);
      if (child != null) {
        match(child, levels, i + 1, false, action);
      }
    }
  }

  private void all(Node node, Consumer<RetainedMessage> action) {
    RetainedMessage m = node.message;
    if (m != null) {
      action.accept(m);
    }
    Iterator<Node> it = node.children.values().iterator();
    while (it.hasNext()) {
      all(it.next(), action);
    }
  }

  @Override
  public int size() {
    return size.get();
  }

  /** Whether a filter could match anything here at all: a cheap check before walking. */
  public boolean isEmpty() {
    return size.get() == 0;
  }
}
