package dev.midge.codec.topic;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The subscription index of a broker: topic filters, each with the values subscribed under it,
 * kept in a trie keyed by topic level so that finding every subscription a PUBLISH goes to costs in
 * proportion to the topic's levels and the matches, not to the number of subscriptions.
 *
 * <pre>{@code
 * TopicTree<Subscriber> tree = new TopicTree<>();
 * tree.add("sport/tennis/+", alice);
 * tree.add("sport/#", bob);
 * tree.add("sport/#", alice);
 * tree.forEachMatch("sport/tennis/player1", subscriber -> ...); // alice, bob, alice
 * tree.remove("sport/#", alice);
 * }</pre>
 *
 * <p><b>Matching</b> follows {@link Topics#matches} exactly: {@code +} matches one level, empty
 * ones included; {@code #} matches its parent level and everything below ({@code sport/#} matches
 * {@code sport}); a topic starting with {@code $} is not matched by a filter starting with a
 * wildcard (MQTT-4.7.2-1); levels compare char for char, without normalization (MQTT-4.7.3-4).
 *
 * <p><b>Duplicates.</b> A (filter, value) pair is stored at most once, values being compared with
 * {@link Object#equals}. The same value stored under several filters that all match a topic is
 * reported once per filter: {@code alice} above is reported twice for {@code sport/tennis/player1}.
 * MQTT asks the broker to deliver to a client with the highest QoS of its matching subscriptions,
 * and allows one copy per subscription besides (MQTT-3.3.5-1 in 3.1.1, MQTT-3.3.4-2 in 5.0): the
 * broker merges as it chooses; the tree does not, because that would cost a set per match.
 *
 * <p><b>Shared subscriptions</b> are not special here: store {@link SharedSubscription#topicFilter()}
 * with a value standing for the share group. A filter given as {@code $share/g/a} is stored
 * literally, as three levels, and would match only the topic {@code $share/g/a}.
 *
 * <p><b>Threading.</b> Any number of threads may call {@link #forEachMatch}, {@link #matches},
 * {@link #size} and {@link #isEmpty} at the same time as each other and as writers, without
 * locking and without blocking. {@link #add} and {@link #remove} take a lock private to the tree;
 * they are meant to be rare next to matches (SUBSCRIBE and UNSUBSCRIBE against every PUBLISH) and
 * cost a little more to keep reads free: each node's children are an open-addressing table
 * updated in place by the single writer, and each node's values a copy-on-write array, turned into
 * a concurrent set once a filter has more than {@value #ARRAY_LIMIT} values. A match that runs
 * while a pair is added or removed may or may not report that pair; a pair stored for the whole
 * match is always reported, exactly once per filter. The action may itself call {@code add} or
 * {@code remove} on this tree; whether the running match sees the change is unspecified.
 *
 * <p><b>Cost and limits.</b> A match allocates nothing per level: levels are found by index in the
 * topic and looked up by region, without substrings (a filter with more than {@value #ARRAY_LIMIT}
 * values allocates one iterator when reported). Matching recurses once per {@code +} level it
 * follows, so the stack depth grows with the number of levels of the stored filters: the broker
 * must bound it with the {@code maxLevels} argument of {@link Topics#validateTopicFilter}. Empty
 * nodes are removed with the last pair under them, so memory follows the stored pairs.
 *
 * <p>Values must not be null and must keep their {@code equals} and {@code hashCode} while stored;
 * an action that throws stops the match and the exception reaches the caller of {@link
 * #forEachMatch}.
 *
 * @param <V> the values stored under filters, typically a subscription or session reference
 */
public final class TopicTree<V> {

    /**
     * The number of values a filter keeps in a copy-on-write array; beyond it they move to a
     * concurrent set, so that adding the 100,000th subscriber to {@code alerts/#} does not copy
     * 100,000 references.
     */
    static final int ARRAY_LIMIT = 16;

    private static final Object[] NO_VALUES = {};

    /** Marks a removed slot of a {@link Children} table, so that readers keep probing past it. */
    private static final Node<?> TOMBSTONE = new Node<>(null, "");

    private final Object writeLock = new Object();
    private final Node<V> root = new Node<>(null, "");
    private volatile int size;

    /** Creates an empty tree. */
    public TopicTree() {
    }

    /**
     * Stores {@code value} under {@code filter}.
     *
     * @param filter a valid topic filter, not a {@code $share/} filter (see the class comment)
     * @param value the value; compared with {@code equals} to those already stored under {@code
     *     filter}
     * @return {@code true} if the pair was added, {@code false} if an equal value was already
     *     stored under this exact filter (the tree is then unchanged)
     * @throws IllegalArgumentException if {@code filter} is not a valid topic filter; validate
     *     client input with {@link Topics#validateTopicFilter} first, this check is a safety net
     */
    public boolean add(String filter, V value) {
        Objects.requireNonNull(value, "value");
        TopicProblem problem = Topics.validatePlainTopicFilter(filter, 0, "topic filter");
        if (problem != null) {
            throw new IllegalArgumentException("invalid topic filter: " + problem);
        }
        synchronized (writeLock) {
            Node<V> node = root;
            int start = 0;
            while (true) {
                int end = Topics.levelEnd(filter, start);
                Node<V> child = node.childForWrite(filter, start, end);
                if (child == null) {
                    child = node.addChild(filter.substring(start, end));
                }
                node = child;
                if (end == filter.length()) {
                    break;
                }
                start = end + 1;
            }
            // A duplicate means the node already held the value, so no node was created above.
            if (!node.addValue(value)) {
                return false;
            }
            size = size + 1;
            return true;
        }
    }

    /**
     * Removes {@code value} from under {@code filter}, and every node left empty by it.
     *
     * @param filter the filter the value was added under, compared char for char: {@code a/+}
     *     does not remove what was added under {@code a/b}
     * @param value the value, compared with {@code equals}
     * @return {@code true} if the pair was stored and is now removed, {@code false} otherwise
     *     (including for an invalid filter, which can never be stored)
     */
    public boolean remove(String filter, V value) {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(value, "value");
        synchronized (writeLock) {
            Node<V> node = root;
            int start = 0;
            while (true) {
                int end = Topics.levelEnd(filter, start);
                Node<V> child = node.childForWrite(filter, start, end);
                if (child == null) {
                    return false;
                }
                node = child;
                if (end == filter.length()) {
                    break;
                }
                start = end + 1;
            }
            if (!node.removeValue(value)) {
                return false;
            }
            size = size - 1;
            // Prune bottom-up: a node with no value and no child serves no filter. Readers holding
            // a pruned node only see it empty, which is right, as nothing stored is under it.
            while (node != root && node.isEmpty()) {
                Node<V> parent = Objects.requireNonNull(node.parent);
                parent.removeChild(node);
                node = parent;
            }
            return true;
        }
    }

    /**
     * Passes to {@code action} every value stored under a filter that matches {@code topicName},
     * once per (filter, value) pair: a value stored under two matching filters is passed twice.
     * The order is unspecified.
     *
     * <p>Lock-free, and allocation-free for filters with at most {@value #ARRAY_LIMIT} values.
     *
     * @param topicName a valid topic name (see {@link Topics#validateTopicName}); for an invalid
     *     one the result is unspecified, but nothing is thrown
     * @param action receives each matching value, on the calling thread
     */
    public void forEachMatch(String topicName, Consumer<? super V> action) {
        Objects.requireNonNull(action, "action");
        // MQTT-4.7.2-1: a topic starting with '$' is not matched by a filter starting with a
        // wildcard, so the root's '+' and '#' children are skipped for it.
        boolean dollar = !topicName.isEmpty() && topicName.charAt(0) == '$';
        match(root, topicName, 0, dollar, action);
    }

    /**
     * Collects what {@link #forEachMatch} reports, duplicates included.
     *
     * @param topicName a valid topic name
     * @return a new mutable list owned by the caller; empty if nothing matches
     */
    public List<V> matches(String topicName) {
        List<V> result = new ArrayList<>();
        forEachMatch(topicName, result::add);
        return result;
    }

    /**
     * The number of (filter, value) pairs stored; a value under two filters counts twice.
     *
     * @return the number of pairs, read without locking
     */
    public int size() {
        return size;
    }

    /**
     * Whether no pair is stored.
     *
     * @return {@code size() == 0}
     */
    public boolean isEmpty() {
        return size == 0;
    }

    @Override
    public String toString() {
        return "TopicTree[size=" + size + "]";
    }

    /**
     * The number of nodes, the root included: 1 for an empty tree once everything is removed.
     * Takes the write lock and walks the whole tree; for tests and diagnostics, not for routing.
     */
    int nodeCount() {
        synchronized (writeLock) {
            int count = 0;
            ArrayDeque<Node<V>> pending = new ArrayDeque<>();
            pending.push(root);
            while (!pending.isEmpty()) {
                Node<V> node = pending.pop();
                count++;
                Node<V> single = node.single;
                if (single != null) {
                    pending.push(single);
                }
                Node<V> multi = node.multi;
                if (multi != null) {
                    pending.push(multi);
                }
                Children<V> children = node.children;
                if (children != null) {
                    for (int i = 0; i < children.slots.length(); i++) {
                        Node<V> child = children.slots.get(i);
                        if (child != null && child != TOMBSTONE) {
                            pending.push(child);
                        }
                    }
                }
            }
            return count;
        }
    }

    /**
     * Reports the values under {@code node} that match the topic from index {@code start} on. The
     * loop follows the exact child level by level and recurses only into {@code +} children, so
     * the stack grows with the wildcard levels followed, not with every level.
     */
    private static <V> void match(Node<V> node, String topic, int start, boolean skipWildcards,
            Consumer<? super V> action) {
        int length = topic.length();
        Node<V> current = node;
        int levelStart = start;
        boolean skip = skipWildcards;
        while (true) {
            if (!skip) {
                // '#' here matches the level at levelStart (there always is one) and all below it.
                Node<V> multi = current.multi;
                if (multi != null) {
                    multi.forEachValue(action);
                }
            }
            // Find the level's end and its String.hashCode() in one pass, without a substring.
            int end = levelStart;
            int hash = 0;
            while (end < length) {
                char c = topic.charAt(end);
                if (c == Topics.LEVEL_SEPARATOR) {
                    break;
                }
                hash = 31 * hash + c;
                end++;
            }
            Node<V> exact = current.exactChild(topic, levelStart, end, hash);
            Node<V> single = skip ? null : current.single;
            if (end == length) {
                // Last level of the topic: report the filters ending here, and a "#" right below
                // them, which also matches its parent level ("sport/#" matches "sport").
                if (exact != null) {
                    exact.forEachValueAndMulti(action);
                }
                if (single != null) {
                    single.forEachValueAndMulti(action);
                }
                return;
            }
            if (single != null) {
                match(single, topic, end + 1, false, action);
            }
            if (exact == null) {
                return;
            }
            current = exact;
            levelStart = end + 1;
            skip = false;
        }
    }

    /** Home slot of a hash in a table of {@code mask + 1} slots: spreads the high bits down. */
    private static int home(int hash, int mask) {
        return (hash ^ (hash >>> 16)) & mask;
    }

    @SuppressWarnings("unchecked")
    private static <V> Node<V> tombstone() {
        return (Node<V>) TOMBSTONE;
    }

    /**
     * One topic level of stored filters. Fields read by matching threads are volatile and only
     * written under the tree's lock; everything else is final.
     */
    private static final class Node<V> {

        final @Nullable Node<V> parent;
        /** This node's level; {@code "+"} and {@code "#"} for wildcard nodes. */
        final String level;
        final int levelHash;

        /** Children by exact level, never {@code "+"} or {@code "#"}; null when there are none. */
        volatile @Nullable Children<V> children;
        /** The {@code +} child. */
        volatile @Nullable Node<V> single;
        /** The {@code #} child. */
        volatile @Nullable Node<V> multi;
        /**
         * Values of the filter ending here: an {@code Object[]} replaced on every change, of at
         * most {@link #ARRAY_LIMIT} values, or a concurrent set, never empty, for more.
         */
        volatile Object values = NO_VALUES;

        Node(@Nullable Node<V> parent, String level) {
            this.parent = parent;
            this.level = level;
            this.levelHash = level.hashCode();
        }

        /** The exact child for the level {@code s[start, end)} whose hash is {@code hash}. */
        @Nullable Node<V> exactChild(String s, int start, int end, int hash) {
            Children<V> table = children;
            return table == null ? null : table.find(s, start, end, hash);
        }

        /** The child for the filter level {@code s[start, end)}, wildcard or exact. */
        @Nullable Node<V> childForWrite(String s, int start, int end) {
            if (end - start == 1) {
                char c = s.charAt(start);
                if (c == Topics.SINGLE_LEVEL_WILDCARD) {
                    return single;
                }
                if (c == Topics.MULTI_LEVEL_WILDCARD) {
                    return multi;
                }
            }
            int hash = 0;
            for (int i = start; i < end; i++) {
                hash = 31 * hash + s.charAt(i);
            }
            return exactChild(s, start, end, hash);
        }

        /** Creates and links a child that is not there yet; under the tree's lock. */
        Node<V> addChild(String childLevel) {
            Node<V> child = new Node<>(this, childLevel);
            if (childLevel.length() == 1 && childLevel.charAt(0) == Topics.SINGLE_LEVEL_WILDCARD) {
                single = child;
            } else if (childLevel.length() == 1 && childLevel.charAt(0) == Topics.MULTI_LEVEL_WILDCARD) {
                multi = child;
            } else {
                Children<V> table = children;
                if (table == null || !table.tryInsert(child)) {
                    // Grow (or clean out tombstones) into a new table and publish it whole.
                    children = Children.copyOf(table, child);
                }
            }
            return child;
        }

        /** Unlinks a child; under the tree's lock. */
        void removeChild(Node<V> child) {
            if (single == child) {
                single = null;
            } else if (multi == child) {
                multi = null;
            } else {
                Children<V> table = Objects.requireNonNull(children);
                table.remove(child);
                if (table.live == 0) {
                    children = null;
                } else if (table.shouldShrink()) {
                    children = Children.copyOf(table, null);
                }
            }
        }

        boolean isEmpty() {
            return children == null && single == null && multi == null && values == NO_VALUES;
        }

        /** Adds a value if no equal one is here; under the tree's lock. */
        boolean addValue(V value) {
            Object current = values;
            if (current instanceof Object[] array) {
                for (Object stored : array) {
                    if (value.equals(stored)) {
                        return false;
                    }
                }
                if (array.length < ARRAY_LIMIT) {
                    Object[] copy = Arrays.copyOf(array, array.length + 1);
                    copy[array.length] = value;
                    values = copy;
                } else {
                    Set<Object> set = ConcurrentHashMap.newKeySet(4 * ARRAY_LIMIT);
                    Collections.addAll(set, array);
                    set.add(value);
                    values = set; // published only once filled
                }
                return true;
            }
            return asSet(current).add(value);
        }

        /** Removes a value equal to {@code value}; under the tree's lock. */
        boolean removeValue(V value) {
            Object current = values;
            if (current instanceof Object[] array) {
                for (int i = 0; i < array.length; i++) {
                    if (value.equals(array[i])) {
                        if (array.length == 1) {
                            values = NO_VALUES;
                        } else {
                            Object[] copy = new Object[array.length - 1];
                            System.arraycopy(array, 0, copy, 0, i);
                            System.arraycopy(array, i + 1, copy, i, array.length - i - 1);
                            values = copy;
                        }
                        return true;
                    }
                }
                return false;
            }
            Set<Object> set = asSet(current);
            if (!set.remove(value)) {
                return false;
            }
            if (set.isEmpty()) {
                values = NO_VALUES; // keeps isEmpty() a reference comparison
            }
            return true;
        }

        @SuppressWarnings("unchecked")
        void forEachValue(Consumer<? super V> action) {
            Object current = values;
            if (current instanceof Object[] array) {
                for (Object value : array) {
                    action.accept((V) value);
                }
            } else {
                ((Set<V>) current).forEach(action);
            }
        }

        void forEachValueAndMulti(Consumer<? super V> action) {
            forEachValue(action);
            Node<V> below = multi;
            if (below != null) {
                below.forEachValue(action);
            }
        }

        @SuppressWarnings("unchecked")
        private static Set<Object> asSet(Object values) {
            return (Set<Object>) values;
        }

        @Override
        public String toString() {
            return "Node[" + level + "]";
        }
    }

    /**
     * The exact-level children of a node: an open-addressing hash table with linear probing,
     * searched by a region of the topic so that matching needs no substring.
     *
     * <p>Only the tree's writer changes a table, under the lock: it fills a free slot in place or
     * turns a removed child's slot into {@link #TOMBSTONE}, and never moves a child, so a reader
     * probing at the same time finds every child that stays linked. When the table gets too full
     * (counting tombstones) or too empty, the writer builds a new one and publishes it through
     * {@link Node#children}; readers still on the old one see it as it was.
     */
    private static final class Children<V> {

        private static final int MIN_CAPACITY = 4;

        final AtomicReferenceArray<@Nullable Node<V>> slots;
        /** Linked children; read and written under the tree's lock only. */
        int live;
        /** Slots that are not null: children and tombstones; under the lock only. */
        int used;

        private Children(int capacity) {
            slots = new AtomicReferenceArray<>(capacity);
        }

        /** A new table holding the live children of {@code old} (if any) and {@code extra}. */
        static <V> Children<V> copyOf(@Nullable Children<V> old, @Nullable Node<V> extra) {
            int count = (old == null ? 0 : old.live) + (extra == null ? 0 : 1);
            int capacity = MIN_CAPACITY;
            while (capacity < 4 * count) {
                capacity <<= 1; // load at most 1/4 after a rebuild, at most 1/2 before the next
            }
            Children<V> table = new Children<>(capacity);
            if (old != null) {
                for (int i = 0; i < old.slots.length(); i++) {
                    Node<V> child = old.slots.get(i);
                    if (child != null && child != TOMBSTONE) {
                        table.insertFresh(child);
                    }
                }
            }
            if (extra != null) {
                table.insertFresh(extra);
            }
            return table;
        }

        @Nullable Node<V> find(String s, int start, int end, int hash) {
            AtomicReferenceArray<@Nullable Node<V>> table = slots;
            int length = end - start;
            int mask = table.length() - 1;
            int i = home(hash, mask);
            // Bounded, so that even a table full of tombstones cannot loop forever.
            for (int probes = 0; probes <= mask; probes++) {
                Node<V> child = table.get(i);
                if (child == null) {
                    return null;
                }
                if (child != TOMBSTONE && child.levelHash == hash && child.level.length() == length
                        && child.level.regionMatches(0, s, start, length)) {
                    return child;
                }
                i = (i + 1) & mask;
            }
            return null;
        }

        /**
         * Links a child known to be absent, in place, if the table stays at most half full;
         * returns {@code false} if it needs rebuilding instead.
         */
        boolean tryInsert(Node<V> child) {
            int mask = slots.length() - 1;
            int i = home(child.levelHash, mask);
            while (true) {
                Node<V> current = slots.get(i);
                if (current == TOMBSTONE) {
                    // Reusing a tombstone does not make the table fuller.
                    slots.set(i, child);
                    live++;
                    return true;
                }
                if (current == null) {
                    if (2 * (used + 1) > slots.length()) {
                        return false;
                    }
                    slots.set(i, child); // a volatile write: the child is fully built before
                    live++;
                    used++;
                    return true;
                }
                i = (i + 1) & mask;
            }
        }

        /** Turns a linked child's slot into a tombstone. */
        void remove(Node<V> child) {
            int mask = slots.length() - 1;
            int i = home(child.levelHash, mask);
            for (int probes = 0; probes <= mask; probes++) {
                Node<V> current = slots.get(i);
                if (current == child) {
                    slots.set(i, tombstone());
                    live--;
                    return;
                }
                if (current == null) {
                    break;
                }
                i = (i + 1) & mask;
            }
            throw new IllegalStateException("child not linked: " + child);
        }

        boolean shouldShrink() {
            return slots.length() > 8 * MIN_CAPACITY && 8 * live < slots.length();
        }

        /** Inserts into a table not yet visible to readers. */
        private void insertFresh(Node<V> child) {
            int mask = slots.length() - 1;
            int i = home(child.levelHash, mask);
            while (slots.get(i) != null) {
                i = (i + 1) & mask;
            }
            slots.set(i, child);
            live++;
            used++;
        }
    }
}
