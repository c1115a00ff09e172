package dev.midge.codec.topic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Readers match without locks while a writer adds and removes: pairs stored throughout must be
 * reported every time, exactly once, and the tree must end exactly as a sequential one would.
 */
class TopicTreeConcurrencyTest {

    private static final int READERS = 4;
    private static final int WRITER_ROUNDS = 3_000;
    /** How many rounds a churned pair lives before the writer removes it. */
    private static final int CHURN_WINDOW = 40;
    /** Distinct second levels, so the children table of {@code s} grows, rebuilds and shrinks. */
    private static final int SIBLINGS = 300;
    private static final int MIN_READS = 10_000;
    private static final int MAX_READS = 2_000_000;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    @DisplayName("readers running during adds and removes see every stable pair once, and the final state is exact")
    void forEachMatch_whenWriterChurnsConcurrently_thenStablePairsAlwaysSeenAndFinalStateExact() throws Exception {
        TopicTree<String> tree = new TopicTree<>();
        addStablePairs(tree);
        AtomicBoolean writerDone = new AtomicBoolean();
        AtomicLong reads = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(READERS + 1);
        try {
            List<Future<?>> futures = new ArrayList<>();
            futures.add(pool.submit(() -> {
                start.await();
                try {
                    churn(tree);
                } finally {
                    writerDone.set(true);
                }
                return null;
            }));
            for (int r = 0; r < READERS; r++) {
                int reader = r;
                futures.add(pool.submit(() -> {
                    start.await();
                    List<String> seen = new ArrayList<>();
                    int i = 0;
                    while (i < MAX_READS && (i < MIN_READS || !writerDone.get())) {
                        readOnce(tree, (i + reader * 97) % SIBLINGS, i, seen);
                        i++;
                    }
                    reads.addAndGet(i);
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : futures) {
                future.get(100, TimeUnit.SECONDS); // rethrows a reader's AssertionError
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(reads.get()).isGreaterThanOrEqualTo((long) READERS * MIN_READS);
        TopicTree<String> expected = new TopicTree<>();
        addStablePairs(expected);
        assertThat(tree.size()).isEqualTo(expected.size());
        assertThat(tree.nodeCount()).as("churned nodes pruned").isEqualTo(expected.nodeCount());
        for (int k = 0; k < SIBLINGS; k++) {
            String topic = "s/" + k + "/x";
            assertThat(tree.matches(topic)).containsExactlyInAnyOrderElementsOf(expected.matches(topic));
        }
    }

    private static void addStablePairs(TopicTree<String> tree) {
        tree.add("s/+/x", "stable-plus");
        tree.add("#", "stable-hash");
        tree.add("s/#", "stable-s-hash");
        tree.add("s/7/x", "stable-exact");
        tree.add("$SYS/#", "stable-sys");
    }

    /** Adds pairs for each round and removes them {@link #CHURN_WINDOW} rounds later. */
    private static void churn(TopicTree<String> tree) {
        for (int round = 0; round < WRITER_ROUNDS + CHURN_WINDOW; round++) {
            if (round < WRITER_ROUNDS) {
                changeRound(tree, round, true);
            }
            if (round >= CHURN_WINDOW) {
                changeRound(tree, round - CHURN_WINDOW, false);
            }
        }
    }

    private static void changeRound(TopicTree<String> tree, int round, boolean add) {
        String value = "churn-" + round;
        String level = Integer.toString(round % SIBLINGS);
        // s/# crosses the array limit, so its values move to a set while readers iterate them.
        String[] filters = {"s/" + level + "/x", "s/#", "s/" + level + "/+/deep", "s/" + level + "/x/#", "+/" + level};
        for (String filter : filters) {
            boolean changed = add ? tree.add(filter, value) : tree.remove(filter, value);
            assertThat(changed).as("%s %s %s", add ? "add" : "remove", filter, value).isTrue();
        }
    }

    private static void readOnce(TopicTree<String> tree, int k, int iteration, List<String> seen) {
        seen.clear();
        String topic = switch (iteration % 3) {
            case 0 -> "s/" + k + "/x";
            case 1 -> "s/" + k + "/y/deep";
            default -> "$SYS/s/" + k;
        };
        tree.forEachMatch(topic, seen::add);
        for (String value : seen) {
            assertThat(value).startsWith(value.startsWith("stable") ? "stable-" : "churn-");
        }
        switch (iteration % 3) {
            case 0 -> {
                assertThat(count(seen, "stable-plus")).as(topic).isEqualTo(1);
                assertThat(count(seen, "stable-hash")).as(topic).isEqualTo(1);
                assertThat(count(seen, "stable-s-hash")).as(topic).isEqualTo(1);
                assertThat(count(seen, "stable-exact")).as(topic).isEqualTo(k == 7 ? 1 : 0);
            }
            case 1 -> {
                assertThat(count(seen, "stable-hash")).as(topic).isEqualTo(1);
                assertThat(count(seen, "stable-s-hash")).as(topic).isEqualTo(1);
                assertThat(count(seen, "stable-plus")).as(topic).isZero();
            }
            default -> assertThat(seen).as(topic).containsExactly("stable-sys"); // MQTT-4.7.2-1
        }
    }

    private static int count(List<String> values, String wanted) {
        int count = 0;
        for (String value : values) {
            if (value.equals(wanted)) {
                count++;
            }
        }
        return count;
    }
}
