package dev.midge.broker.session;

import dev.midge.codec.packet.Publish;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The state of one session that must survive as long as the session does: its subscriptions
 * (with their Subscription Identifiers), the messages queued for the client, the QoS 1 and 2
 * messages in flight to it, and the packet identifiers of QoS 2 messages it sent that await
 * PUBREL. A queued or in-flight message remembers the shared subscription it was routed by, if
 * any, so that it can be handed to another member of the group (MQTT 5 §4.8.2). {@link Session} keeps its logic and
 * threading; this is where the state lives, so that a store can keep it (in memory, or durably
 * with write-through).
 *
 * <p>Every queued and in-flight message carries its deadline, {@code expiresAt}: epoch
 * milliseconds on the broker's clock after which it is not to be sent (MQTT 5 Message Expiry
 * Interval), {@link MessageExpiry#NEVER} (0) for a message that does not expire. A durable store
 * keeps it with the message, unchanged: it is absolute, so it stays right across a restart.
 *
 * <p>Threading: subscription methods may be called from any thread (routing reads them); every
 * other method is called on the session's owner thread only (see {@link Session}).
 */
public interface SessionState {

  // ---- subscriptions: any thread ----

  /**
   * Adds or replaces the subscription to its filter, identifier included (a replacement without
   * one clears it); returns the one replaced, or null.
   */
  @Nullable StoredSubscription putSubscription(StoredSubscription subscription);

  /** Removes the subscription to a filter; returns it, or null. */
  @Nullable StoredSubscription removeSubscription(String topicFilter);

  /** The subscription to exactly this filter (as the client sent it), or null. */
  @Nullable StoredSubscription subscription(String topicFilter);

  /** A snapshot of the subscriptions by filter. */
  Map<String, StoredSubscription> subscriptions();

  // ---- queued messages: owner only ----

  /**
   * Appends a message to the queue.
   *
   * @param message the PUBLISH as it is to go out, without packet identifier
   * @param expiresAt its deadline (epoch ms), or {@link MessageExpiry#NEVER}
   * @param sharedSubscription the filter ({@code $share/{group}/{filter}}) of the shared
   *     subscription the message was routed by, or null for any other message
   */
  void enqueue(Publish message, long expiresAt, @Nullable String sharedSubscription);

  /** The oldest queued message, or null. */
  @Nullable Queued peekQueued();

  /** Removes and returns the oldest queued message, or null. */
  @Nullable Queued pollQueued();

  int queuedCount();

  // ---- messages in flight to the client: owner only ----

  /**
   * Records a QoS 1 or 2 message sent with its packet identifier, not released.
   *
   * @param message the PUBLISH as sent, with its packet identifier
   * @param expiresAt its deadline (epoch ms), or {@link MessageExpiry#NEVER}; a message in flight
   *     is resent after it has passed too (its delivery has started), with the time it has left
   * @param sharedSubscription the shared subscription it was routed by, or null
   */
  void putInflight(Publish message, long expiresAt, @Nullable String sharedSubscription);

  /** The message in flight with this packet identifier, or null. */
  @Nullable Inflight inflight(int packetId);

  /** A QoS 2 message's PUBREC arrived: PUBREL is now what is owed. */
  void markReleased(int packetId);

  /** The client completed the flow: forget the packet identifier. */
  void removeInflight(int packetId);

  /** The messages in flight, in the order they were first sent. */
  Iterable<Inflight> inflight();

  int inflightCount();

  // ---- inbound QoS 2: owner only ----

  /** Records a QoS 2 packet identifier received; false if it was already there. */
  boolean addInboundQos2(int packetId);

  /** Forgets a QoS 2 packet identifier on PUBREL; false if it was not there. */
  boolean removeInboundQos2(int packetId);

  /** Drops everything but the subscriptions: the queue, in-flight messages, inbound ids. */
  void clearMessages();

  /**
   * A message waiting to be sent to the client.
   *
   * @param message the PUBLISH as it is to go out, without packet identifier
   * @param expiresAt its deadline (epoch ms), or {@link MessageExpiry#NEVER}
   * @param sharedSubscription the filter of the shared subscription it was routed by, or null
   */
  record Queued(Publish message, long expiresAt, @Nullable String sharedSubscription) {}

  /**
   * A message in flight to the client.
   *
   * @param message the PUBLISH as sent, with its packet identifier
   * @param expiresAt its deadline (epoch ms), or {@link MessageExpiry#NEVER}
   * @param released whether PUBREC arrived and PUBREL is owed (QoS 2 only)
   * @param sharedSubscription the filter of the shared subscription it was routed by, or null
   */
  record Inflight(Publish message, long expiresAt, boolean released,
      @Nullable String sharedSubscription) {
    public int packetId() {
      return message.packetId();
    }
  }
}
