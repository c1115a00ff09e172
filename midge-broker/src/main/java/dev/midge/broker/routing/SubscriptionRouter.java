package dev.midge.broker.routing;

import dev.midge.broker.auth.Authorizer;
import dev.midge.broker.config.MqttConfig.SharedSubscriptionStrategy;
import dev.midge.broker.session.Session;
import dev.midge.broker.session.StoredSubscription;
import dev.midge.codec.MqttQos;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.property.Properties;
import dev.midge.codec.topic.SharedSubscription;
import dev.midge.codec.topic.TopicTree;
import dev.midge.codec.topic.Topics;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Routes application messages to the sessions whose subscriptions match their topic.
 *
 * <p>Subscriptions live in a {@link TopicTree} keyed by filter, whose reads take no lock: routing
 * a PUBLISH, on the publisher's event loop, costs in proportion to the topic's levels and the
 * matches. Each match hands a copy of the message, shaped for that subscriber, to the subscriber's
 * session, which sends it on its own event loop.
 *
 * <p>Overlapping non-shared subscriptions of one client get one copy, at the highest QoS among
 * the matching subscriptions (MQTT-3.3.5-1 in 3.1.1, allowed by MQTT-3.3.4-2 in 5.0), carrying
 * the Subscription Identifier of every matching subscription that has one, in no particular order
 * and duplicates kept (MQTT-3.3.4-3, MQTT-3.3.4-4).
 *
 * <p><b>Shared subscriptions</b> ({@code $share/{group}/{filter}}, MQTT 5 §4.8.2, accepted from
 * every protocol version) are one {@link SharedSubscriptionGroup} per shared filter, stored in the
 * tree under the plain filter. Each matching message goes to one member of each group, picked by
 * the configured {@link SharedSubscriptionStrategy}, connected members first, at the lower of the
 * message's QoS and that member's granted QoS (MQTT-4.8.2-3), with that member's identifier only.
 * It is a copy of its own, apart from any copy the same client gets through its non-shared
 * subscriptions (MQTT-3.3.4-5). When a member's session ends, or its connection closes while
 * another member is connected, the messages it holds for the group and may give up (see {@link
 * Session#handOffShared}) go to another member.
 *
 * <p>Thread-safe.
 */
public final class SubscriptionRouter {
  /** What the tree holds under a filter: one session's subscription, or a shared group. */
  sealed interface Target permits SubscriberRef, SharedSubscriptionGroup {}

  private final TopicTree<Target> tree = new TopicTree<>();
  /** The shared subscription groups by their whole filter, {@code $share/{group}/{filter}}. */
  private final ConcurrentHashMap<String, SharedSubscriptionGroup> groups =
      new ConcurrentHashMap<>();
  private final SharedSubscriptionStrategy strategy;
  /** Who may receive what: the ACL's read rules. Set once, before the broker starts. */
  private volatile Authorizer authorizer = Authorizer.ALLOW_ALL;
  /** Counts the copies the authorizer keeps from a subscriber. */
  private volatile Runnable denied = () -> { };

  /** A session's subscription to one filter: the tree's value. Equal by session and filter. */
  record SubscriberRef(Session session, String filter) implements Target {
    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof SubscriberRef r && r.session == session && r.filter.equals(filter);
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(session) * 31 + filter.hashCode();
    }
  }

  /** A router whose shared subscription groups take turns (round robin). */
  public SubscriptionRouter() {
    this(SharedSubscriptionStrategy.ROUND_ROBIN);
  }

  /** A router whose shared subscription groups pick members by {@code strategy}. */
  public SubscriptionRouter(SharedSubscriptionStrategy strategy) {
    this.strategy = strategy;
  }

  /**
   * Checks every copy routed against {@code authorizer}'s read rules ({@link
   * Authorizer#mayReceive}, with the session's client identifier and {@link Session#userName()}):
   * a copy it refuses is not delivered, and {@code onDenied} is run. Call before the broker starts.
   */
  public void authorizer(Authorizer authorizer, Runnable onDenied) {
    this.authorizer = authorizer;
    this.denied = onDenied;
  }

  /** Whether {@code session} may receive a message on {@code topic}; counts a refusal. */
  private boolean mayReceive(Session session, String topic) {
    Authorizer a = authorizer;
    if (a == Authorizer.ALLOW_ALL || a.mayReceive(session.clientId(), session.userName(), topic)) {
      return true;
    }
    denied.run();
    return false;
  }

  /** Subscribes {@code session} without a Subscription Identifier. */
  public boolean subscribe(Session session, Subscription subscription) {
    return subscribe(session, new StoredSubscription(subscription));
  }

  /**
   * Subscribes {@code session}, replacing the options and the identifier of an existing
   * subscription to the same filter without interrupting its flow of messages (MQTT-3.8.4-3). A
   * {@code $share/{group}/{filter}} filter, valid by {@link Topics#validateTopicFilter}, makes the
   * session a member of that shared subscription; subscribing to it again changes the options
   * and adds no second membership (MQTT 5 §4.8.2).
   *
   * @return true if the subscription is new, false if it replaced one
   */
  public boolean subscribe(Session session, StoredSubscription subscription) {
    if (session.subscribe(subscription) != null) {
      return false;
    }
    String filter = subscription.topicFilter();
    SharedSubscription share = SharedSubscription.parse(filter);
    if (share == null) {
      SubscriberRef ref = new SubscriberRef(session, filter);
      tree.add(filter, ref);
      if (session.isDiscarded()) {
        tree.remove(filter, ref); // ended meanwhile: do not leave it behind
      }
    } else {
      join(session, share);
      if (session.isDiscarded()) {
        leave(session, filter);
      }
    }
    return true;
  }

  /**
   * Removes a subscription; returns whether it existed. For {@code $share/{group}/{filter}} only
   * this session's membership of that one group goes.
   */
  public boolean unsubscribe(Session session, String topicFilter) {
    if (session.unsubscribe(topicFilter) == null) {
      return false;
    }
    if (Topics.isShared(topicFilter)) {
      leave(session, topicFilter);
    } else {
      tree.remove(topicFilter, new SubscriberRef(session, topicFilter));
    }
    return true;
  }

  /**
   * Removes every subscription of a session that has ended, then hands the messages it held for
   * shared subscriptions, and may give up, to other members of their groups, connected or not
   * (MQTT 5 §4.8.2). Call before the session drops its messages ({@link Session#discard}). Any
   * thread.
   */
  public void unsubscribeAll(Session session) {
    boolean shared = false;
    for (String filter : session.subscriptions().keySet()) {
      shared |= Topics.isShared(filter);
      unsubscribe(session, filter);
    }
    if (shared) {
      session.execute(() -> session.handOffShared((filter, m, expiresAt) ->
          redeliver(filter, m, expiresAt, session, true)));
    }
  }

  /**
   * The connection of a session has closed and the session stays, offline: the messages it holds
   * for shared subscriptions, and may give up, go to connected members of their groups, where
   * there are some (MQTT 5 §4.8.2: the server "may attempt to send the message to another client
   * as soon as it loses its connection to the first client"); with no other member connected they
   * wait for this client's return. Nothing happens if the client is back by then. Any thread.
   */
  public void sessionOffline(Session session) {
    if (session.subscriptions().keySet().stream().noneMatch(Topics::isShared)) {
      return;
    }
    session.execute(() -> {
      if (session.claimedBy() != null || session.isDiscarded()) {
        return; // reconnected meanwhile, or ended (which hands off in unsubscribeAll)
      }
      session.handOffShared((filter, m, expiresAt) ->
          redeliver(filter, m, expiresAt, session, false));
    });
  }

  /** The number of non-shared (session, filter) subscriptions and shared groups. */
  public int size() {
    return tree.size();
  }

  /** The number of shared subscription groups with at least one member. */
  public int sharedGroups() {
    return groups.size();
  }

  /**
   * Whether any subscription or shared group matches {@code topic} now: lets a publisher that
   * builds its message only for subscribers (the {@code $SYS} client events) skip the work.
   */
  public boolean hasMatch(String topic) {
    boolean[] found = new boolean[1];
    tree.forEachMatch(topic, t -> found[0] = true);
    return found[0];
  }

  /**
   * Sends a message to every matching session, and to one member of every matching shared
   * subscription group.
   *
   * @param message the message as published, with its topic resolved and without properties
   *     that are only meaningful between the publisher and the broker (Topic Alias)
   * @param expiresAt the message's deadline, epoch ms on the broker's clock, or {@link
   *     dev.midge.broker.session.MessageExpiry#NEVER}: handed to each session with the message
   * @param publisherClientId the publisher, for the No Local option
   * @return the number of copies handed to sessions: 0 when nothing matched
   */
  public int route(Publish message, long expiresAt, String publisherClientId) {
    List<Target> matches = new ArrayList<>(4);
    tree.forEachMatch(message.topic(), matches::add);
    if (matches.isEmpty()) {
      return 0;
    }
    if (matches.size() == 1 && matches.get(0) instanceof SubscriberRef ref) {
      StoredSubscription s = ref.session().subscription(ref.filter());
      if (s == null || isLocal(s, ref.session(), publisherClientId)
          || !mayReceive(ref.session(), message.topic())) {
        return 0;
      }
      ref.session().deliver(shape(message, s), expiresAt);
      return 1;
    }
    int copies = 0;
    Map<Session, Merged> bySession = new IdentityHashMap<>();
    for (Target t : matches) {
      if (t instanceof SharedSubscriptionGroup group) {
        // MQTT 5 §4.8.2: No Local does not apply (it is refused on a shared subscription).
        if (deliverShared(group, message, expiresAt, null, true)) {
          copies++;
        }
        continue;
      }
      SubscriberRef ref = (SubscriberRef) t;
      StoredSubscription s = ref.session().subscription(ref.filter());
      if (s == null || isLocal(s, ref.session(), publisherClientId)
          || !mayReceive(ref.session(), message.topic())) {
        continue;
      }
      bySession.computeIfAbsent(ref.session(), k -> new Merged()).add(s);
    }
    bySession.forEach((session, m) ->
        session.deliver(shape(message, m.qos, m.retainAsPublished, m.identifiers()), expiresAt));
    return copies + bySession.size();
  }

  /** MQTT-3.8.3-3 (5.0): No Local keeps a client's own messages from it. */
  private static boolean isLocal(StoredSubscription s, Session session, String publisher) {
    return s.subscription().noLocal() && session.clientId().equals(publisher);
  }

  /**
   * Hands a message to one member of a group, shaped for that member; false if the group has
   * none to take it. A member picked as it leaves (its subscription already gone) is passed over.
   */
  private boolean deliverShared(SharedSubscriptionGroup group, Publish message, long expiresAt,
      @Nullable Session exclude, boolean allowOffline) {
    String filter = group.sharedFilter();
    for (int tries = group.size() + 1; tries > 0; tries--) {
      Session member = group.pick(exclude, allowOffline);
      if (member == null) {
        return false;
      }
      StoredSubscription s = member.subscription(filter);
      if (s != null && mayReceive(member, message.topic())) {
        member.deliver(shape(message, s), expiresAt, filter);
        return true;
      }
    }
    return false;
  }

  /** A message {@code from} held for a shared subscription, to another member of its group. */
  private boolean redeliver(String sharedFilter, Publish message, long expiresAt, Session from,
      boolean allowOffline) {
    SharedSubscriptionGroup group = groups.get(sharedFilter);
    return group != null && deliverShared(group, message, expiresAt, from, allowOffline);
  }

  private void join(Session session, SharedSubscription share) {
    groups.compute(share.sharedFilter(), (key, group) -> {
      SharedSubscriptionGroup g = group;
      if (g == null) {
        g = new SharedSubscriptionGroup(share, MemberSelector.of(strategy));
        tree.add(share.topicFilter(), g);
      }
      g.join(session);
      return g;
    });
  }

  private void leave(Session session, String sharedFilter) {
    groups.computeIfPresent(sharedFilter, (key, g) -> {
      g.leave(session);
      if (g.isEmpty()) {
        // MQTT 5 §4.8.2: a shared subscription ends with its last member.
        tree.remove(g.topicFilter(), g);
        return null;
      }
      return g;
    });
  }

  /**
   * A retained message as a new subscription gets it: RETAIN set (MQTT-3.3.1-6 in 3.1.1), QoS at
   * most the granted one (MQTT-3.8.4-6 in 3.1.1), and the subscription's identifier
   * (MQTT-3.3.4-3).
   */
  public static Publish retainedFor(Publish retained, StoredSubscription s) {
    return new Publish(retained.topic(), MqttQos.min(retained.qos(), s.qos()), true, false, 0,
        retained.payload(), withIdentifiers(retained.properties(), identifiers(s)));
  }

  /** The message as the subscriber of {@code s} gets it. */
  static Publish shape(Publish message, StoredSubscription s) {
    return shape(message, s.qos(), s.subscription().retainAsPublished(), identifiers(s));
  }

  /**
   * The message as one subscriber gets it: QoS downgraded to the granted QoS (MQTT-3.8.4-6 in
   * 3.1.1), RETAIN cleared unless Retain As Published (MQTT-3.3.1-9 in 3.1.1, 3.3.1-12 in 5.0),
   * DUP cleared, no packet identifier, and the subscription identifiers of the matches in place
   * of any it carried.
   */
  static Publish shape(Publish message, MqttQos granted, boolean retainAsPublished,
      List<Integer> subscriptionIds) {
    MqttQos qos = MqttQos.min(message.qos(), granted);
    boolean retain = retainAsPublished && message.retain();
    return new Publish(message.topic(), qos, retain, false, 0, message.payload(),
        withIdentifiers(message.properties(), subscriptionIds));
  }

  private static List<Integer> identifiers(StoredSubscription s) {
    return s.hasIdentifier() ? List.of(s.identifier()) : List.of();
  }

  private static Properties withIdentifiers(Properties properties, List<Integer> ids) {
    if (ids.isEmpty() && properties.subscriptionIdentifiers().isEmpty()) {
      return properties;
    }
    if (ids.equals(properties.subscriptionIdentifiers())) {
      return properties;
    }
    Properties.Builder b = properties.toBuilder().clearSubscriptionIdentifiers();
    ids.forEach(b::subscriptionIdentifier);
    return b.build();
  }

  private static final class Merged {
    MqttQos qos = MqttQos.AT_MOST_ONCE;
    boolean retainAsPublished;
    @Nullable List<Integer> ids;

    void add(StoredSubscription s) {
      if (s.qos().value() > qos.value()) {
        qos = s.qos();
      }
      retainAsPublished |= s.subscription().retainAsPublished();
      if (s.hasIdentifier()) {
        if (ids == null) {
          ids = new ArrayList<>(2);
        }
        ids.add(s.identifier());
      }
    }

    List<Integer> identifiers() {
      return ids == null ? List.of() : ids;
    }
  }
}
