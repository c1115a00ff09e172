package dev.midge.broker.routing;

import dev.midge.broker.session.Session;
import dev.midge.codec.MqttQos;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.property.Properties;
import dev.midge.codec.topic.TopicTree;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Routes application messages to the sessions whose subscriptions match their topic.
 *
 * <p>Subscriptions live in a {@link TopicTree} keyed by filter, whose reads take no lock: routing
 * a PUBLISH, on the publisher's event loop, costs in proportion to the topic's levels and the
 * matches. Each match hands a copy of the message, shaped for that subscriber, to the subscriber's
 * session, which sends it on its own event loop.
 *
 * <p>Overlapping subscriptions of one client get one copy, at the highest QoS among the matching
 * subscriptions (MQTT-3.3.5-1 in 3.1.1, allowed by MQTT-3.3.4-2 in 5.0), carrying every matching
 * subscription's identifier.
 *
 * <p>Thread-safe.
 */
public final class SubscriptionRouter {
  private final TopicTree<SubscriberRef> tree = new TopicTree<>();

  /** A session's subscription to one filter: the tree's value. Equal by session and filter. */
  private record SubscriberRef(Session session, String filter) {
    @Override
    public boolean equals(Object o) {
      return o instanceof SubscriberRef r && r.session == session && r.filter.equals(filter);
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(session) * 31 + filter.hashCode();
    }
  }

  /**
   * Subscribes {@code session}, replacing the options of an existing subscription to the same
   * filter without interrupting its flow of messages (MQTT-3.8.4-3).
   *
   * @return true if the subscription is new, false if it replaced one
   */
  public boolean subscribe(Session session, Subscription subscription) {
    Subscription previous = session.subscribe(subscription);
    if (previous == null) {
      SubscriberRef ref = new SubscriberRef(session, subscription.topicFilter());
      tree.add(subscription.topicFilter(), ref);
      if (session.isDiscarded()) {
        tree.remove(subscription.topicFilter(), ref); // ended meanwhile: do not leave it behind
      }
      return true;
    }
    return false;
  }

  /** Removes a subscription; returns whether it existed. */
  public boolean unsubscribe(Session session, String topicFilter) {
    if (session.unsubscribe(topicFilter) == null) {
      return false;
    }
    tree.remove(topicFilter, new SubscriberRef(session, topicFilter));
    return true;
  }

  /** Removes every subscription of a session that has ended. */
  public void unsubscribeAll(Session session) {
    for (String filter : session.subscriptions().keySet()) {
      unsubscribe(session, filter);
    }
  }

  /** The number of (session, filter) subscriptions. */
  public int size() {
    return tree.size();
  }

  /**
   * Sends a message to every matching session.
   *
   * @param message the message as published, with its topic resolved and without properties
   *     that are only meaningful between the publisher and the broker (Topic Alias)
   * @param expiresAt the message's deadline, epoch ms on the broker's clock, or {@link
   *     dev.midge.broker.session.MessageExpiry#NEVER}: handed to each session with the message
   * @param publisherClientId the publisher, for the No Local option
   * @return the number of sessions the message was handed to
   */
  public int route(Publish message, long expiresAt, String publisherClientId) {
    List<SubscriberRef> matches = new ArrayList<>(4);
    tree.forEachMatch(message.topic(), matches::add);
    if (matches.isEmpty()) {
      return 0;
    }
    if (matches.size() == 1) {
      SubscriberRef ref = matches.get(0);
      Subscription s = ref.session().subscription(ref.filter());
      if (s == null || (s.noLocal() && ref.session().clientId().equals(publisherClientId))) {
        return 0;
      }
      ref.session().deliver(shape(message, s.qos(), s.retainAsPublished(), List.of()), expiresAt);
      return 1;
    }
    Map<Session, Merged> bySession = new IdentityHashMap<>();
    for (SubscriberRef ref : matches) {
      Subscription s = ref.session().subscription(ref.filter());
      if (s == null || (s.noLocal() && ref.session().clientId().equals(publisherClientId))) {
        continue;
      }
      bySession.computeIfAbsent(ref.session(), k -> new Merged()).add(s);
    }
    bySession.forEach((session, m) ->
        session.deliver(shape(message, m.qos, m.retainAsPublished, List.of()), expiresAt));
    return bySession.size();
  }

  /**
   * The message as one subscriber gets it: QoS downgraded to the granted QoS (MQTT-3.8.4-6 in
   * 3.1.1), RETAIN cleared unless Retain As Published (MQTT-3.3.1-9 in 3.1.1, 3.3.1-12 in 5.0),
   * DUP cleared, and the subscription identifiers of the matches.
   */
  static Publish shape(Publish message, MqttQos granted, boolean retainAsPublished,
      List<Integer> subscriptionIds) {
    MqttQos qos = MqttQos.min(message.qos(), granted);
    boolean retain = retainAsPublished && message.retain();
    Properties properties = message.properties();
    if (!subscriptionIds.isEmpty()) {
      Properties.Builder b = properties.toBuilder().clearSubscriptionIdentifiers();
      subscriptionIds.forEach(b::subscriptionIdentifier);
      properties = b.build();
    }
    return new Publish(message.topic(), qos, retain, false, 0, message.payload(), properties);
  }

  private static final class Merged {
    MqttQos qos = MqttQos.AT_MOST_ONCE;
    boolean retainAsPublished;

    void add(Subscription s) {
      if (s.qos().value() > qos.value()) {
        qos = s.qos();
      }
      retainAsPublished |= s.retainAsPublished();
    }
  }
}
