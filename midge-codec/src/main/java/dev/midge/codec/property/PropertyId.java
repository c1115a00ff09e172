package dev.midge.codec.property;

import static dev.midge.codec.property.PropertyContext.AUTH;
import static dev.midge.codec.property.PropertyContext.CONNACK;
import static dev.midge.codec.property.PropertyContext.CONNECT;
import static dev.midge.codec.property.PropertyContext.DISCONNECT;
import static dev.midge.codec.property.PropertyContext.PUBACK;
import static dev.midge.codec.property.PropertyContext.PUBCOMP;
import static dev.midge.codec.property.PropertyContext.PUBLISH;
import static dev.midge.codec.property.PropertyContext.PUBREC;
import static dev.midge.codec.property.PropertyContext.PUBREL;
import static dev.midge.codec.property.PropertyContext.SUBACK;
import static dev.midge.codec.property.PropertyContext.SUBSCRIBE;
import static dev.midge.codec.property.PropertyContext.UNSUBACK;
import static dev.midge.codec.property.PropertyContext.UNSUBSCRIBE;
import static dev.midge.codec.property.PropertyContext.WILL;

import java.util.EnumSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The properties of MQTT 5.0, with their identifier, data type and the packets that may carry them
 * (the table of section 2.2.2.2).
 *
 * <p>A property in a packet not listed here for it is a malformed packet; any property but User
 * Property (and Subscription Identifier in a PUBLISH) appearing twice is a protocol error.
 */
public enum PropertyId {
  PAYLOAD_FORMAT_INDICATOR(0x01, PropertyType.BYTE, PUBLISH, WILL),
  MESSAGE_EXPIRY_INTERVAL(0x02, PropertyType.FOUR_BYTE_INTEGER, PUBLISH, WILL),
  CONTENT_TYPE(0x03, PropertyType.UTF8_STRING, PUBLISH, WILL),
  RESPONSE_TOPIC(0x08, PropertyType.UTF8_STRING, PUBLISH, WILL),
  CORRELATION_DATA(0x09, PropertyType.BINARY_DATA, PUBLISH, WILL),
  SUBSCRIPTION_IDENTIFIER(0x0B, PropertyType.VARIABLE_BYTE_INTEGER, PUBLISH, SUBSCRIBE),
  SESSION_EXPIRY_INTERVAL(0x11, PropertyType.FOUR_BYTE_INTEGER, CONNECT, CONNACK, DISCONNECT),
  ASSIGNED_CLIENT_IDENTIFIER(0x12, PropertyType.UTF8_STRING, CONNACK),
  SERVER_KEEP_ALIVE(0x13, PropertyType.TWO_BYTE_INTEGER, CONNACK),
  AUTHENTICATION_METHOD(0x15, PropertyType.UTF8_STRING, CONNECT, CONNACK, AUTH),
  AUTHENTICATION_DATA(0x16, PropertyType.BINARY_DATA, CONNECT, CONNACK, AUTH),
  REQUEST_PROBLEM_INFORMATION(0x17, PropertyType.BYTE, CONNECT),
  WILL_DELAY_INTERVAL(0x18, PropertyType.FOUR_BYTE_INTEGER, WILL),
  REQUEST_RESPONSE_INFORMATION(0x19, PropertyType.BYTE, CONNECT),
  RESPONSE_INFORMATION(0x1A, PropertyType.UTF8_STRING, CONNACK),
  SERVER_REFERENCE(0x1C, PropertyType.UTF8_STRING, CONNACK, DISCONNECT),
  REASON_STRING(
      0x1F,
      PropertyType.UTF8_STRING,
      CONNACK,
      PUBACK,
      PUBREC,
      PUBREL,
      PUBCOMP,
      SUBACK,
      UNSUBACK,
      DISCONNECT,
      AUTH),
  RECEIVE_MAXIMUM(0x21, PropertyType.TWO_BYTE_INTEGER, CONNECT, CONNACK),
  TOPIC_ALIAS_MAXIMUM(0x22, PropertyType.TWO_BYTE_INTEGER, CONNECT, CONNACK),
  TOPIC_ALIAS(0x23, PropertyType.TWO_BYTE_INTEGER, PUBLISH),
  MAXIMUM_QOS(0x24, PropertyType.BYTE, CONNACK),
  RETAIN_AVAILABLE(0x25, PropertyType.BYTE, CONNACK),
  USER_PROPERTY(0x26, PropertyType.UTF8_STRING_PAIR, PropertyContext.values()),
  MAXIMUM_PACKET_SIZE(0x27, PropertyType.FOUR_BYTE_INTEGER, CONNECT, CONNACK),
  WILDCARD_SUBSCRIPTION_AVAILABLE(0x28, PropertyType.BYTE, CONNACK),
  SUBSCRIPTION_IDENTIFIER_AVAILABLE(0x29, PropertyType.BYTE, CONNACK),
  SHARED_SUBSCRIPTION_AVAILABLE(0x2A, PropertyType.BYTE, CONNACK);

  private static final @Nullable PropertyId[] BY_ID = new PropertyId[128];

  static {
    for (PropertyId id : values()) {
      BY_ID[id.id] = id;
    }
  }

  private final int id;
  private final PropertyType type;
  private final Set<PropertyContext> contexts;

  PropertyId(int id, PropertyType type, PropertyContext... contexts) {
    this.id = id;
    this.type = type;
    EnumSet<PropertyContext> set = EnumSet.noneOf(PropertyContext.class);
    for (PropertyContext c : contexts) {
      set.add(c);
    }
    this.contexts = set;
  }

  /** The identifier byte on the wire. */
  public int id() {
    return id;
  }

  /** The property's data type. */
  public PropertyType type() {
    return type;
  }

  /** Whether a property list in this context may carry this property. */
  public boolean allowedIn(PropertyContext context) {
    return contexts.contains(context);
  }

  /**
   * Whether this property may appear more than once in one property list: User Property always,
   * Subscription Identifier only in a PUBLISH (MQTT 5.0 section 3.3.2.3.8).
   */
  public boolean repeatableIn(PropertyContext context) {
    return this == USER_PROPERTY || (this == SUBSCRIPTION_IDENTIFIER && context == PUBLISH);
  }

  /** The property with this identifier, or null for an identifier MQTT 5.0 does not define. */
  public static @Nullable PropertyId of(int id) {
    return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
  }
}
