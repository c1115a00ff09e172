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
