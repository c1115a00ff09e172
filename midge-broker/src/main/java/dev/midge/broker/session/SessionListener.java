package dev.midge.broker.session;

/**
 * What sessions report to the broker's metrics. Called on the session's event loop; keep it cheap.
 */
public interface SessionListener {
  /** A message was sent to a client, with this QoS (0 to 2). */
  void messageSent(int qos);

  /** A message for a client was dropped: {@code cause} is a short metric tag. */
  void messageDropped(String clientId, String cause);

  /** A listener that does nothing. */
  SessionListener NONE =
      new SessionListener() {
        @Override
        public void messageSent(int qos) {}

        @Override
        public void messageDropped(String clientId, String cause) {}
      };
}
