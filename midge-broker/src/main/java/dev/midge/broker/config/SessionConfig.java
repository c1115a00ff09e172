package dev.midge.broker.config;

import java.time.Duration;
import java.util.Objects;

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
 * @param maxExpiryInterval the longest a session is kept after its connection closes, in seconds;
 *     {@link #NO_EXPIRY_LIMIT} (0xFFFFFFFF) for no limit. An MQTT 5 client asking for more is
 *     told the lower value in CONNACK (Session Expiry Interval); an MQTT 3.x persistent session
 *     (clean session 0), which would otherwise never expire, ends after it
 * @param slowSubscriberTimeout how long a publisher is held back for a connected subscriber
 *     whose queue is more than half full: its connection stops reading until the subscriber has
 *     caught up (its queue back under a quarter), so that nothing is dropped; a subscriber that
 *     has not caught up after this long no longer holds publishers back until it does, and
 *     what exceeds its queue is dropped. {@link Duration#ZERO} never holds publishers back
 */
public record SessionConfig(
    int maxInflightMessages, int maxQueuedMessages, boolean queueQos0WhenOffline,
    int maxQueuedBytes, long maxExpiryInterval, Duration slowSubscriberTimeout) {

  /** The default of {@link #maxQueuedBytes}: 64 MiB per client. */
  public static final int DEFAULT_MAX_QUEUED_BYTES = 64 * 1024 * 1024;

  /** No limit on session expiry: 0xFFFFFFFF, which MQTT 5 reads as "never expires". */
  public static final long NO_EXPIRY_LIMIT = 0xFFFF_FFFFL;

  /** The default of {@link #slowSubscriberTimeout}. */
  public static final Duration DEFAULT_SLOW_SUBSCRIBER_TIMEOUT = Duration.ofSeconds(5);

  public static final SessionConfig DEFAULTS = new SessionConfig(32, 1000, false,
      DEFAULT_MAX_QUEUED_BYTES, NO_EXPIRY_LIMIT, DEFAULT_SLOW_SUBSCRIBER_TIMEOUT);

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
    if (maxExpiryInterval < 0 || maxExpiryInterval > NO_EXPIRY_LIMIT) {
      throw new IllegalArgumentException("max expiry interval must be 0 to 4294967295 seconds");
    }
    Objects.requireNonNull(slowSubscriberTimeout, "slowSubscriberTimeout");
    if (slowSubscriberTimeout.isNegative()) {
      throw new IllegalArgumentException("slow subscriber timeout must not be negative");
    }
  }

  /** These bounds, the default {@link #maxQueuedBytes}, and no limit on session expiry. */
  public SessionConfig(int maxInflightMessages, int maxQueuedMessages,
      boolean queueQos0WhenOffline) {
    this(maxInflightMessages, maxQueuedMessages, queueQos0WhenOffline, DEFAULT_MAX_QUEUED_BYTES,
        NO_EXPIRY_LIMIT, DEFAULT_SLOW_SUBSCRIBER_TIMEOUT);
  }

  public SessionConfig withMaxQueuedBytes(int newMaxQueuedBytes) {
    return new SessionConfig(maxInflightMessages, maxQueuedMessages, queueQos0WhenOffline,
        newMaxQueuedBytes, maxExpiryInterval, slowSubscriberTimeout);
  }

  public SessionConfig withMaxExpiryInterval(long newMaxExpiryInterval) {
    return new SessionConfig(maxInflightMessages, maxQueuedMessages, queueQos0WhenOffline,
        maxQueuedBytes, newMaxExpiryInterval, slowSubscriberTimeout);
  }

  public SessionConfig withSlowSubscriberTimeout(Duration newTimeout) {
    return new SessionConfig(maxInflightMessages, maxQueuedMessages, queueQos0WhenOffline,
        maxQueuedBytes, maxExpiryInterval, newTimeout);
  }

  /** Queued messages from which a connected subscriber holds its publishers back: half. */
  public int holdBackQueuedMessages() {
    return Math.max(1, maxQueuedMessages / 2);
  }

  /** Queued bytes from which a connected subscriber holds its publishers back: half. */
  public long holdBackQueuedBytes() {
    return Math.max(1, maxQueuedBytes / 2);
  }
}
