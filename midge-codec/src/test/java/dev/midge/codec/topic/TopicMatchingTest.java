package dev.midge.codec.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The examples of sections 4.7.1 to 4.7.3, each checked against both {@link Topics#matches} and a
 * {@link TopicTree} holding just that filter, so the two cannot drift apart.
 */
class TopicMatchingTest {

    private static void assertMatches(String filter, String topicName) {
        assertThat(Topics.validateTopicFilter(filter, 0)).as("filter %s", filter).isNull();
        assertThat(Topics.validateTopicName(topicName, 0)).as("topic %s", topicName).isNull();
        assertThat(Topics.matches(filter, topicName)).as("Topics.matches(%s, %s)", filter, topicName).isTrue();
        assertThat(treeWith(filter).matches(topicName)).as("tree %s for %s", filter, topicName).containsExactly(filter);
    }

    private static void assertDoesNotMatch(String filter, String topicName) {
        assertThat(Topics.validateTopicFilter(filter, 0)).as("filter %s", filter).isNull();
        assertThat(Topics.validateTopicName(topicName, 0)).as("topic %s", topicName).isNull();
        assertThat(Topics.matches(filter, topicName)).as("Topics.matches(%s, %s)", filter, topicName).isFalse();
        assertThat(treeWith(filter).matches(topicName)).as("tree %s for %s", filter, topicName).isEmpty();
    }

    private static TopicTree<String> treeWith(String filter) {
        TopicTree<String> tree = new TopicTree<>();
        tree.add(filter, filter);
        return tree;
    }

    // ---- 4.7.1.2 multi-level wildcard --------------------------------------------------------

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource({"sport/tennis/player1", "sport/tennis/player1/ranking", "sport/tennis/player1/score/wimbledon"})
    @DisplayName("4.7.1.2 example: sport/tennis/player1/# matches player1 and everything below it")
    void matches_whenMultiLevelWildcardAfterParent_thenParentAndChildrenMatch(String topicName) {
        assertMatches("sport/tennis/player1/#", topicName);
    }

    @Test
    @DisplayName("4.7.1.2 example: sport/tennis/player1/# matches neither siblings nor ancestors")
    void matches_whenTopicOutsideMultiLevelSubtree_thenNoMatch() {
        assertDoesNotMatch("sport/tennis/player1/#", "sport/tennis/player2");
        assertDoesNotMatch("sport/tennis/player1/#", "sport/tennis");
        assertDoesNotMatch("sport/tennis/player1/#", "sport/tennis/player10");
    }

    @Test
    @DisplayName("4.7.1.2 example: sport/# also matches the singular sport, # including the parent level")
    void matches_whenTopicIsParentOfMultiLevelWildcard_thenMatch() {
        assertMatches("sport/#", "sport");
        assertMatches("sport/#", "sport/");
        assertDoesNotMatch("sport/#", "sports");
        assertDoesNotMatch("sport/#", "spor");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource({"sport", "sport/tennis/player1", "/", "/finance", "a//b", "Accounts payable"})
    @DisplayName("4.7.1.2 example: # alone receives every message (not starting with $)")
    void matches_whenFilterIsMultiLevelWildcardAlone_thenEveryTopicMatches(String topicName) {
        assertMatches("#", topicName);
    }

    @Test
    @DisplayName("4.7.1.2 example: sport/tennis/# is valid, sport/tennis# and sport/tennis/#/ranking are not (MQTT-4.7.1-2)")
    void validate_whenSpecMultiLevelExamples_thenAsSpecified() {
        assertThat(Topics.validateTopicFilter("sport/tennis/#", 0)).isNull();
        assertThat(Topics.validateTopicFilter("sport/tennis#", 0))
                .extracting(TopicProblem::statementId).isEqualTo("MQTT-4.7.1-2");
        assertThat(Topics.validateTopicFilter("sport/tennis/#/ranking", 0))
                .extracting(TopicProblem::statementId).isEqualTo("MQTT-4.7.1-2");
    }

    // ---- 4.7.1.3 single-level wildcard -------------------------------------------------------

    @Test
    @DisplayName("4.7.1.3 example: sport/tennis/+ matches player1 and player2 but not player1/ranking")
    void matches_whenSingleLevelWildcardLast_thenExactlyOneLevelMatches() {
        assertMatches("sport/tennis/+", "sport/tennis/player1");
        assertMatches("sport/tennis/+", "sport/tennis/player2");
        assertDoesNotMatch("sport/tennis/+", "sport/tennis/player1/ranking");
    }

    @Test
    @DisplayName("4.7.1.3 example: sport/+ does not match sport but does match sport/")
    void matches_whenSingleLevelWildcardAndEmptyLevel_thenEmptyLevelIsALevel() {
        assertDoesNotMatch("sport/+", "sport");
        assertMatches("sport/+", "sport/");
    }

    @Test
    @DisplayName("4.7.1.3 example: +, +/tennis/# and sport/+/player1 are valid, sport+ is not (MQTT-4.7.1-3)")
    void validate_whenSpecSingleLevelExamples_thenAsSpecified() {
        assertThat(Topics.validateTopicFilter("+", 0)).isNull();
        assertThat(Topics.validateTopicFilter("+/tennis/#", 0)).isNull();
        assertThat(Topics.validateTopicFilter("sport/+/player1", 0)).isNull();
        assertThat(Topics.validateTopicFilter("sport+", 0))
                .extracting(TopicProblem::statementId).isEqualTo("MQTT-4.7.1-3");
    }

    @Test
    @DisplayName("4.7.1.3 example: /finance matches +/+ and /+, but not +")
    void matches_whenTopicStartsWithSeparator_thenFirstLevelIsEmpty() {
        assertMatches("+/+", "/finance");
        assertMatches("/+", "/finance");
        assertDoesNotMatch("+", "/finance");
    }

    @Test
    @DisplayName("4.7.1.3: + and # combine, + matching exactly one level each")
    void matches_whenWildcardsCombined_thenEachPlusIsOneLevel() {
        assertMatches("+/tennis/#", "sport/tennis");
        assertMatches("+/tennis/#", "sport/tennis/player1/score");
        assertMatches("sport/+/player1", "sport/tennis/player1");
        assertDoesNotMatch("sport/+/player1", "sport/tennis/x/player1");
        assertMatches("+/+/+", "//");
        assertDoesNotMatch("+/+/+", "/");
        assertMatches("+/#", "a");
        assertMatches("+", "a");
        assertDoesNotMatch("+", "a/");
    }

    // ---- empty levels ------------------------------------------------------------------------

    @Test
    @DisplayName("4.7.1.1: empty levels are real levels (a//b, /a, a/)")
    void matches_whenEmptyLevels_thenTheyMatchLikeAnyLevel() {
        assertMatches("a//b", "a//b");
        assertDoesNotMatch("a//b", "a/b");
        assertMatches("a/+/b", "a//b");
        assertDoesNotMatch("a/b", "a//b");
        assertMatches("/a", "/a");
        assertDoesNotMatch("/a", "a");
        assertDoesNotMatch("a", "/a");
        assertMatches("a/", "a/");
        assertDoesNotMatch("a/", "a");
        assertMatches("/#", "/");
        assertMatches("/#", "/a/b");
        assertDoesNotMatch("/#", "a");
        assertMatches("//#", "/");
        assertMatches("/", "/");
    }

    // ---- 4.7.2 topics beginning with $ -------------------------------------------------------

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource({"$SYS", "$SYS/broker/uptime", "$", "$/a"})
    @DisplayName("MQTT-4.7.2-1: a subscription to # does not receive messages to topics beginning with $")
    void matches_whenMultiLevelWildcardFirstAndDollarTopic_thenNoMatch(String topicName) {
        assertDoesNotMatch("#", topicName);
    }

    @Test
    @DisplayName("MQTT-4.7.2-1: +/monitor/Clients does not receive messages to $SYS/monitor/Clients")
    void matches_whenSingleLevelWildcardFirstAndDollarTopic_thenNoMatch() {
        assertDoesNotMatch("+/monitor/Clients", "$SYS/monitor/Clients");
        assertDoesNotMatch("+", "$SYS");
        assertDoesNotMatch("+/#", "$SYS/uptime");
        assertMatches("+/monitor/Clients", "SYS/monitor/Clients");
    }

    @Test
    @DisplayName("MQTT-4.7.2-1: $SYS/# receives messages to topics beginning with $SYS/")
    void matches_whenFilterStartsWithDollarLevel_thenDollarTopicsMatch() {
        assertMatches("$SYS/#", "$SYS/broker/uptime");
        assertMatches("$SYS/#", "$SYS");
        assertDoesNotMatch("$SYS/#", "$SYSTEM/a");
    }

    @Test
    @DisplayName("MQTT-4.7.2-1: $SYS/monitor/+ receives messages to $SYS/monitor/Clients")
    void matches_whenWildcardAfterDollarLevel_thenMatch() {
        assertMatches("$SYS/monitor/+", "$SYS/monitor/Clients");
    }

    @Test
    @DisplayName("MQTT-4.7.2-1: a $ in a later level is an ordinary character")
    void matches_whenDollarNotFirst_thenWildcardsMatch() {
        assertMatches("+/$SYS", "a/$SYS");
        assertMatches("a/+", "a/$SYS");
        assertMatches("#", "a/$SYS");
    }

    @Test
    @DisplayName("MQTT-4.7.2-1: to receive $SYS/ topics and others, subscribe to both # and $SYS/#")
    void forEachMatch_whenSubscribedToHashAndDollarSys_thenBothKindsReceived() {
        TopicTree<String> tree = new TopicTree<>();
        tree.add("#", "everything");
        tree.add("$SYS/#", "system");

        assertThat(tree.matches("$SYS/broker/load")).containsExactly("system");
        assertThat(tree.matches("sport/tennis")).containsExactly("everything");
    }

    // ---- 4.7.3 topic semantics ---------------------------------------------------------------

    @Test
    @DisplayName("MQTT-4.7.3-4: matching is case-sensitive and does no normalization")
    void matches_whenCaseOrNormalizationDiffers_thenNoMatch() {
        assertDoesNotMatch("ACCOUNTS", "Accounts");
        assertMatches("Accounts payable", "Accounts payable");
        assertDoesNotMatch("Accounts payable", "Accounts  payable");
        assertDoesNotMatch("/finance", "finance");
        // U+00E9 precomposed versus e + U+0301 combining: different topics.
        assertDoesNotMatch("caf\u00e9", "cafe\u0301");
        assertMatches("\uD83C\uDFBE/+", "\uD83C\uDFBE/score");
    }

    @Test
    @DisplayName("a shared subscription's filter is matched after its prefix is taken off")
    void matches_whenSharedFilterParsed_thenItsTopicFilterMatches() {
        SharedSubscription shared = SharedSubscription.parse("$share/group/sport/+");

        assertThat(shared).isNotNull();
        assertThat(Topics.matches(shared.topicFilter(), "sport/tennis")).isTrue();
        assertThat(Topics.matches("$share/group/sport/+", "sport/tennis")).isFalse();
    }

    @Test
    @DisplayName("matching an invalid filter answers without throwing")
    void matches_whenFilterInvalid_thenNoException() {
        assertThat(Topics.matches("", "a")).isFalse();
        assertThat(Topics.matches("a", "")).isFalse();
        assertThatCode(() -> Topics.matches("a/#/b", "a/x/b")).doesNotThrowAnyException();
        assertThatCode(() -> Topics.matches("a+/b", "a+/b")).doesNotThrowAnyException();
    }
}
