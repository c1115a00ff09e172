package dev.midge.codec.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SharedSubscriptionTest {

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "$share/consumer1/sport/tennis/+ | consumer1 | sport/tennis/+",
        "$share/consumer2/sport/tennis/+ | consumer2 | sport/tennis/+",
        "$share/consumer1//finance       | consumer1 | /finance",
        "$share/g/#                      | g         | #",
        "$share/g/+                      | g         | +",
        "$share/g/a                      | g         | a",
        "$share/$g/$SYS/#                | $g        | $SYS/#",
        "$share/my group/a/b/c           | my group  | a/b/c",
        "$share/g/$share/h/x             | g         | $share/h/x"})
    @DisplayName("MQTT-4.8.2-1 / MQTT-4.8.2-2: $share/{ShareName}/{filter} splits at the first / after the ShareName")
    void parse_whenValidSharedFilter_thenShareNameAndTopicFilter(String filter, String shareName, String topicFilter) {
        assertThat(SharedSubscription.validate(filter, 0)).isNull();
        assertThat(Topics.validateTopicFilter(filter, 0)).isNull();
        assertThat(Topics.isShared(filter)).isTrue();

        SharedSubscription shared = SharedSubscription.parse(filter);

        assertThat(shared).isEqualTo(new SharedSubscription(shareName, topicFilter));
        assertThat(shared.sharedFilter()).isEqualTo(filter);
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {"sport/tennis/+", "#", "$share", "$SHARE/g/a", "$shared/g/a", "share/g/a", "/$share/g/a",
        "$SYS/#"})
    @DisplayName("a filter not starting with $share/ is not shared")
    void parse_whenNotShared_thenNull(String filter) {
        assertThat(Topics.isShared(filter)).isFalse();
        assertThat(SharedSubscription.parse(filter)).isNull();
    }

    static Stream<Arguments> invalidSharedFilters() {
        return Stream.of(
                Arguments.of("$share/", "MQTT-4.8.2-1"),
                Arguments.of("$share//sport", "MQTT-4.8.2-1"),
                Arguments.of("$share//", "MQTT-4.8.2-1"),
                Arguments.of("$share/+/sport", "MQTT-4.8.2-2"),
                Arguments.of("$share/#/sport", "MQTT-4.8.2-2"),
                Arguments.of("$share/#", "MQTT-4.8.2-2"),
                Arguments.of("$share/a+b/sport", "MQTT-4.8.2-2"),
                Arguments.of("$share/ab#/sport", "MQTT-4.8.2-2"),
                Arguments.of("$share/group", "MQTT-4.8.2-2"),
                Arguments.of("$share/group/", "MQTT-4.8.2-2"),
                Arguments.of("$share/gr\u0000up/sport", "MQTT-4.7.3-2"),
                Arguments.of("$share/group/sport/#/ranking", "MQTT-4.7.1-2"),
                Arguments.of("$share/group/sport+", "MQTT-4.7.1-3"),
                Arguments.of("$share/group/a\u0000", "MQTT-4.7.3-2"));
    }

    @ParameterizedTest(name = "[{index}] {1}: {0}")
    @MethodSource("invalidSharedFilters")
    @DisplayName("invalid shared subscriptions name the statement they break, and parse refuses them")
    void validate_whenInvalidSharedFilter_thenProblemAndParseThrows(String filter, String statementId) {
        TopicProblem problem = SharedSubscription.validate(filter, 0);

        assertThat(problem).isNotNull();
        assertThat(problem.statementId()).isEqualTo(statementId);
        assertThat(Topics.validateTopicFilter(filter, 0)).isEqualTo(problem);
        assertThatIllegalArgumentException()
                .isThrownBy(() -> SharedSubscription.parse(filter))
                .withMessageStartingWith(statementId + ": ");
    }

    @Test
    @DisplayName("MQTT-4.8.2-1: the ShareName must be at least one character long")
    void validate_whenShareNameEmpty_thenMqtt_4_8_2_1() {
        assertThat(SharedSubscription.validate("$share//a/b", 0))
                .extracting(TopicProblem::statementId).isEqualTo("MQTT-4.8.2-1");
        assertThatIllegalArgumentException().isThrownBy(() -> new SharedSubscription("", "a/b"));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {"+", "#", "a+", "a#b", "a/b"})
    @DisplayName("MQTT-4.8.2-2: the ShareName must not contain /, + or #")
    void validate_whenShareNameHasForbiddenCharacter_thenMqtt_4_8_2_2(String shareName) {
        // A '/' ends the ShareName in a filter string, so it can only reach the constructor.
        if (!shareName.contains("/")) {
            assertThat(SharedSubscription.validate("$share/" + shareName + "/sport", 0))
                    .extracting(TopicProblem::statementId).isEqualTo("MQTT-4.8.2-2");
        }
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new SharedSubscription(shareName, "sport"))
                .withMessageStartingWith("MQTT-4.8.2-2: ");
    }

    @Test
    @DisplayName("MQTT-4.8.2-2: the ShareName must be followed by / and a topic filter")
    void validate_whenNoTopicFilterAfterShareName_thenMqtt_4_8_2_2() {
        assertThat(SharedSubscription.validate("$share/group", 0))
                .extracting(TopicProblem::statementId).isEqualTo("MQTT-4.8.2-2");
        assertThat(SharedSubscription.validate("$share/group/", 0))
                .extracting(TopicProblem::statementId).isEqualTo("MQTT-4.8.2-2");
        assertThatIllegalArgumentException().isThrownBy(() -> new SharedSubscription("group", ""));
    }

    @Test
    @DisplayName("MQTT-4.8.2-1: validate refuses a filter that does not start with $share/")
    void validate_whenNotShared_thenMqtt_4_8_2_1() {
        assertThat(SharedSubscription.validate("sport/#", 0))
                .extracting(TopicProblem::statementId).isEqualTo("MQTT-4.8.2-1");
    }

    @Test
    @DisplayName("midge-max-topic-levels: only the filter after the ShareName counts towards the limit")
    void validate_whenInnerFilterHasTooManyLevels_thenMaxLevelsProblem() {
        assertThat(SharedSubscription.validate("$share/g/a/b", 2)).isNull();
        assertThat(SharedSubscription.validate("$share/g/a/b/c", 2))
                .extracting(TopicProblem::statementId).isEqualTo(TopicProblem.MAX_TOPIC_LEVELS);
    }

    @Test
    @DisplayName("the constructor refuses an invalid topic filter with the statement it breaks")
    void constructor_whenTopicFilterInvalid_thenThrows() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new SharedSubscription("g", "sport/tennis#"))
                .withMessageStartingWith("MQTT-4.7.1-2: ");
    }
}
