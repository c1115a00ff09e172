package dev.midge.broker.config;

import java.util.Objects;

/**
 * What the broker offers MQTT clients, most of it told to MQTT 5 clients in CONNACK (MQTT 5
 * §3.2.2.3): the features available, the flow-control limits it imposes on clients, and the
 * optional MQTT 5 services (response information, payload validation, redirection).
 *
 * @param maximumQos the highest QoS accepted on PUBLISH and in a will, and granted on SUBSCRIBE, 0
 *     to 2; below 2, MQTT 5 clients are told in CONNACK (Maximum QoS), a PUBLISH above it is
 *     DISCONNECT 0x9B and a will above it CONNACK 0x9B (MQTT 3.x clients are disconnected)
 * @param retainAvailable whether retained messages are supported; when false MQTT 5 clients are
 *     told (Retain Available 0), a retained PUBLISH is DISCONNECT 0x9A and a retained will CONNACK
 *     0x9A (MQTT 3.x clients are disconnected)
 * @param wildcardSubscriptions whether filters with + or # are accepted; when false MQTT 5 clients
 *     are told (Wildcard Subscription Available 0) and such filters get SUBACK 0xA2 (3.x: 0x80)
 * @param subscriptionIdentifiers whether Subscription Identifiers are supported (DISCONNECT 0xA1
 *     for a SUBSCRIBE carrying one otherwise)
 * @param sharedSubscriptions whether {@code $share/group/filter} subscriptions are supported
 *     (SUBACK 0x9E otherwise)
 * @param sharedSubscriptionStrategy how a shared subscription's group picks the member that gets
 *     each message
 * @param topicAliasMaximum the Topic Alias Maximum told to MQTT 5 clients in CONNACK, 0 to 65535
 *     (0: clients may not use topic aliases)
 * @param receiveMaximum the Receive Maximum told to MQTT 5 clients in CONNACK, 1 to 65535: QoS 1
 *     and 2 PUBLISH packets a client may have unacknowledged; one more is DISCONNECT 0x93
 * @param payloadFormatValidation whether a PUBLISH with Payload Format Indicator 1 has its payload
 *     checked to be UTF-8 (PUBACK / PUBREC 0x99, or DISCONNECT 0x99 at QoS 0, when it is not), and
 *     a will in CONNECT likewise (CONNACK 0x99)
 * @param responseInformationPrefix the prefix of the Response Information given to an MQTT 5
 *     client that asks for it (Request Response Information 1): the prefix followed by the client
 *     identifier; empty: no Response Information is given
 * @param serverReference another server for MQTT 5 clients to use, sent in Server Reference with
 *     DISCONNECT 0x9C (or 0x9D when {@code serverMoved}) when the broker shuts down; empty: none,
 *     and the DISCONNECT says 0x8B (server shutting down)
 * @param serverMoved whether {@code serverReference} is permanent (0x9D Server moved) rather than
 *     temporary (0x9C Use another server)
 */
public record MqttConfig(
    int maximumQos,
    boolean retainAvailable,
    boolean wildcardSubscriptions,
    boolean subscriptionIdentifiers,
    boolean sharedSubscriptions,
    SharedSubscriptionStrategy sharedSubscriptionStrategy,
    int topicAliasMaximum,
    int receiveMaximum,
    boolean payloadFormatValidation,
    String responseInformationPrefix,
    String serverReference,
    boolean serverMoved) {

  /** How a shared subscription group picks the member that gets a message. */
  public enum SharedSubscriptionStrategy {
    /** Each member in turn. */
    ROUND_ROBIN,
    /** A member picked at random for each message. */
    RANDOM,
    /** The same member while it stays connected, so messages keep their order. */
    STICKY
  }

  /** Everything available, QoS 2, Topic Alias Maximum 10, Receive Maximum 1024. */
  public static final MqttConfig DEFAULTS = new MqttConfig(2, true, true, true, true,
      SharedSubscriptionStrategy.ROUND_ROBIN, 10, 1024, false, "", "", false);

  public MqttConfig {
    Objects.requireNonNull(sharedSubscriptionStrategy, "sharedSubscriptionStrategy");
    Objects.requireNonNull(responseInformationPrefix, "responseInformationPrefix");
    Objects.requireNonNull(serverReference, "serverReference");
    if (maximumQos < 0 || maximumQos > 2) {
      throw new IllegalArgumentException("maximum QoS must be 0, 1 or 2");
    }
    if (topicAliasMaximum < 0 || topicAliasMaximum > 65535) {
      throw new IllegalArgumentException("topic alias maximum must be 0 to 65535");
    }
    if (receiveMaximum < 1 || receiveMaximum > 65535) {
      throw new IllegalArgumentException("receive maximum must be 1 to 65535");
    }
  }

  public MqttConfig withMaximumQos(int newMaximumQos) {
    return new MqttConfig(newMaximumQos, retainAvailable, wildcardSubscriptions,
        subscriptionIdentifiers, sharedSubscriptions, sharedSubscriptionStrategy, topicAliasMaximum,
        receiveMaximum, payloadFormatValidation, responseInformationPrefix, serverReference,
        serverMoved);
  }

  public MqttConfig withRetainAvailable(boolean newRetainAvailable) {
    return new MqttConfig(maximumQos, newRetainAvailable, wildcardSubscriptions,
        subscriptionIdentifiers, sharedSubscriptions, sharedSubscriptionStrategy, topicAliasMaximum,
        receiveMaximum, payloadFormatValidation, responseInformationPrefix, serverReference,
        serverMoved);
  }

  public MqttConfig withWildcardSubscriptions(boolean newWildcardSubscriptions) {
    return new MqttConfig(maximumQos, retainAvailable, newWildcardSubscriptions,
        subscriptionIdentifiers, sharedSubscriptions, sharedSubscriptionStrategy, topicAliasMaximum,
        receiveMaximum, payloadFormatValidation, responseInformationPrefix, serverReference,
        serverMoved);
  }

  public MqttConfig withTopicAliasMaximum(int newTopicAliasMaximum) {
    return new MqttConfig(maximumQos, retainAvailable, wildcardSubscriptions,
        subscriptionIdentifiers, sharedSubscriptions, sharedSubscriptionStrategy,
        newTopicAliasMaximum, receiveMaximum, payloadFormatValidation, responseInformationPrefix,
        serverReference, serverMoved);
  }

  public MqttConfig withReceiveMaximum(int newReceiveMaximum) {
    return new MqttConfig(maximumQos, retainAvailable, wildcardSubscriptions,
        subscriptionIdentifiers, sharedSubscriptions, sharedSubscriptionStrategy, topicAliasMaximum,
        newReceiveMaximum, payloadFormatValidation, responseInformationPrefix, serverReference,
        serverMoved);
  }

  /** Another server for clients to use when this one shuts down, temporary or moved for good. */
  public MqttConfig withServerReference(String newServerReference, boolean moved) {
    return new MqttConfig(maximumQos, retainAvailable, wildcardSubscriptions,
        subscriptionIdentifiers, sharedSubscriptions, sharedSubscriptionStrategy, topicAliasMaximum,
        receiveMaximum, payloadFormatValidation, responseInformationPrefix, newServerReference,
        moved);
  }

  public MqttConfig withSubscriptionIdentifiers(boolean available) {
    return new MqttConfig(maximumQos, retainAvailable, wildcardSubscriptions, available,
        sharedSubscriptions, sharedSubscriptionStrategy, topicAliasMaximum, receiveMaximum,
        payloadFormatValidation, responseInformationPrefix, serverReference, serverMoved);
  }

  public MqttConfig withSharedSubscriptions(boolean available) {
    return new MqttConfig(maximumQos, retainAvailable, wildcardSubscriptions,
        subscriptionIdentifiers, available, sharedSubscriptionStrategy, topicAliasMaximum,
        receiveMaximum, payloadFormatValidation, responseInformationPrefix, serverReference,
        serverMoved);
  }

  public MqttConfig withSharedSubscriptionStrategy(SharedSubscriptionStrategy strategy) {
    return new MqttConfig(maximumQos, retainAvailable, wildcardSubscriptions,
        subscriptionIdentifiers, sharedSubscriptions, strategy, topicAliasMaximum, receiveMaximum,
        payloadFormatValidation, responseInformationPrefix, serverReference, serverMoved);
  }

  /** This configuration with {@code payloadFormatValidation} changed. */
  public MqttConfig withPayloadFormatValidation(boolean validate) {
    return new MqttConfig(maximumQos, retainAvailable, wildcardSubscriptions,
        subscriptionIdentifiers, sharedSubscriptions, sharedSubscriptionStrategy, topicAliasMaximum,
        receiveMaximum, validate, responseInformationPrefix, serverReference, serverMoved);
  }

  /** This configuration with {@code responseInformationPrefix} changed. */
  public MqttConfig withResponseInformationPrefix(String prefix) {
    return new MqttConfig(maximumQos, retainAvailable, wildcardSubscriptions,
        subscriptionIdentifiers, sharedSubscriptions, sharedSubscriptionStrategy, topicAliasMaximum,
        receiveMaximum, payloadFormatValidation, prefix, serverReference, serverMoved);
  }
}
