package dev.midge.broker.retain;

import dev.midge.codec.packet.Publish;
import java.util.function.Consumer;

/**
 * Retained messages: the last retained message of each topic, handed to new subscriptions whose
 * filter matches. Each has a deadline ({@code expiresAt}, epoch ms on the broker's clock, 0 for
 * never, see {@link dev.midge.broker.session.MessageExpiry}): once it has come, the message is
 * discarded and the topic has no retained message (MQTT 5 §3.3.1.3). Time is passed in, so a store
 * needs no clock of its own. Implementations are thread-safe.
 */
public interface RetainedStore {
  /**
   * Keeps {@code message} as the retained message of its topic until {@code expiresAt} (0: no
   * deadline), replacing the previous one; a message with an empty payload removes it instead
   * (MQTT-3.3.1-10, 3.3.1-11 in 3.1.1; MQTT-3.3.1-6, -7 in 5.0).
   */
  void retain(Publish message, long expiresAt);

  /**
   * {@link #retain(Publish, long)} within a bound: a message for a topic that has no retained
   * message yet is refused when {@code maxMessages} are kept already ({@code
   * limits.max-retained-messages}; 0 for no bound). Replacing a topic's message and deleting one
   * (empty payload) are always done.
   *
   * <p>The default checks and then stores in two steps, so writers racing for the last places can
   * overshoot the bound by a few; implementations override it to make the two one atomic step.
   *
   * @return whether the message was kept (or the deletion done); false when the bound refused it
   */
  default boolean retain(Publish message, long expiresAt, int maxMessages) {
    if (maxMessages > 0 && message.payload().length > 0 && size() >= maxMessages) {
      // A topic name has no wildcards: as a filter it matches exactly its own topic. Time 0: an
      // expired message not yet removed still holds its place.
      boolean[] exists = {false};
      forEachMatching(message.topic(), 0, m -> exists[0] = true);
      if (!exists[0]) {
        return false;
      }
    }
    retain(message, expiresAt);
    return true;
  }

  /**
   * Calls {@code action} with each retained message whose topic matches {@code filter} and whose
   * deadline has not come at {@code now} (epoch ms).
   */
  void forEachMatching(String filter, long now, Consumer<RetainedMessage> action);

  /**
   * Forgets every retained message whose deadline has come at {@code now}; returns how many. The
   * broker calls it periodically, so that expired messages do not hold memory until a subscriber
   * happens to look.
   */
  int removeExpired(long now);

  /** The number of retained messages, counting expired ones not yet removed. */
  int size();
}
