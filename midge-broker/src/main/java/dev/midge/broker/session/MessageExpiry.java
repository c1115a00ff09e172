package dev.midge.broker.session;

import dev.midge.codec.packet.Publish;
import dev.midge.codec.property.Properties;

/**
 * MQTT 5 Message Expiry Interval (§3.3.2.3.3) as the broker keeps it: an absolute deadline, {@code
 * long expiresAt} in epoch milliseconds on the broker's {@link java.time.Clock}, set once when the
 * broker receives (or, for a will, publishes) the message and carried beside the {@link Publish}
 * through routing, the session's queue, its in-flight messages and the retained store. {@link
 * #NEVER} (0) means the message does not expire: it had no Message Expiry Interval, or came from
 * an MQTT 3 client.
 *
 * <p>A message whose deadline has come before the broker starts sending it to a subscriber is
 * dropped for that subscriber (MQTT-3.3.2-5); one that is sent carries the time it has left
 * (MQTT-3.3.2-6). "Has come" is {@code now >= expiresAt}: an interval of 0 s means the message
 * has expired on arrival and reaches no subscriber. The time left is the received interval minus
 * the whole seconds the message waited, which is the remaining time rounded up: a message with
 * 10 s that waited 300 ms goes out with 10, never with 0 while it is still alive.
 *
 * <pre>{@code
 * long expiresAt = MessageExpiry.deadline(publish, clock.millis());   // on receipt
 * // ... later, as it is sent:
 * if (MessageExpiry.isExpired(expiresAt, now)) drop(); else write(MessageExpiry.withRemaining(p, expiresAt, now));
 * }</pre>
 *
 * <p>Pure functions; thread-safe.
 */
public final class MessageExpiry {
  /** The deadline of a message that does not expire. */
  public static final long NEVER = 0;

  private MessageExpiry() {}

  /**
   * The deadline of {@code message} received at {@code receivedAt} (epoch ms): {@code receivedAt}
   * plus its Message Expiry Interval, or {@link #NEVER} when it has none.
   */
  public static long deadline(Publish message, long receivedAt) {
    Long seconds = message.properties().messageExpiryInterval();
    if (seconds == null) {
      return NEVER;
    }
    // At most 0xFFFFFFFF s, about 4.3e12 ms: no overflow. A deadline of exactly 0 (received at the
    // epoch with interval 0) would read as "never"; 1 ms later is close enough.
    return Math.max(1, receivedAt + seconds * 1000);
  }

  /** Whether a message with this deadline has expired at {@code now} (MQTT-3.3.2-5). */
  public static boolean isExpired(long expiresAt, long now) {
    return expiresAt != NEVER && now >= expiresAt;
  }

  /**
   * The whole seconds a message has left at {@code now}: rounded up, 0 once expired. Only for a
   * message that expires.
   */
  public static long remainingSeconds(long expiresAt, long now) {
    long ms = expiresAt - now;
    return ms <= 0 ? 0 : (ms + 999) / 1000;
  }

  /**
   * {@code message} as sent at {@code now}: its Message Expiry Interval set to the time it has
   * left (MQTT-3.3.2-6); unchanged when it does not expire.
   */
  public static Publish withRemaining(Publish message, long expiresAt, long now) {
    if (expiresAt == NEVER) {
      return message;
    }
    long remaining = remainingSeconds(expiresAt, now);
    Properties props = message.properties();
    Long current = props.messageExpiryInterval();
    if (current != null && current == remaining) {
      return message;
    }
    return message.withProperties(props.toBuilder().messageExpiryInterval(remaining).build());
  }
}
