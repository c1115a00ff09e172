package dev.midge.codec.topic;

import org.jspecify.annotations.Nullable;

/**
 * Topic names and topic filters of MQTT 3.1.1 and 5.0 (section 4.7, and 4.8.2 for shared
 * subscriptions): validation and matching of one filter against one name.
 *
 * <p>A <em>topic name</em> is what a PUBLISH (or a will) is sent to, such as {@code
 * sport/tennis/player1}; a <em>topic filter</em> is what a SUBSCRIBE asks for and may hold the
 * wildcards {@code +} (exactly one level) and {@code #} (this level's parent and everything below).
 * Levels are separated by {@code /}, and empty levels are real levels: {@code /finance} has two
 * levels, the first one empty, and {@code a//b} has three.
 *
 * <p>All methods take strings that the codec has already decoded from well-formed UTF-8 (MQTT-1.5.4-1
 * is the codec's business, not this class's); they neither allocate nor throw for any input.
 *
 * <pre>{@code
 * TopicProblem problem = Topics.validateTopicFilter(filter, maxTopicLevels);
 * if (problem != null) {
 *     // answer the SUBSCRIBE with 0x8F Topic Filter invalid, reason string problem.message()
 * }
 * boolean hit = Topics.matches("sport/+/player1", "sport/tennis/player1"); // true
 * }</pre>
 *
 * <p>To route a message to many subscriptions, do not loop over {@link #matches}; use a {@link
 * TopicTree}, which is consistent with it.
 *
 * <p>Thread safety: stateless; every method may be called from any thread.
 */
public final class Topics {

    /**
     * The largest encoded length, in bytes, of a topic name or filter: that of any UTF-8 string in
     * an MQTT packet (MQTT-4.7.3-3).
     */
    public static final int MAX_ENCODED_LENGTH = 65_535;

    /** The topic level separator {@code /}. */
    public static final char LEVEL_SEPARATOR = '/';

    /** The single-level wildcard {@code +}. */
    public static final char SINGLE_LEVEL_WILDCARD = '+';

    /** The multi-level wildcard {@code #}. */
    public static final char MULTI_LEVEL_WILDCARD = '#';

    private Topics() {
    }

    /**
     * Checks a topic name, as sent in a PUBLISH or as a will topic.
     *
     * <p>The rules, in the order in which they are reported when several are broken:
     * <ol>
     *   <li>at least one character (MQTT-4.7.3-1);
     *   <li>no wildcard {@code +} or {@code #} (MQTT-4.7.1-1, and MQTT-3.3.2-2 for PUBLISH) and no
     *       U+0000 (MQTT-4.7.3-2), whichever comes first from the left;
     *   <li>at most {@value #MAX_ENCODED_LENGTH} bytes in UTF-8 (MQTT-4.7.3-3);
     *   <li>at most {@code maxLevels} levels, if {@code maxLevels > 0} ({@link
     *       TopicProblem#MAX_TOPIC_LEVELS}, a Midge limit, not a specification rule).
     * </ol>
     *
     * <p>An empty topic name in an MQTT 5 PUBLISH that carries a topic alias is legal on the wire,
     * but it is not a topic name: resolve the alias first, then validate what it stands for. Names
     * starting with {@code $} are valid here; whether a client may publish to them (for example to
     * {@code $SYS/...}) is an authorization question for the broker.
     *
     * @param name the decoded topic name
     * @param maxLevels the largest number of levels accepted; zero or negative for no limit
     * @return the first problem found, or {@code null} if the name is valid
     */
    public static @Nullable TopicProblem validateTopicName(String name, int maxLevels) {
        int length = name.length();
        if (length == 0) {
            // MQTT-4.7.3-1: all topic names and topic filters must be at least one character long
            return new TopicProblem("MQTT-4.7.3-1", "a topic name must be at least one character long");
        }
        int levels = 1;
        for (int i = 0; i < length; i++) {
            char c = name.charAt(i);
            if (c == LEVEL_SEPARATOR) {
                levels++;
            } else if (c == SINGLE_LEVEL_WILDCARD || c == MULTI_LEVEL_WILDCARD) {
                // MQTT-4.7.1-1 / MQTT-3.3.2-2: wildcards must not be used within a topic name
                return new TopicProblem("MQTT-4.7.1-1",
                        "a topic name must not contain the wildcard '" + c + "' (index " + i + ")");
            } else if (c == '\u0000') {
                // MQTT-4.7.3-2: topic names must not include the null character
                return new TopicProblem("MQTT-4.7.3-2",
                        "a topic name must not contain U+0000 (index " + i + ")");
            }
        }
        return checkLengthAndLevels(name, levels, maxLevels, "topic name");
    }

    /**
     * Checks a topic filter, as sent in a SUBSCRIBE or UNSUBSCRIBE.
     *
     * <p>A filter starting with {@value SharedSubscription#PREFIX} is checked as an MQTT 5 shared
     * subscription (see {@link SharedSubscription#validate}); a broker talking MQTT 3.1.1, which
     * has no shared subscriptions, gets the same answer, as most brokers give it. Otherwise the
     * rules, in the order in which they are reported when several are broken:
     * <ol>
     *   <li>at least one character (MQTT-4.7.3-1);
     *   <li>{@code #} only as the last character and alone in its level (MQTT-4.7.1-2), {@code +}
     *       alone in its level (MQTT-4.7.1-3), no U+0000 (MQTT-4.7.3-2), whichever comes first
     *       from the left;
     *   <li>at most {@value #MAX_ENCODED_LENGTH} bytes in UTF-8 (MQTT-4.7.3-3);
     *   <li>at most {@code maxLevels} levels, if {@code maxLevels > 0} ({@link
     *       TopicProblem#MAX_TOPIC_LEVELS}); wildcard levels count like any other.
     * </ol>
     *
     * @param filter the decoded topic filter
     * @param maxLevels the largest number of levels accepted (for a shared subscription, of the
     *     filter after the share name); zero or negative for no limit
     * @return the first problem found, or {@code null} if the filter is valid
     */
    public static @Nullable TopicProblem validateTopicFilter(String filter, int maxLevels) {
        if (isShared(filter)) {
            return SharedSubscription.validate(filter, maxLevels);
        }
        return validatePlainTopicFilter(filter, maxLevels, "topic filter");
    }

    /**
     * Tells whether a topic filter asks for a shared subscription, that is whether it starts with
     * {@value SharedSubscription#PREFIX} (MQTT-4.8.2-1). This says nothing about validity: {@code
     * "$share/"} is shared and invalid. A filter such as {@code $share} or {@code $shared/a} is an
     * ordinary filter.
     *
     * @param filter a topic filter
     * @return whether {@link SharedSubscription#parse} would see a shared subscription
     */
    public static boolean isShared(String filter) {
        return filter.startsWith(SharedSubscription.PREFIX);
    }

    /**
     * Tells whether a topic name matches a topic filter, as a broker decides whether a PUBLISH goes
     * to a subscription.
     *
     * <ul>
     *   <li>{@code +} matches exactly one level, including an empty one: {@code +/+} matches
     *       {@code /finance}, {@code +} does not.
     *   <li>{@code #} matches its parent level and any number of child levels: {@code sport/#}
     *       matches {@code sport}, {@code sport/} and {@code sport/tennis/player1}.
     *   <li>A filter starting with a wildcard never matches a name starting with {@code $}
     *       (MQTT-4.7.2-1): {@code #} does not match {@code $SYS/uptime}, {@code $SYS/#} does.
     *   <li>Everything else compares char for char, case-sensitively, with no normalization
     *       (MQTT-4.7.3-4).
     * </ul>
     *
     * <p>Both arguments are expected to be valid ({@link #validateTopicFilter}, {@link
     * #validateTopicName}); for invalid ones the answer is unspecified, but no exception is thrown.
     * A shared subscription's filter must be passed without its prefix ({@link
     * SharedSubscription#topicFilter()}); {@code $share/g/a} would be matched literally.
     *
     * <p>Cost: one pass over both strings, no allocation.
     *
     * @param filter a valid, non-shared topic filter
     * @param topicName a valid topic name
     * @return whether a message published to {@code topicName} is delivered to {@code filter}
     */
    public static boolean matches(String filter, String topicName) {
        int filterLength = filter.length();
        int topicLength = topicName.length();
        if (filterLength == 0) {
            return false;
        }
        char first = filter.charAt(0);
        if (topicLength > 0 && topicName.charAt(0) == '$'
                && (first == SINGLE_LEVEL_WILDCARD || first == MULTI_LEVEL_WILDCARD)) {
            // MQTT-4.7.2-1: filters starting with a wildcard must not match names starting with $
            return false;
        }
        // Both indexes always point at the start of a level; a topic name has at least one level,
        // possibly empty, so topicStart == topicLength is an empty last level, not the end.
        int filterStart = 0;
        int topicStart = 0;
        while (true) {
            int filterEnd = levelEnd(filter, filterStart);
            int topicEnd = levelEnd(topicName, topicStart);
            int filterLevelLength = filterEnd - filterStart;
            boolean singleChar = filterLevelLength == 1;
            if (singleChar && filter.charAt(filterStart) == MULTI_LEVEL_WILDCARD) {
                return true; // this level and everything below it
            }
            if (!(singleChar && filter.charAt(filterStart) == SINGLE_LEVEL_WILDCARD)) {
                int topicLevelLength = topicEnd - topicStart;
                if (topicLevelLength != filterLevelLength
                        || !filter.regionMatches(filterStart, topicName, topicStart, filterLevelLength)) {
                    return false;
                }
            }
            boolean filterHasMore = filterEnd < filterLength;
            boolean topicHasMore = topicEnd < topicLength;
            if (!topicHasMore) {
                // The name is used up: the filter must be too, or go on with just "/#", since the
                // multi-level wildcard also matches its parent level ("sport/#" matches "sport").
                return !filterHasMore
                        || (filterEnd + 2 == filterLength && filter.charAt(filterEnd + 1) == MULTI_LEVEL_WILDCARD);
            }
            if (!filterHasMore) {
                return false;
            }
            filterStart = filterEnd + 1;
            topicStart = topicEnd + 1;
        }
    }

    /**
     * Checks a topic filter that is not treated as a shared subscription even if it starts with
     * {@code $share/}: the part of a shared subscription after its share name.
     *
     * @param what how the filter is called in messages
     */
    static @Nullable TopicProblem validatePlainTopicFilter(String filter, int maxLevels, String what) {
        int length = filter.length();
        if (length == 0) {
            // MQTT-4.7.3-1: all topic names and topic filters must be at least one character long
            return new TopicProblem("MQTT-4.7.3-1", "a " + what + " must be at least one character long");
        }
        int levels = 1;
        for (int i = 0; i < length; i++) {
            char c = filter.charAt(i);
            if (c == LEVEL_SEPARATOR) {
                levels++;
            } else if (c == MULTI_LEVEL_WILDCARD) {
                // MQTT-4.7.1-2: '#' on its own or after a separator, and the last character
                boolean aloneInLevel = i == 0 || filter.charAt(i - 1) == LEVEL_SEPARATOR;
                if (!aloneInLevel || i != length - 1) {
                    return new TopicProblem("MQTT-4.7.1-2", "the wildcard '#' must be the last character"
                            + " of a " + what + " and alone in its level (index " + i + ")");
                }
            } else if (c == SINGLE_LEVEL_WILDCARD) {
                // MQTT-4.7.1-3: '+' must occupy an entire level of the filter
                boolean startsLevel = i == 0 || filter.charAt(i - 1) == LEVEL_SEPARATOR;
                boolean endsLevel = i == length - 1 || filter.charAt(i + 1) == LEVEL_SEPARATOR;
                if (!startsLevel || !endsLevel) {
                    return new TopicProblem("MQTT-4.7.1-3",
                            "the wildcard '+' must occupy an entire level of a " + what + " (index " + i + ")");
                }
            } else if (c == '\u0000') {
                // MQTT-4.7.3-2: topic filters must not include the null character
                return new TopicProblem("MQTT-4.7.3-2", "a " + what + " must not contain U+0000 (index " + i + ")");
            }
        }
        return checkLengthAndLevels(filter, levels, maxLevels, what);
    }

    /**
     * The number of bytes {@code s} takes in UTF-8, computed without encoding it. A surrogate pair
     * counts four bytes; a lone surrogate, which a decoded MQTT string cannot hold, counts three.
     */
    static int utf8Length(String s) {
        int length = s.length();
        int bytes = length; // one byte per char, plus the extra bytes added below
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                if (c < 0x800) {
                    bytes += 1;
                } else if (Character.isHighSurrogate(c) && i + 1 < length
                        && Character.isLowSurrogate(s.charAt(i + 1))) {
                    bytes += 2; // two chars, four bytes
                    i++;
                } else {
                    bytes += 2;
                }
            }
        }
        return bytes;
    }

    /** The index of the {@code /} ending the level that starts at {@code start}, or the length. */
    static int levelEnd(String s, int start) {
        int end = s.indexOf(LEVEL_SEPARATOR, start);
        return end < 0 ? s.length() : end;
    }

    private static @Nullable TopicProblem checkLengthAndLevels(String s, int levels, int maxLevels, String what) {
        // Every char is at least one byte, so most strings are decided without counting.
        if (s.length() > MAX_ENCODED_LENGTH || (s.length() * 3 > MAX_ENCODED_LENGTH
                && utf8Length(s) > MAX_ENCODED_LENGTH)) {
            // MQTT-4.7.3-3: topic names and filters must not encode to more than 65,535 bytes
            return new TopicProblem("MQTT-4.7.3-3",
                    "a " + what + " must not encode to more than " + MAX_ENCODED_LENGTH + " bytes in UTF-8");
        }
        if (maxLevels > 0 && levels > maxLevels) {
            return new TopicProblem(TopicProblem.MAX_TOPIC_LEVELS, "a " + what + " has " + levels
                    + " levels, more than this server's limit of " + maxLevels);
        }
        return null;
    }
}
