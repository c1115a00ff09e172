package dev.midge.broker.retain;

import dev.midge.codec.packet.Publish;
import java.util.Objects;

/**
 * A retained message and its deadline.
 *
 * @param message the message as published (RETAIN set, no packet identifier), with the Message
 *     Expiry Interval it was received with
 * @param expiresAt when it expires, epoch ms on the broker's clock, or {@link
 *     dev.midge.broker.session.MessageExpiry#NEVER} (0): once passed, it is no longer the retained
 *     message of its topic (MQTT 5 §3.3.1.3: it is discarded)
 */
public record RetainedMessage(Publish message, long expiresAt) {
  public RetainedMessage {
    Objects.requireNonNull(message, "message");
  }
}
