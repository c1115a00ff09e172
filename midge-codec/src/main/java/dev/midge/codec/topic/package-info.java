/**
 * The topic engine of MQTT 3.1.1 and 5.0 (sections 4.7 and 4.8.2): validation of topic names and
 * filters ({@link dev.midge.codec.topic.Topics}, problems as {@link
 * dev.midge.codec.topic.TopicProblem} values), shared subscriptions ({@link
 * dev.midge.codec.topic.SharedSubscription}) and the subscription index a broker routes with
 * ({@link dev.midge.codec.topic.TopicTree}).
 *
 * <p>Depends on the JDK only; strings are expected already decoded from well-formed UTF-8.
 */
@NullMarked
package dev.midge.codec.topic;

import org.jspecify.annotations.NullMarked;
