package dev.midge.broker.session;

import dev.midge.codec.MqttQos;
import dev.midge.codec.packet.Subscription;
import java.util.Objects;

/**
 * A subscription as a session keeps it: the topic filter and options from SUBSCRIBE, and the
 * Subscription Identifier that SUBSCRIBE carried (MQTT 5 §3.8.2.1.2: "if there is a Subscription
 * Identifier, it is stored with the subscription; if this property is not specified, then the
 * absence of a Subscription Identifier is stored with the subscription"). Both are session state:
 * a durable store keeps them together, and a SUBSCRIBE to the same filter replaces both.
 *
 * <pre>{@code
 * new StoredSubscription(new Subscription("a/#", MqttQos.AT_LEAST_ONCE), 42);   // id 42
 * new StoredSubscription(new Subscription("$share/g/a/#", MqttQos.AT_LEAST_ONCE),
 *     StoredSubscription.NO_IDENTIFIER);                                     // no id
 * }</pre>
 *
 * @param subscription the filter exactly as the client sent it ({@code $share/{group}/{filter}}
 *     for a shared subscription) and its options
 * @param identifier the Subscription Identifier, 1 to {@value #MAX_IDENTIFIER}, or {@link
 *     #NO_IDENTIFIER} (0, which the protocol does not allow as an identifier) when there is none,
 *     as always for MQTT 3.x clients
 */
public record StoredSubscription(Subscription subscription, int identifier) {
  /** The identifier of a subscription that has none. */
  public static final int NO_IDENTIFIER = 0;

  /** The largest Subscription Identifier: a Variable Byte Integer of four bytes. */
  public static final int MAX_IDENTIFIER = 268_435_455;

  public StoredSubscription {
    Objects.requireNonNull(subscription, "subscription");
    if (identifier < 0 || identifier > MAX_IDENTIFIER) {
      throw new IllegalArgumentException(
          "subscription identifier must be 1 to " + MAX_IDENTIFIER + ", or 0 for none: "
              + identifier);
    }
  }

  /** A subscription without a Subscription Identifier. */
  public StoredSubscription(Subscription subscription) {
    this(subscription, NO_IDENTIFIER);
  }

  /** The filter as the client sent it: the key of the subscription in its session. */
  public String topicFilter() {
    return subscription.topicFilter();
  }

  /** The QoS granted. */
  public MqttQos qos() {
    return subscription.qos();
  }

  public boolean hasIdentifier() {
    return identifier != NO_IDENTIFIER;
  }
}
