package dev.midge.codec.topic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Property tests over filters and topics drawn from a small alphabet of levels, so that matches,
 * near misses, empty levels and {@code $} topics are all frequent. Generated from a fixed seed,
 * overridable with {@code -Dmidge.seed=N}; each failure names the seed and the case.
 */
class TopicTreePropertiesTest {

    private static final String[] TOPIC_LEVELS = {"a", "b", "ab", "$x", ""};
    private static final String[] FILTER_LEVELS = {"a", "b", "ab", "$x", "", "+"};

    record Entry(String filter, String value) {
    }

    private static final int TRIES = 1000;
    private static final long SEED = Long.getLong("midge.seed", 0x5EED_70B1CL);

    @Test
    @DisplayName("MQTT-4.7.2-1, 4.7.1: TopicTree.forEachMatch reports what brute-force Topics.matches finds, once per pair")
    void forEachMatch_whenAnyFiltersAndTopics_thenAgreesWithBruteForce() {
        Random random = new Random(SEED);
        for (int i = 0; i < TRIES; i++) {
            List<Entry> entries = entries(random);
            List<String> topics = topicList(random);
            try {
                forEachMatchAgrees(entries, topics);
            } catch (AssertionError e) {
                throw new AssertionError("seed " + SEED + ", try " + i + ": entries " + entries + ", topics " + topics, e);
            }
        }
    }

    private static void forEachMatchAgrees(List<Entry> entries, List<String> topics) {
        TopicTree<String> tree = new TopicTree<>();
        Set<Entry> stored = new LinkedHashSet<>();
        for (Entry entry : entries) {
            assertThat(tree.add(entry.filter(), entry.value())).as("add %s", entry).isEqualTo(stored.add(entry));
        }
        assertThat(tree.size()).isEqualTo(stored.size());
        assertAgrees(tree, stored, topics);

        // Remove every other entry (some twice, since entries may repeat), then all of them.
        for (int i = 0; i < entries.size(); i += 2) {
            Entry entry = entries.get(i);
            assertThat(tree.remove(entry.filter(), entry.value())).as("remove %s", entry).isEqualTo(stored.remove(entry));
        }
        assertThat(tree.size()).isEqualTo(stored.size());
        assertAgrees(tree, stored, topics);

        for (Entry entry : entries) {
            assertThat(tree.remove(entry.filter(), entry.value())).isEqualTo(stored.remove(entry));
        }
        assertThat(tree.isEmpty()).isTrue();
        assertThat(tree.nodeCount()).as("empty nodes pruned").isEqualTo(1);
    }

    @Test
    @DisplayName("MQTT-4.7.2-1, 4.7.1: Topics.matches agrees with a split-based reference")
    void matches_whenAnyFilterAndTopic_thenAgreesWithReference() {
        Random random = new Random(SEED);
        for (int i = 0; i < TRIES; i++) {
            String filter = filter(random);
            String topicName = topic(random);
            assertThat(Topics.matches(filter, topicName))
                    .as("seed %d: %s against %s", SEED, filter, topicName)
                    .isEqualTo(referenceMatches(filter, topicName));
        }
    }

    @Test
    @DisplayName("generated filters and topics are valid; a topic is a filter that matches itself")
    void validate_whenGenerated_thenValid() {
        Random random = new Random(SEED);
        for (int i = 0; i < TRIES; i++) {
            validates(filter(random), topic(random));
        }
    }

    private static void validates(String filter, String topicName) {
        assertThat(Topics.validateTopicFilter(filter, 0)).isNull();
        assertThat(Topics.validateTopicName(topicName, 0)).isNull();
        assertThat(Topics.validateTopicFilter(topicName, 0)).isNull();
        assertThat(Topics.matches(topicName, topicName)).isTrue();
    }

    private static void assertAgrees(TopicTree<String> tree, Set<Entry> stored, List<String> topics) {
        for (String topic : topics) {
            List<String> expected = new ArrayList<>();
            for (Entry entry : stored) {
                if (Topics.matches(entry.filter(), topic)) {
                    expected.add(entry.value());
                }
            }
            List<String> actual = new ArrayList<>();
            tree.forEachMatch(topic, actual::add);
            assertThat(actual).as("matches of %s in %s", topic, stored).containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    /** The matching rules written the obvious way, with split and arrays. */
    private static boolean referenceMatches(String filter, String topicName) {
        String[] filterLevels = filter.split("/", -1);
        String[] topicLevels = topicName.split("/", -1);
        if (topicName.startsWith("$") && (filterLevels[0].equals("+") || filterLevels[0].equals("#"))) {
            return false;
        }
        for (int i = 0; i < filterLevels.length; i++) {
            if (filterLevels[i].equals("#")) {
                return true; // the rest, including nothing at all: "sport/#" matches "sport"
            }
            if (i >= topicLevels.length) {
                return false;
            }
            if (!filterLevels[i].equals("+") && !filterLevels[i].equals(topicLevels[i])) {
                return false;
            }
        }
        return filterLevels.length == topicLevels.length;
    }

    private static String pick(Random random, String[] levels) {
        return levels[random.nextInt(levels.length)];
    }

    private static String topic(Random random) {
        while (true) {
            int n = 1 + random.nextInt(5);
            List<String> levels = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                levels.add(pick(random, TOPIC_LEVELS));
            }
            String topic = String.join("/", levels);
            if (!topic.isEmpty()) {
                return topic;
            }
        }
    }

    private static List<String> topicList(Random random) {
        int n = 1 + random.nextInt(8);
        List<String> topics = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            topics.add(topic(random));
        }
        return topics;
    }

    private static String filter(Random random) {
        while (true) {
            int n = random.nextInt(6);
            List<String> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                all.add(pick(random, FILTER_LEVELS));
            }
            if (random.nextBoolean() || all.isEmpty()) {
                all.add("#");
            }
            String filter = String.join("/", all);
            if (!filter.isEmpty()) {
                return filter;
            }
        }
    }

    private static List<Entry> entries(Random random) {
        int n = random.nextInt(13);
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            entries.add(new Entry(filter(random), pick(random, new String[] {"v1", "v2", "v3"})));
        }
        return entries;
    }
}
