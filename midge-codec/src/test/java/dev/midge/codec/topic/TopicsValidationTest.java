package dev.midge.codec.topic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class TopicsValidationTest {

    /** 65,535 bytes in UTF-8: the longest legal topic. */
    private static final String LONGEST_ASCII = "a".repeat(Topics.MAX_ENCODED_LENGTH);
    /** 21,845 three-byte chars: 65,535 bytes. */
    private static final String LONGEST_EURO = "\u20ac".repeat(Topics.MAX_ENCODED_LENGTH / 3);
    /** 21,846 three-byte chars: 65,538 bytes, although only 21,846 chars. */
    private static final String TOO_LONG_EURO = "\u20ac".repeat(Topics.MAX_ENCODED_LENGTH / 3 + 1);
    /** 16,384 surrogate pairs: 65,536 bytes in 32,768 chars. */
    private static final String TOO_LONG_EMOJI = "\uD83C\uDFBE".repeat(16_384);

    // ---- topic names -------------------------------------------------------------------------

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {"a", "sport/tennis/player1", "/finance", "finance/", "/", "//", "a//b",
        "$SYS/broker/uptime", "Accounts payable", "ACCOUNTS", "\u65e5\u672c/\u6771\u4eac", "\uD83C\uDFBE/score",
        "$share/g/a", "a\u00a0b"})
    @DisplayName("valid topic names are accepted")
    void validateTopicName_whenValid_thenNull(String name) {
        assertThat(Topics.validateTopicName(name, 0)).isNull();
    }

    static Stream<Arguments> invalidTopicNames() {
        return Stream.of(
                Arguments.of("", "MQTT-4.7.3-1"),
                Arguments.of("+", "MQTT-4.7.1-1"),
                Arguments.of("#", "MQTT-4.7.1-1"),
                Arguments.of("sport/+", "MQTT-4.7.1-1"),
                Arguments.of("sport/tennis/#", "MQTT-4.7.1-1"),
                Arguments.of("a+b", "MQTT-4.7.1-1"),
                Arguments.of("a#b", "MQTT-4.7.1-1"),
                Arguments.of("a\u0000b", "MQTT-4.7.3-2"),
                Arguments.of("\u0000", "MQTT-4.7.3-2"),
                Arguments.of(LONGEST_ASCII + "a", "MQTT-4.7.3-3"),
                Arguments.of(TOO_LONG_EURO, "MQTT-4.7.3-3"),
                Arguments.of(TOO_LONG_EMOJI, "MQTT-4.7.3-3"),
                // Precedence: the leftmost character problem, then length.
                Arguments.of("a\u0000+", "MQTT-4.7.3-2"),
                Arguments.of("+" + LONGEST_ASCII, "MQTT-4.7.1-1"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("invalidTopicNames")
    @DisplayName("invalid topic names name the statement they break")
    void validateTopicName_whenInvalid_thenProblemNamesStatement(String name, String statementId) {
        TopicProblem problem = Topics.validateTopicName(name, 0);

        assertThat(problem).isNotNull();
        assertThat(problem.statementId()).isEqualTo(statementId);
        assertThat(problem.message()).isNotBlank().hasSizeLessThan(200);
    }

    @Test
    @DisplayName("MQTT-4.7.3-1: a topic name must be at least one character long")
    void validateTopicName_whenEmpty_thenMqtt_4_7_3_1() {
        assertThat(Topics.validateTopicName("", 0)).extracting(TopicProblem::statementId).isEqualTo("MQTT-4.7.3-1");
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {"+", "#", "sport/+/player1", "sport/#", "a+", "#a"})
    @DisplayName("MQTT-4.7.1-1 / MQTT-3.3.2-2: wildcards must not be used within a topic name")
    void validateTopicName_whenWildcard_thenMqtt_4_7_1_1(String name) {
        assertThat(Topics.validateTopicName(name, 0)).extracting(TopicProblem::statementId).isEqualTo("MQTT-4.7.1-1");
    }

    @Test
    @DisplayName("MQTT-4.7.3-2: a topic name must not include U+0000")
    void validateTopicName_whenNullCharacter_thenMqtt_4_7_3_2() {
        TopicProblem problem = Topics.validateTopicName("sport/\u0000", 0);

        assertThat(problem).extracting(TopicProblem::statementId).isEqualTo("MQTT-4.7.3-2");
        assertThat(problem.message()).contains("index 6");
    }

    @Test
    @DisplayName("MQTT-4.7.3-3: a topic name of exactly 65,535 UTF-8 bytes is accepted")
    void validateTopicName_whenExactly65535Bytes_thenNull() {
        assertThat(Topics.validateTopicName(LONGEST_ASCII, 0)).isNull();
        assertThat(Topics.validateTopicName(LONGEST_EURO, 0)).isNull();
        assertThat(Topics.validateTopicName("\uD83C\uDFBE".repeat(16_383) + "abc", 0)).isNull();
    }

    @Test
    @DisplayName("MQTT-4.7.3-3: a topic name must not encode to more than 65,535 bytes")
    void validateTopicName_whenLongerThan65535Bytes_thenMqtt_4_7_3_3() {
        assertThat(Topics.validateTopicName(LONGEST_ASCII + "a", 0))
                .extracting(TopicProblem::statementId).isEqualTo("MQTT-4.7.3-3");
        assertThat(Topics.validateTopicName(TOO_LONG_EURO, 0))
                .extracting(TopicProblem::statementId).isEqualTo("MQTT-4.7.3-3");
        assertThat(Topics.validateTopicName(TOO_LONG_EMOJI, 0))
                .extracting(TopicProblem::statementId).isEqualTo("MQTT-4.7.3-3");
    }

    @Test
    @DisplayName("midge-max-topic-levels: a name with more levels than the limit is refused")
    void validateTopicName_whenMoreLevelsThanLimit_thenMaxLevelsProblem() {
        assertThat(Topics.validateTopicName("a/b/c", 3)).isNull();
        assertThat(Topics.validateTopicName("a/b/c/d", 3))
                .extracting(TopicProblem::statementId).isEqualTo(TopicProblem.MAX_TOPIC_LEVELS);
        // Empty levels count: "///" has four.
        assertThat(Topics.validateTopicName("///", 3))
                .extracting(TopicProblem::statementId).isEqualTo(TopicProblem.MAX_TOPIC_LEVELS);
    }

    @ParameterizedTest(name = "[{index}] maxLevels={0}")
    @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
    @DisplayName("midge-max-topic-levels: zero or a negative limit means no limit")
    void validateTopicName_whenLimitNotPositive_thenLevelsUnlimited(int maxLevels) {
        assertThat(Topics.validateTopicName("/".repeat(10_000), maxLevels)).isNull();
        assertThat(Topics.validateTopicFilter("+/".repeat(10_000) + "#", maxLevels)).isNull();
    }

    // ---- topic filters -----------------------------------------------------------------------

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {"#", "+", "+/+", "/+", "+/", "sport/#", "sport/tennis/#", "sport/tennis/player1/#",
        "+/tennis/#", "sport/+/player1", "sport/tennis/+", "$SYS/#", "$SYS/monitor/+", "/", "a//b", "+//+",
        "/#", "//#", "sport/tennis/player1", "$share", "$shared/a", "Accounts payable", "\u20ac/+"})
    @DisplayName("valid topic filters are accepted")
    void validateTopicFilter_whenValid_thenNull(String filter) {
        assertThat(Topics.validateTopicFilter(filter, 0)).isNull();
    }

    static Stream<Arguments> invalidTopicFilters() {
        return Stream.of(
                Arguments.of("", "MQTT-4.7.3-1"),
                Arguments.of("sport/tennis#", "MQTT-4.7.1-2"),
                Arguments.of("sport/tennis/#/ranking", "MQTT-4.7.1-2"),
                Arguments.of("#/", "MQTT-4.7.1-2"),
                Arguments.of("##", "MQTT-4.7.1-2"),
                Arguments.of("a/#b", "MQTT-4.7.1-2"),
                Arguments.of("#+", "MQTT-4.7.1-2"),
                Arguments.of("sport+", "MQTT-4.7.1-3"),
                Arguments.of("+a", "MQTT-4.7.1-3"),
                Arguments.of("a/+b/c", "MQTT-4.7.1-3"),
                Arguments.of("++", "MQTT-4.7.1-3"),
                Arguments.of("+#", "MQTT-4.7.1-3"),
                Arguments.of("a/\u0000", "MQTT-4.7.3-2"),
                Arguments.of(LONGEST_ASCII + "/", "MQTT-4.7.3-3"),
                Arguments.of(TOO_LONG_EURO + "/#", "MQTT-4.7.3-3"),
                Arguments.of("$share/", "MQTT-4.8.2-1"),
                Arguments.of("$share//a", "MQTT-4.8.2-1"),
                Arguments.of("$share/g", "MQTT-4.8.2-2"),
                Arguments.of("$share/g/", "MQTT-4.8.2-2"),
                Arguments.of("$share/a+b/c", "MQTT-4.8.2-2"),
                Arguments.of("$share/g/a/#/b", "MQTT-4.7.1-2"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("invalidTopicFilters")
    @DisplayName("invalid topic filters name the statement they break")
    void validateTopicFilter_whenInvalid_thenProblemNamesStatement(String filter, String statementId) {
        TopicProblem problem = Topics.validateTopicFilter(filter, 0);

        assertThat(problem).isNotNull();
        assertThat(problem.statementId()).isEqualTo(statementId);
        assertThat(problem.message()).isNotBlank().hasSizeLessThan(200);
    }

    @Test
    @DisplayName("MQTT-4.7.3-1: a topic filter must be at least one character long")
    void validateTopicFilter_whenEmpty_thenMqtt_4_7_3_1() {
        assertThat(Topics.validateTopicFilter("", 0)).extracting(TopicProblem::statementId).isEqualTo("MQTT-4.7.3-1");
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {"sport/tennis#", "sport/tennis/#/ranking", "#/", "a/#/", "##", "a#", "#a", "/#/"})
    @DisplayName("MQTT-4.7.1-2: # must be last and alone in its level")
    void validateTopicFilter_whenMultiLevelWildcardMisplaced_thenMqtt_4_7_1_2(String filter) {
        assertThat(Topics.validateTopicFilter(filter, 0)).extracting(TopicProblem::statementId).isEqualTo("MQTT-4.7.1-2");
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {"sport+", "+sport", "sport/+tennis", "sport/ten+nis/#", "++", "+/++", "a/+b/+"})
    @DisplayName("MQTT-4.7.1-3: + must occupy an entire level")
    void validateTopicFilter_whenSingleLevelWildcardNotAlone_thenMqtt_4_7_1_3(String filter) {
        assertThat(Topics.validateTopicFilter(filter, 0)).extracting(TopicProblem::statementId).isEqualTo("MQTT-4.7.1-3");
    }

    @Test
    @DisplayName("MQTT-4.7.3-2: a topic filter must not include U+0000")
    void validateTopicFilter_whenNullCharacter_thenMqtt_4_7_3_2() {
        assertThat(Topics.validateTopicFilter("\u0000/#", 0))
                .extracting(TopicProblem::statementId).isEqualTo("MQTT-4.7.3-2");
        assertThat(Topics.validateTopicFilter("$share/g\u0000/a", 0))
                .extracting(TopicProblem::statementId).isEqualTo("MQTT-4.7.3-2");
    }

    @Test
    @DisplayName("MQTT-4.7.3-3: a topic filter must not encode to more than 65,535 bytes")
    void validateTopicFilter_whenLongerThan65535Bytes_thenMqtt_4_7_3_3() {
        assertThat(Topics.validateTopicFilter(LONGEST_ASCII, 0)).isNull();
        assertThat(Topics.validateTopicFilter(LONGEST_ASCII.substring(2) + "/#", 0)).isNull();
        assertThat(Topics.validateTopicFilter(LONGEST_ASCII + "#", 0))
                .extracting(TopicProblem::statementId).isEqualTo("MQTT-4.7.1-2"); // leftmost first
        assertThat(Topics.validateTopicFilter(LONGEST_ASCII + "/#", 0))
                .extracting(TopicProblem::statementId).isEqualTo("MQTT-4.7.3-3");
        assertThat(Topics.validateTopicFilter(TOO_LONG_EMOJI, 0))
                .extracting(TopicProblem::statementId).isEqualTo("MQTT-4.7.3-3");
        // A shared subscription is one string on the wire: its prefix counts.
        String inner = LONGEST_ASCII.substring("$share/g/".length());
        assertThat(Topics.validateTopicFilter("$share/g/" + inner, 0)).isNull();
        assertThat(Topics.validateTopicFilter("$share/g/" + inner + "a", 0))
                .extracting(TopicProblem::statementId).isEqualTo("MQTT-4.7.3-3");
    }

    @Test
    @DisplayName("midge-max-topic-levels: a filter with more levels than the limit is refused, wildcards counted")
    void validateTopicFilter_whenMoreLevelsThanLimit_thenMaxLevelsProblem() {
        assertThat(Topics.validateTopicFilter("a/+/#", 3)).isNull();
        assertThat(Topics.validateTopicFilter("a/+/c/#", 3))
                .extracting(TopicProblem::statementId).isEqualTo(TopicProblem.MAX_TOPIC_LEVELS);
        // For a shared subscription, only the filter after the share name counts.
        assertThat(Topics.validateTopicFilter("$share/group/a/+/#", 3)).isNull();
        assertThat(Topics.validateTopicFilter("$share/group/a/+/c/#", 3))
                .extracting(TopicProblem::statementId).isEqualTo(TopicProblem.MAX_TOPIC_LEVELS);
    }

    @Test
    @DisplayName("problems report where the offending character is, never the topic itself")
    void validate_whenProblemFound_thenMessageHasIndexNotTopic() {
        TopicProblem problem = Topics.validateTopicFilter("secret-topic/ab+c", 0);

        assertThat(problem).isNotNull();
        assertThat(problem.message()).contains("index 15").doesNotContain("secret");
        assertThat(problem.toString()).startsWith("MQTT-4.7.1-3: ");
    }

    // ---- helpers -----------------------------------------------------------------------------

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {"", "a", "\u00e9", "\u20ac", "\uD83C\uDFBE", "a\u00e9\u20ac\uD83C\uDFBE/x", "\uD83C",
        "\uDFBEa", "\u07ff\u0800\uffff"})
    @DisplayName("the UTF-8 length is computed as the JDK encodes well-formed strings")
    void utf8Length_whenComputed_thenEqualsEncodedLength(String s) {
        int expected = s.codePoints().map(cp -> Character.isSurrogate((char) cp) && cp < 0x10000 ? 3
                : new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8).length).sum();

        assertThat(Topics.utf8Length(s)).isEqualTo(expected);
    }

    @Test
    @DisplayName("TopicProblem refuses a blank statement id")
    void topicProblem_whenStatementIdBlank_thenThrows() {
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> new TopicProblem(" ", "message"));
    }
}
