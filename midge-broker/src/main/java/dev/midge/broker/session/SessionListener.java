package dev.midge.broker.session;

import dev.midge.codec.packet.Publish;

/**
 * What sessions report to the broker's metrics and to the offline-push webhook. Called on the
 * session's event loop; keep it cheap and never block.
 */
public interface SessionListener {
  /** A message was sent to a client, with this QoS (0 to 2). */
  void messageSent(int qos);

  /** A message for a client was dropped: {@code cause} is a short metric tag. */
  void messageDropped(String clientId, String cause);

  /**
   * A message was queued for a persistent session whose client is not connected: it waits for the
   * client's return (the offline-push webhook tells an application server).
   */
  default void messageQueuedOffline(String clientId, Publish message) {}

  /** A listener that does nothing. */
  SessionListener NONE =
      new SessionListener() {
        @Override
        public void messageSent(int qos) {}

        @Override
        public void messageDropped(String clientId, String cause) {}
      };
}
