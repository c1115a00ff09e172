package dev.midge.broker.config;

/**
 * Bounds of session state.
 *
 * @param maxInflightMessages QoS 1 and 2 messages sent to a client and not yet acknowledged, at
 *     most; more wait in the queue (an MQTT 5 client's Receive Maximum lowers it further)
 * @param maxQueuedMessages messages waiting for a client (offline, or beyond the in-flight
 *     window), at most; beyond it new messages for that client are dropped, counted and logged
 * @param queueQos0WhenOffline whether QoS 0 messages are queued for an offline persistent session
 *     (the specification allows it; off by default, as in Mosquitto)
 * @param maxQueuedBytes the bytes of topic, payload and properties of the messages waiting for a
 *     client, at most; beyond it new messages for that client are dropped, counted and logged
 */
public record SessionConfig(
    int maxInflightMessages, int maxQueuedMessages, boolean queueQos0WhenOffline,
    int maxQueuedBytes) {

  /** The default of {@link #maxQueuedBytes}: 64 MiB per client. */
  public static final int DEFAULT_MAX_QUEUED_BYTES = 64 * 1024 * 1024;

  public static final SessionConfig DEFAULTS =
      new SessionConfig(32, 1000, false, DEFAULT_MAX_QUEUED_BYTES);

  /** Bounds with the default {@link #maxQueuedBytes}. */
  public SessionConfig(int maxInflightMessages, int maxQueuedMessages,
      boolean queueQos0WhenOffline) {
    this(maxInflightMessages, maxQueuedMessages, queueQos0WhenOffline, DEFAULT_MAX_QUEUED_BYTES);
  }

  public SessionConfig {
    if (maxInflightMessages < 1 || maxInflightMessages > 65535) {
      throw new IllegalArgumentException("max inflight messages must be 1 to 65535");
    }
    if (maxQueuedMessages < 0) {
      throw new IllegalArgumentException("max queued messages must be 0 or more");
    }
    if (maxQueuedBytes < 0) {
      throw new IllegalArgumentException("max queued bytes must be 0 or more");
    }
  }
}
