package dev.midge.broker.retain;

import dev.midge.codec.packet.Publish;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Retained messages in memory, in a trie keyed by topic level, so that a subscription finds its
 * retained messages by walking only the branches its filter can match: {@code a/+/c} visits the
 * children of {@code a}, not every retained topic.
 *
 * <p>Reads take no lock (concurrent maps and a volatile message per node); writes synchronize on
 * the store, and remove nodes left empty.
 */
public final class InMemoryRetainedStore implements RetainedStore {
  private final Node root = new Node();
  private final AtomicInteger size = new AtomicInteger();

  private static final class Node {
    final ConcurrentHashMap<String, Node> children = new ConcurrentHashMap<>(4);
    volatile @Nullable Publish message;
  }

  @Override
  public synchronized void retain(Publish message) {
    retain(message, 0);
  }

  /** Atomic: the check of the bound and the change are made under the store's lock. */
  @Override
  public synchronized boolean retain(Publish message, int maxMessages) {
    String topic = message.topic();
    if (message.payload().length == 0) {
      remove(root, topic, 0);
      return true;
    }
    if (maxMessages > 0 && size.get() >= maxMessages && !contains(topic)) {
      return false;
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
    if (node.message == null) {
      size.incrementAndGet();
    }
    node.message = message;
    return true;
  }

  /** Whether {@code topic} has a retained message; under the store's lock. */
  private boolean contains(String topic) {
    Node node = root;
    int start = 0;
    while (true) {
      int end = topic.indexOf('/', start);
      node = node.children.get(topic.substring(start, end < 0 ? topic.length() : end));
      if (node == null) {
        return false;
      }
      if (end < 0) {
        return node.message != null;
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
  public void forEachMatching(String filter, Consumer<Publish> action) {
    String[] levels = filter.split("/", -1);
    match(root, levels, 0, true, action);
  }

  private void match(Node node, String[] levels, int i, boolean atRoot, Consumer<Publish> action) {
    if (i == levels.length) {
      Publish m = node.message;
      if (m != null) {
        action.accept(m);
      }
      return;
    }
    String level = levels[i];
    if (level.equals("#")) {
      // '#' matches the parent level too: "sport/#" matches "sport" (MQTT-4.7.1-2).
      if (!atRoot) {
        Publish m = node.message;
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

  private void all(Node node, Consumer<Publish> action) {
    Publish m = node.message;
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
