package dev.midge.codec.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TopicTreeTest {

    private final TopicTree<String> tree = new TopicTree<>();

    @Test
    @DisplayName("a new tree is empty and matches nothing")
    void newTree_whenCreated_thenEmpty() {
        assertThat(tree.size()).isZero();
        assertThat(tree.isEmpty()).isTrue();
        assertThat(tree.matches("a")).isEmpty();
        assertThat(tree.nodeCount()).isEqualTo(1);
        assertThat(tree).hasToString("TopicTree[size=0]");
    }

    @Test
    @DisplayName("add stores a new pair and counts it")
    void add_whenPairNew_thenTrueAndSizeGrows() {
        assertThat(tree.add("sport/tennis/+", "alice")).isTrue();
        assertThat(tree.add("sport/tennis/+", "bob")).isTrue();
        assertThat(tree.add("sport/#", "alice")).isTrue();

        assertThat(tree.size()).isEqualTo(3);
        assertThat(tree.isEmpty()).isFalse();
        assertThat(tree.matches("sport/tennis/player1")).containsExactlyInAnyOrder("alice", "bob", "alice");
    }

    @Test
    @DisplayName("add of a pair already stored, by equals, changes nothing")
    void add_whenEqualPairPresent_thenFalseAndUnchanged() {
        tree.add("a/b", "alice");
        int nodes = tree.nodeCount();

        assertThat(tree.add("a/b", new String("alice"))).isFalse();

        assertThat(tree.size()).isEqualTo(1);
        assertThat(tree.nodeCount()).isEqualTo(nodes);
        assertThat(tree.matches("a/b")).containsExactly("alice");
    }

    @Test
    @DisplayName("the same value under two overlapping filters is reported once per filter")
    void forEachMatch_whenValueUnderTwoMatchingFilters_thenReportedTwice() {
        tree.add("sport/+", "alice");
        tree.add("sport/#", "alice");
        tree.add("sport/tennis", "alice");

        List<String> seen = new ArrayList<>();
        tree.forEachMatch("sport/tennis", seen::add);

        assertThat(seen).containsExactly("alice", "alice", "alice");
    }

    @Test
    @DisplayName("remove of a stored pair removes only that pair")
    void remove_whenPairStored_thenTrueAndOthersKept() {
        tree.add("a/+", "alice");
        tree.add("a/+", "bob");
        tree.add("a/b", "alice");

        assertThat(tree.remove("a/+", new String("alice"))).isTrue();

        assertThat(tree.size()).isEqualTo(2);
        assertThat(tree.matches("a/b")).containsExactlyInAnyOrder("bob", "alice");
    }

    @Test
    @DisplayName("remove compares filters char for char, not by matching")
    void remove_whenFilterOnlyMatches_thenFalse() {
        tree.add("a/b", "alice");

        assertThat(tree.remove("a/+", "alice")).isFalse();
        assertThat(tree.remove("a/#", "alice")).isFalse();
        assertThat(tree.remove("a", "alice")).isFalse();
        assertThat(tree.remove("a/b/c", "alice")).isFalse();
        assertThat(tree.remove("a/b", "bob")).isFalse();
        assertThat(tree.remove("", "alice")).isFalse();
        assertThat(tree.remove("a/#/b", "alice")).isFalse();

        assertThat(tree.size()).isEqualTo(1);
    }

    @Test
    @DisplayName("removing the last pair prunes every node left empty")
    void remove_whenLastPairUnderPath_thenEmptyNodesPruned() {
        tree.add("a/b/c/d", "alice");
        tree.add("a/+/#", "bob");
        tree.add("a/b", "carol");
        assertThat(tree.nodeCount()).isEqualTo(7); // root, a, b, c, d, +, #

        tree.remove("a/b/c/d", "alice");
        assertThat(tree.nodeCount()).isEqualTo(5); // root, a, b, +, #

        tree.remove("a/+/#", "bob");
        assertThat(tree.nodeCount()).isEqualTo(3); // root, a, b

        tree.remove("a/b", "carol");
        assertThat(tree.nodeCount()).isEqualTo(1);
        assertThat(tree.isEmpty()).isTrue();
    }

    @Test
    @DisplayName("a node with values keeps its ancestors when a child is pruned")
    void remove_whenParentHasValues_thenParentKept() {
        tree.add("a", "alice");
        tree.add("a/b", "bob");

        tree.remove("a/b", "bob");

        assertThat(tree.nodeCount()).isEqualTo(2);
        assertThat(tree.matches("a")).containsExactly("alice");
    }

    @Test
    @DisplayName("MQTT-4.7.2-1: filters starting with a wildcard do not match topics starting with $")
    void forEachMatch_whenDollarTopic_thenLeadingWildcardFiltersSkipped() {
        tree.add("#", "hash");
        tree.add("+/monitor/Clients", "plus");
        tree.add("+/#", "plusHash");
        tree.add("$SYS/#", "sys");
        tree.add("$SYS/monitor/+", "sysPlus");
        tree.add("$SYS/monitor/Clients", "exact");

        assertThat(tree.matches("$SYS/monitor/Clients")).containsExactlyInAnyOrder("sys", "sysPlus", "exact");
        assertThat(tree.matches("SYS/monitor/Clients")).containsExactlyInAnyOrder("hash", "plus", "plusHash");
    }

    @Test
    @DisplayName("4.7.1.2: # matches its parent level, also below a +")
    void forEachMatch_whenMultiLevelWildcardBelowTopicEnd_thenParentMatched() {
        tree.add("sport/#", "a");
        tree.add("+/#", "b");
        tree.add("sport/+/#", "c");
        tree.add("#", "d");

        assertThat(tree.matches("sport")).containsExactlyInAnyOrder("a", "b", "d");
        assertThat(tree.matches("sport/")).containsExactlyInAnyOrder("a", "b", "c", "d");
    }

    @Test
    @DisplayName("4.7.1.1: empty levels are stored and matched like any level")
    void forEachMatch_whenEmptyLevels_thenDistinctFromMissingLevels() {
        tree.add("/", "slash");
        tree.add("/a", "slashA");
        tree.add("a/", "aSlash");
        tree.add("a//b", "aEmptyB");
        tree.add("a/+/b", "aPlusB");

        assertThat(tree.matches("/")).containsExactly("slash");
        assertThat(tree.matches("/a")).containsExactly("slashA");
        assertThat(tree.matches("a/")).containsExactly("aSlash");
        assertThat(tree.matches("a")).isEmpty();
        assertThat(tree.matches("a//b")).containsExactlyInAnyOrder("aEmptyB", "aPlusB");
        assertThat(tree.matches("a/b")).isEmpty();
    }

    @Test
    @DisplayName("a $share/ filter given to the tree is stored literally")
    void add_whenSharedFilter_thenStoredLiterally() {
        tree.add("$share/group/sport/#", "literal");

        assertThat(tree.matches("sport/tennis")).isEmpty();
        assertThat(tree.matches("$share/group/sport")).containsExactly("literal");
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {"", "a/#/b", "a+", "sport/tennis#", "a\u0000"})
    @DisplayName("add refuses an invalid filter")
    void add_whenFilterInvalid_thenThrows(String filter) {
        assertThatIllegalArgumentException().isThrownBy(() -> tree.add(filter, "x"));
        assertThat(tree.isEmpty()).isTrue();
        assertThat(tree.nodeCount()).isEqualTo(1);
    }

    @Test
    @DisplayName("null values and actions are refused")
    void add_whenNullValue_thenThrows() {
        String nothing = null;
        assertThatNullPointerException().isThrownBy(() -> tree.add("a", nothing));
        assertThatNullPointerException().isThrownBy(() -> tree.remove("a", nothing));
        assertThatNullPointerException().isThrownBy(() -> tree.forEachMatch("a", null));
    }

    @Test
    @DisplayName("matches returns a new list the caller may change")
    void matches_whenCalled_thenListIsCallers() {
        tree.add("a", "alice");

        List<String> first = tree.matches("a");
        first.add("mallory");

        assertThat(tree.matches("a")).containsExactly("alice");
    }

    @Test
    @DisplayName("many values under one filter move to a set and back, all reported once")
    void forEachMatch_whenManyValuesUnderOneFilter_thenEachReportedOnce() {
        int count = 50 * TopicTree.ARRAY_LIMIT;
        for (int i = 0; i < count; i++) {
            assertThat(tree.add("alerts/#", "client" + i)).isTrue();
        }
        assertThat(tree.add("alerts/#", "client7")).isFalse();

        assertThat(tree.matches("alerts/fire")).hasSize(count).doesNotHaveDuplicates();

        for (int i = 0; i < count; i += 2) {
            assertThat(tree.remove("alerts/#", "client" + i)).isTrue();
        }
        assertThat(tree.matches("alerts")).hasSize(count / 2).allSatisfy(v -> assertThat(v).matches("client\\d*[13579]"));
        for (int i = 1; i < count; i += 2) {
            assertThat(tree.remove("alerts/#", "client" + i)).isTrue();
        }
        assertThat(tree.remove("alerts/#", "client1")).isFalse();
        assertThat(tree.isEmpty()).isTrue();
        assertThat(tree.nodeCount()).isEqualTo(1);

        // The filter works again from scratch once emptied.
        tree.add("alerts/#", "again");
        assertThat(tree.matches("alerts/x")).containsExactly("again");
    }

    @Test
    @DisplayName("many sibling levels grow and shrink the children table, each found exactly")
    void forEachMatch_whenManySiblings_thenEachFoundAfterGrowthAndShrink() {
        int count = 5_000;
        for (int i = 0; i < count; i++) {
            tree.add("devices/" + i + "/state", "d" + i);
        }
        assertThat(tree.nodeCount()).isEqualTo(2 + 2 * count);
        for (int i = 0; i < count; i++) {
            assertThat(tree.matches("devices/" + i + "/state")).containsExactly("d" + i);
        }
        assertThat(tree.matches("devices/" + count + "/state")).isEmpty();

        // Remove all but a few, in an order that leaves tombstones everywhere, then re-add some.
        for (int i = 0; i < count; i++) {
            if (i % 1000 != 0) {
                tree.remove("devices/" + i + "/state", "d" + i);
            }
        }
        for (int i = 0; i < count; i += 7) {
            tree.add("devices/" + i + "/state", "d" + i);
        }
        for (int i = 0; i < count; i++) {
            boolean stored = i % 1000 == 0 || i % 7 == 0;
            assertThat(tree.matches("devices/" + i + "/state")).as("device %d", i)
                    .isEqualTo(stored ? List.of("d" + i) : List.of());
        }
        IntStream.range(0, count).forEach(i -> tree.remove("devices/" + i + "/state", "d" + i));
        assertThat(tree.isEmpty()).isTrue();
        assertThat(tree.nodeCount()).isEqualTo(1);
    }

    @Test
    @DisplayName("levels with equal hash codes are told apart")
    void forEachMatch_whenLevelsCollide_thenComparedByContent() {
        assertThat("Aa".hashCode()).isEqualTo("BB".hashCode());
        tree.add("Aa/x", "first");
        tree.add("BB/x", "second");
        tree.add("AaBB/x", "third");
        tree.add("BBAa/x", "fourth");

        assertThat(tree.matches("Aa/x")).containsExactly("first");
        assertThat(tree.matches("BB/x")).containsExactly("second");
        assertThat(tree.matches("AaBB/x")).containsExactly("third");
        assertThat(tree.matches("BBAa/x")).containsExactly("fourth");
        tree.remove("Aa/x", "first");
        assertThat(tree.matches("Aa/x")).isEmpty();
        assertThat(tree.matches("BB/x")).containsExactly("second");
    }

    @Test
    @DisplayName("the action may change the tree while a match runs")
    void forEachMatch_whenActionChangesTree_thenNoException() {
        tree.add("a/+", "one");
        tree.add("a/#", "two");

        tree.forEachMatch("a/b", value -> {
            tree.remove("a/#", "two");
            tree.add("a/b", "three");
        });

        assertThat(tree.matches("a/b")).containsExactlyInAnyOrder("one", "three");
    }

    @Test
    @DisplayName("deep filters are matched without a stack per exact level")
    void forEachMatch_whenFilterVeryDeep_thenMatched() {
        String deep = "a/".repeat(20_000) + "b";
        tree.add(deep, "deep");
        tree.add("a/".repeat(20_000) + "#", "deepHash");

        assertThat(tree.matches(deep)).containsExactlyInAnyOrder("deep", "deepHash");
        tree.remove(deep, "deep");
        tree.remove("a/".repeat(20_000) + "#", "deepHash");
        assertThat(tree.nodeCount()).isEqualTo(1);
    }
}
