package dev.midge.codec.topic;

import java.util.Objects;

/**
 * Why a topic name or topic filter was refused: the normative statement it breaks and a short
 * explanation for humans.
 *
 * <p>Validation in this package returns a {@code TopicProblem}, or {@code null} when the input is
 * valid, instead of throwing: bad input from a client is a value (house style rule 4), and the one
 * place that answers the client turns it into the right reason code (for example {@code 0x8F Topic
 * Filter invalid} in a SUBACK, or {@code 0x90 Topic Name invalid} in a DISCONNECT).
 *
 * <p>The {@linkplain #statementId() statement id} is either the id of the MQTT specification
 * statement, such as {@code "MQTT-4.7.1-2"}, or, for a limit Midge imposes beyond the
 * specification, an id starting with {@code "midge-"} such as {@link #MAX_TOPIC_LEVELS}. The
 * {@linkplain #message() message} never repeats the offending topic (it may be 64 KiB long and is
 * client-controlled); it points at the character index instead, so it is safe to log and to send
 * back as an MQTT 5 reason string.
 *
 * @param statementId the broken statement, for example {@code "MQTT-4.7.3-1"}; never blank
 * @param message what is wrong, in one sentence, without the topic itself
 */
public record TopicProblem(String statementId, String message) {

    /**
     * Statement id of Midge's own limit on the number of topic levels: not a rule of the
     * specification, but a broker setting that bounds the depth of the subscription tree and the
     * work done per match.
     */
    public static final String MAX_TOPIC_LEVELS = "midge-max-topic-levels";

    /**
     * Creates a problem.
     *
     * @param statementId the broken statement, for example {@code "MQTT-4.7.3-1"}
     * @param message what is wrong, in one sentence, without the topic itself
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code statementId} is blank
     */
    public TopicProblem {
        Objects.requireNonNull(statementId, "statementId");
        Objects.requireNonNull(message, "message");
        if (statementId.isBlank()) {
            throw new IllegalArgumentException("statementId must not be blank");
        }
    }

    @Override
    public String toString() {
        return statementId + ": " + message;
    }
}
