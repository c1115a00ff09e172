package dev.midge.broker.session;

import dev.midge.codec.packet.Publish;
import io.netty.buffer.ByteBufUtil;
import java.util.Map;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The state of one session that must survive as long as the session does: its subscriptions
 * (with their Subscription Identifiers), the messages queued for the client, the QoS 1 and 2
 * messages in flight to it, and the packet identifiers of QoS 2 messages it sent that await
 * PUBREL. A queued or in-flight message remembers the shared subscription it was routed by, if
 * any, so that it can be handed to another member of the group (MQTT 5 §4.8.2). {@link Session}
 * keeps its logic and threading; this is where the state lives, so that a store can keep it (in
 * memory, or durably with write-through: a durable store keeps all of the above, identifiers,
 * deadlines and shared subscriptions included).
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

  /**
   * Appends a message whose disk record {@link #stage} staged, with the same deadline and shared
   * subscription (null: as {@link #enqueue(Publish, long, String)}).
   */
  default void enqueue(Publish message, long expiresAt, @Nullable String sharedSubscription,
      @Nullable Staged staged) {
    enqueue(message, expiresAt, sharedSubscription);
  }

  /** The oldest queued message, or null. */
  @Nullable Queued peekQueued();

  /** Removes and returns the oldest queued message, or null. */
  @Nullable Queued pollQueued();

  int queuedCount();

  /**
   * Removes the queued messages for which {@code remove} returns true, calling it once for each,
   * oldest first; the others stay, in order. A durable store forgets the removed ones in one
   * change and leaves the others' records alone. {@code remove} may hand a message to another
   * session, not change this state.
   *
   * @return the number removed
   */
  int removeQueuedIf(Predicate<Queued> remove);

  /** The {@link #bytes} of the queued messages, added up. */
  long queuedBytes();

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

  /**
   * Records in flight a message sent at once whose disk record {@link #stage} staged for the
   * queue: the record moves to the in-flight window in one step (null: as {@link
   * #putInflight(Publish, long, String)}).
   */
  default void putInflight(Publish message, long expiresAt, @Nullable String sharedSubscription,
      @Nullable Staged staged) {
    putInflight(message, expiresAt, sharedSubscription);
  }

  /**
   * The oldest queued message goes out as {@code sent} (with its packet identifier), keeping its
   * deadline and shared subscription: it leaves the queue and is recorded in flight in one step,
   * which a durable store makes atomic, so that a crash between the two neither loses the message
   * nor sends it twice.
   *
   * @throws IllegalStateException when nothing is queued
   */
  default void sendQueued(Publish sent) {
    Queued q = pollQueued();
    if (q == null) {
      throw new IllegalStateException("nothing queued");
    }
    putInflight(sent, q.expiresAt(), q.sharedSubscription());
  }

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

  // ---- durability: owner only ----

  /**
   * How long the session lives, for a durable store to keep (in memory: nothing to do). Called
   * when a connection takes the session ({@code expiresAt} 0) and when it goes offline. A session
   * whose interval is not 0 is written from then on, with everything it holds; one whose interval
   * becomes 0 ends with its connection and is no longer kept.
   *
   * @param expiryInterval the Session Expiry Interval in seconds, {@link Session#NEVER_EXPIRES}
   *     for never
   * @param expiresAt when an offline session expires, in milliseconds since the epoch; 0 while a
   *     connection holds it, or when it never expires
   */
  default void lifetime(long expiryInterval, long expiresAt) {}

  /**
   * A message routed to this session, inside a {@link dev.midge.broker.store.WriteTicket}: a
   * durable store stages the message's queue record in the ticket's atomic change and returns a
   * handle to it, which the owner passes to {@link #enqueue(Publish, long, String, Staged)} or
   * {@link #putInflight(Publish, long, String, Staged)} when it takes the message, or to {@link
   * #unstage} when it drops it. Null when nothing is staged: no ticket open, a state in memory, a
   * session that is not persistent. Called on the routing thread, any thread.
   *
   * @param expiresAt the message's deadline (epoch ms), or {@link MessageExpiry#NEVER}
   * @param sharedSubscription the shared subscription it was routed by, or null
   */
  default @Nullable Staged stage(Publish message, long expiresAt,
      @Nullable String sharedSubscription) {
    return null;
  }

  /**
   * Whether changes to this state are written to a durable store now: its session is persistent
   * and the store is on disk. A QoS 2 PUBLISH or a PUBREL sent to the client then waits until the
   * change that goes with it is durable, so that a crash cannot make the broker send a message
   * again under another packet identifier, or again after PUBREL.
   */
  default boolean isDurable() {
    return false;
  }

  /** A message {@link #stage staged} and then dropped: its record goes. Owner only. */
  default void unstage(@Nullable Staged staged) {}

  /** A handle to a record staged by {@link #stage}, for the state that staged it. */
  interface Staged {}

  /**
   * What a message weighs against {@code sessions.max-queued-bytes}: its topic, payload and
   * properties in bytes.
   */
  static long bytes(Publish message) {
    return ByteBufUtil.utf8Bytes(message.topic()) + message.payload().length
        + message.properties().encodedLength();
  }

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
