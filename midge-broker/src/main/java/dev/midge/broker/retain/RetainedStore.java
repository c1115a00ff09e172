package dev.midge.broker.retain;

import dev.midge.codec.packet.Publish;
import java.util.function.Consumer;

/**
 * Retained messages: the last retained message of each topic, handed to new subscriptions whose
 * filter matches. Implementations are thread-safe.
 */
public interface RetainedStore {
  /**
   * Keeps {@code message} as the retained message of its topic, replacing the previous one; a
   * message with an empty payload removes it instead (MQTT-3.3.1-10, 3.3.1-11 in 3.1.1).
   */
  void retain(Publish message);

  /**
   * {@link #retain(Publish)} within a bound: a message for a topic that has no retained message
   * yet is refused when {@code maxMessages} are kept already ({@code limits.max-retained-messages};
   * 0 for no bound). Replacing a topic's message and deleting one (empty payload) are always
   * done.
   *
   * <p>The default checks and then stores in two steps, so writers racing for the last places can
   * overshoot the bound by a few; implementations override it to make the two one atomic step.
   *
   * @return whether the message was kept (or the deletion done); false when the bound refused it
   */
  default boolean retain(Publish message, int maxMessages) {
    if (maxMessages > 0 && message.payload().length > 0 && size() >= maxMessages) {
      // A topic name has no wildcards: as a filter it matches exactly its own topic.
      boolean[] exists = {false};
      forEachMatching(message.topic(), m -> exists[0] = true);
      if (!exists[0]) {
        return false;
      }
    }
    retain(message);
    return true;
  }

  /** Calls {@code action} with each retained message whose topic matches {@code filter}. */
  void forEachMatching(String filter, Consumer<Publish> action);

  /** The number of retained messages. */
  int size();
}
