package dev.midge.codec.topic;

import org.jspecify.annotations.Nullable;

/**
 * An MQTT 5 shared subscription (section 4.8.2): a topic filter of the form {@code
 * $share/{ShareName}/{filter}}, whose matching messages go to only one of the sessions subscribed
 * with the same share name and filter.
 *
 * <pre>{@code
 * TopicProblem problem = Topics.validateTopicFilter(requested, maxLevels); // checks shares too
 * if (problem == null) {
 *     SharedSubscription shared = SharedSubscription.parse(requested);
 *     if (shared == null) {
 *         tree.add(requested, subscription);                // ordinary subscription
 *     } else {
 *         tree.add(shared.topicFilter(), group(shared.shareName()));
 *     }
 * }
 * }</pre>
 *
 * <p>The share name ends at the first {@code /} after the prefix, so it can never contain one:
 * {@code $share/a/b/c} is share name {@code a} with filter {@code b/c}. The filter after the share
 * name may itself start with {@code $share/}; the specification does not forbid it and it is then
 * an ordinary filter, matching topics under {@code $share} literally.
 *
 * <p>Instances always hold a valid share name and a valid filter: the constructor refuses anything
 * else. Validate client input with {@link #validate} (or {@link Topics#validateTopicFilter}), which
 * returns a value, before calling {@link #parse}, which throws.
 *
 * @param shareName the ShareName: at least one character, without {@code /}, {@code +}, {@code #}
 *     or U+0000
 * @param topicFilter the topic filter after the share name, valid by {@link
 *     Topics#validateTopicFilter} rules for an ordinary filter; this is what messages are matched
 *     against
 */
public record SharedSubscription(String shareName, String topicFilter) {

    /** The prefix that marks a shared subscription's topic filter (MQTT-4.8.2-1). */
    public static final String PREFIX = "$share/";

    /**
     * Creates a shared subscription from its parts.
     *
     * @param shareName the ShareName, without the prefix or the {@code /} after it
     * @param topicFilter the topic filter after the share name
     * @throws IllegalArgumentException if the share name or topic filter is invalid, with the
     *     message of the {@link TopicProblem}
     */
    public SharedSubscription {
        TopicProblem problem = validateParts(shareName, topicFilter, 0);
        if (problem != null) {
            throw new IllegalArgumentException(problem.toString());
        }
    }

    /**
     * Splits a shared subscription's topic filter into share name and topic filter.
     *
     * @param filter a topic filter that {@link #validate} accepts, or any filter not starting with
     *     {@value #PREFIX}
     * @return the shared subscription, or {@code null} if {@code filter} is not shared ({@link
     *     Topics#isShared})
     * @throws IllegalArgumentException if {@code filter} starts with {@value #PREFIX} but is not a
     *     valid shared subscription, with the {@link TopicProblem} as message: a client's filter
     *     must be validated before it is parsed
     */
    public static @Nullable SharedSubscription parse(String filter) {
        if (!Topics.isShared(filter)) {
            return null;
        }
        TopicProblem problem = validate(filter, 0);
        if (problem != null) {
            throw new IllegalArgumentException(problem.toString());
        }
        int separator = filter.indexOf(Topics.LEVEL_SEPARATOR, PREFIX.length());
        return new SharedSubscription(filter.substring(PREFIX.length(), separator), filter.substring(separator + 1));
    }

    /**
     * Checks a shared subscription's topic filter.
     *
     * <p>The rules, in the order in which they are reported:
     * <ol>
     *   <li>it starts with {@value #PREFIX}, then a ShareName of at least one character
     *       (MQTT-4.8.2-1);
     *   <li>the ShareName holds no {@code +} or {@code #} (MQTT-4.8.2-2; it cannot hold a {@code
     *       /}, which ends it) and no U+0000 (MQTT-4.7.3-2);
     *   <li>the ShareName is followed by {@code /} and a non-empty topic filter (MQTT-4.8.2-2);
     *   <li>that topic filter is valid (section 4.7, see {@link Topics#validateTopicFilter}), its
     *       levels counted against {@code maxLevels};
     *   <li>the whole string is at most {@value Topics#MAX_ENCODED_LENGTH} bytes in UTF-8
     *       (MQTT-4.7.3-3).
     * </ol>
     *
     * @param filter a topic filter
     * @param maxLevels the largest number of levels accepted in the filter after the share name;
     *     zero or negative for no limit
     * @return the first problem, or {@code null} if {@code filter} is a valid shared subscription
     */
    public static @Nullable TopicProblem validate(String filter, int maxLevels) {
        if (!Topics.isShared(filter)) {
            // MQTT-4.8.2-1: a shared subscription's topic filter must start with "$share/"
            return new TopicProblem("MQTT-4.8.2-1", "a shared subscription must start with \"" + PREFIX + "\"");
        }
        int separator = filter.indexOf(Topics.LEVEL_SEPARATOR, PREFIX.length());
        String shareName = filter.substring(PREFIX.length(), separator < 0 ? filter.length() : separator);
        TopicProblem problem = validateShareName(shareName);
        if (problem != null) {
            return problem;
        }
        if (separator < 0) {
            return missingFilter();
        }
        problem = validateParts(shareName, filter.substring(separator + 1), maxLevels);
        if (problem != null) {
            return problem;
        }
        if (Topics.utf8Length(filter) > Topics.MAX_ENCODED_LENGTH) {
            // MQTT-4.7.3-3: the whole filter is one UTF-8 string on the wire
            return new TopicProblem("MQTT-4.7.3-3",
                    "a topic filter must not encode to more than " + Topics.MAX_ENCODED_LENGTH + " bytes in UTF-8");
        }
        return null;
    }

    /**
     * The topic filter as the client sent it: {@code $share/{shareName}/{topicFilter}}.
     *
     * @return a new string, equal to the filter {@link #parse} was given
     */
    public String sharedFilter() {
        return PREFIX + shareName + Topics.LEVEL_SEPARATOR + topicFilter;
    }

    private static @Nullable TopicProblem validateParts(String shareName, String topicFilter, int maxLevels) {
        TopicProblem problem = validateShareName(shareName);
        if (problem != null) {
            return problem;
        }
        if (topicFilter.isEmpty()) {
            return missingFilter();
        }
        return Topics.validatePlainTopicFilter(topicFilter, maxLevels, "shared subscription's topic filter");
    }

    private static @Nullable TopicProblem validateShareName(String shareName) {
        if (shareName.isEmpty()) {
            // MQTT-4.8.2-1: the ShareName must be at least one character long
            return new TopicProblem("MQTT-4.8.2-1", "the ShareName of a shared subscription must not be empty");
        }
        for (int i = 0; i < shareName.length(); i++) {
            char c = shareName.charAt(i);
            if (c == Topics.LEVEL_SEPARATOR || c == Topics.SINGLE_LEVEL_WILDCARD || c == Topics.MULTI_LEVEL_WILDCARD) {
                // MQTT-4.8.2-2: the ShareName must not contain '/', '+' or '#'
                return new TopicProblem("MQTT-4.8.2-2",
                        "the ShareName of a shared subscription must not contain '" + c + "' (index " + i
                                + " of the ShareName)");
            }
            if (c == '\u0000') {
                // MQTT-4.7.3-2: no U+0000 anywhere in a topic filter
                return new TopicProblem("MQTT-4.7.3-2",
                        "the ShareName of a shared subscription must not contain U+0000 (index " + i
                                + " of the ShareName)");
            }
        }
        return null;
    }

    private static TopicProblem missingFilter() {
        // MQTT-4.8.2-2: the ShareName must be followed by '/' and a topic filter
        return new TopicProblem("MQTT-4.8.2-2",
                "the ShareName of a shared subscription must be followed by '/' and a topic filter");
    }
}
