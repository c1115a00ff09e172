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

  /** Calls {@code action} with each retained message whose topic matches {@code filter}. */
  void forEachMatching(String filter, Consumer<Publish> action);

  /** The number of retained messages. */
  int size();
}
