package dev.midge.broker.routing;

import dev.midge.broker.session.Session;
import dev.midge.codec.topic.SharedSubscription;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * One shared subscription (MQTT 5 §4.8.2): the sessions subscribed to the same {@code
 * $share/{group}/{filter}}, of which each matching message goes to one. The router keeps one
 * group per shared filter, stored in its topic tree under the plain filter; two groups on the
 * same filter (different share names) are independent and each gets its copy.
 *
 * <p>The member is picked by the group's {@link MemberSelector}: a connected member if there is
 * one, else an offline one (a persistent session), whose session queues the message. Each
 * member's subscription options and identifier live in its own session under {@link
 * #sharedFilter()}; the group only knows who the members are.
 *
 * <p>Thread-safe: members are a copy-on-write array, read without a lock on every message;
 * joining and leaving (SUBSCRIBE, UNSUBSCRIBE, the end of a session) copy it under the group's
 * monitor, held only for the copy.
 */
final class SharedSubscriptionGroup implements SubscriptionRouter.Target {
  private static final Session[] NONE = {};

  private final SharedSubscription share;
  private final String sharedFilter;
  private final MemberSelector selector;
  private volatile Session[] members = NONE;

  SharedSubscriptionGroup(SharedSubscription share, MemberSelector selector) {
    this.share = share;
    this.sharedFilter = share.sharedFilter();
    this.selector = selector;
  }

  /** The filter messages are matched against, without {@code $share/{group}/}. */
  String topicFilter() {
    return share.topicFilter();
  }

  /** The whole filter, {@code $share/{group}/{filter}}: the key of the members' subscriptions. */
  String sharedFilter() {
    return sharedFilter;
  }

  /** Adds a member; false if it was one already (a second SUBSCRIBE adds no membership). */
  synchronized boolean join(Session session) {
    Session[] now = members;
    for (Session s : now) {
      if (s == session) {
        return false;
      }
    }
    Session[] next = Arrays.copyOf(now, now.length + 1);
    next[now.length] = session;
    members = next;
    return true;
  }

  /** Removes a member; false if it was none. */
  synchronized boolean leave(Session session) {
    Session[] now = members;
    for (int i = 0; i < now.length; i++) {
      if (now[i] == session) {
        Session[] next = new Session[now.length - 1];
        System.arraycopy(now, 0, next, 0, i);
        System.arraycopy(now, i + 1, next, i, now.length - i - 1);
        members = next;
        return true;
      }
    }
    return false;
  }

  boolean isEmpty() {
    return members.length == 0;
  }

  int size() {
    return members.length;
  }

  /**
   * The member to get the next message.
   *
   * @param exclude a member not to pick (one handing its messages off), or null
   * @param allowOffline whether an offline member may be picked when no other is connected
   */
  @Nullable Session pick(@Nullable Session exclude, boolean allowOffline) {
    return selector.select(members,
        s -> s != exclude && !s.isDiscarded(),
        s -> s.claimedBy() != null,
        allowOffline);
  }

  @Override
  public String toString() {
    return "SharedSubscriptionGroup[" + sharedFilter + ", " + members.length + " members]";
  }
}
