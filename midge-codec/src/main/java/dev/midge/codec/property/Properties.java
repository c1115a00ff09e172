package dev.midge.codec.property;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The MQTT 5.0 properties of one packet (or of a will): immutable, with typed getters that return
 * null for an absent property, User Properties in the order they were written, and Subscription
 * Identifiers as a list (a PUBLISH may carry several).
 *
 * <p>Values are stored as on the wire: Byte, Two Byte and Variable Byte Integers as {@link
 * Integer}, Four Byte Integers as {@link Long} (they are unsigned), strings as {@link String} and
 * Binary Data as {@code byte[]}. The byte arrays are not copied: whoever hands one to the builder
 * gives it up, and callers must not change an array a getter returns.
 *
 * <p>Which properties a packet may carry is checked by the decoder (a misplaced property is a
 * malformed packet); the builder accepts any combination so that tests can build invalid packets.
 *
 * <pre>{@code
 * Properties props = Properties.builder()
 *     .sessionExpiryInterval(3600)
 *     .userProperty("region", "eu")
 *     .build();
 * }</pre>
 */
public final class Properties {
  private static final PropertyId[] IDS = PropertyId.values();

  /** No properties. MQTT 3.x packets always carry this. */
  public static final Properties EMPTY = new Properties(new Object[IDS.length], List.of(), List.of());

  private final @Nullable Object[] values;
  private final List<UserProperty> userProperties;
  private final List<Integer> subscriptionIdentifiers;
  /** Cached {@link #encodedLength()}; -1 until computed. A benign race: any thread gets the same. */
  private int encodedLength = -1;

  private Properties(
      @Nullable Object[] values,
      List<UserProperty> userProperties,
      List<Integer> subscriptionIdentifiers) {
    this.values = values;
    this.userProperties = userProperties;
    this.subscriptionIdentifiers = subscriptionIdentifiers;
  }

  /** A builder with no properties set. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these properties, to make a changed copy. */
  public Builder toBuilder() {
    Builder b = new Builder();
    System.arraycopy(values, 0, b.values, 0, values.length);
    b.userProperties = new ArrayList<>(userProperties);
    b.subscriptionIdentifiers = new ArrayList<>(subscriptionIdentifiers);
    return b;
  }

  /** Whether no property at all is present. */
  public boolean isEmpty() {
    if (!userProperties.isEmpty() || !subscriptionIdentifiers.isEmpty()) {
      return false;
    }
    for (Object v : values) {
      if (v != null) {
        return false;
      }
    }
    return true;
  }

  /**
   * The value of a single-valued property, or null when absent. For {@link
   * PropertyId#USER_PROPERTY} and {@link PropertyId#SUBSCRIPTION_IDENTIFIER} use their list getters.
   */
  public @Nullable Object get(PropertyId id) {
    return values[id.ordinal()];
  }

  /** Whether a property is present (for the two list-valued ones: at least once). */
  public boolean has(PropertyId id) {
    return switch (id) {
      case USER_PROPERTY -> !userProperties.isEmpty();
      case SUBSCRIPTION_IDENTIFIER -> !subscriptionIdentifiers.isEmpty();
      default -> values[id.ordinal()] != null;
    };
  }

  private @Nullable Integer integer(PropertyId id) {
    return (Integer) values[id.ordinal()];
  }

  private @Nullable Long unsigned(PropertyId id) {
    return (Long) values[id.ordinal()];
  }

  private @Nullable String string(PropertyId id) {
    return (String) values[id.ordinal()];
  }

  private byte @Nullable [] binary(PropertyId id) {
    return (byte[]) values[id.ordinal()];
  }

  public @Nullable Integer payloadFormatIndicator() {
    return integer(PropertyId.PAYLOAD_FORMAT_INDICATOR);
  }

  public @Nullable Long messageExpiryInterval() {
    return unsigned(PropertyId.MESSAGE_EXPIRY_INTERVAL);
  }

  public @Nullable String contentType() {
    return string(PropertyId.CONTENT_TYPE);
  }

  public @Nullable String responseTopic() {
    return string(PropertyId.RESPONSE_TOPIC);
  }

  public byte @Nullable [] correlationData() {
    return binary(PropertyId.CORRELATION_DATA);
  }

  /** Subscription Identifiers in order; empty when none. */
  public List<Integer> subscriptionIdentifiers() {
    return subscriptionIdentifiers;
  }

  public @Nullable Long sessionExpiryInterval() {
    return unsigned(PropertyId.SESSION_EXPIRY_INTERVAL);
  }

  public @Nullable String assignedClientIdentifier() {
    return string(PropertyId.ASSIGNED_CLIENT_IDENTIFIER);
  }

  public @Nullable Integer serverKeepAlive() {
    return integer(PropertyId.SERVER_KEEP_ALIVE);
  }

  public @Nullable String authenticationMethod() {
    return string(PropertyId.AUTHENTICATION_METHOD);
  }

  public byte @Nullable [] authenticationData() {
    return binary(PropertyId.AUTHENTICATION_DATA);
  }

  public @Nullable Integer requestProblemInformation() {
    return integer(PropertyId.REQUEST_PROBLEM_INFORMATION);
  }

  public @Nullable Long willDelayInterval() {
    return unsigned(PropertyId.WILL_DELAY_INTERVAL);
  }

  public @Nullable Integer requestResponseInformation() {
    return integer(PropertyId.REQUEST_RESPONSE_INFORMATION);
  }

  public @Nullable String responseInformation() {
    return string(PropertyId.RESPONSE_INFORMATION);
  }

  public @Nullable String serverReference() {
    return string(PropertyId.SERVER_REFERENCE);
  }

  public @Nullable String reasonString() {
    return string(PropertyId.REASON_STRING);
  }

  public @Nullable Integer receiveMaximum() {
    return integer(PropertyId.RECEIVE_MAXIMUM);
  }

  public @Nullable Integer topicAliasMaximum() {
    return integer(PropertyId.TOPIC_ALIAS_MAXIMUM);
  }

  public @Nullable Integer topicAlias() {
    return integer(PropertyId.TOPIC_ALIAS);
  }

  public @Nullable Integer maximumQos() {
    return integer(PropertyId.MAXIMUM_QOS);
  }

  public @Nullable Integer retainAvailable() {
    return integer(PropertyId.RETAIN_AVAILABLE);
  }

  /** User Properties in the order they were written; empty when none. */
  public List<UserProperty> userProperties() {
    return userProperties;
  }

  public @Nullable Long maximumPacketSize() {
    return unsigned(PropertyId.MAXIMUM_PACKET_SIZE);
  }

  public @Nullable Integer wildcardSubscriptionAvailable() {
    return integer(PropertyId.WILDCARD_SUBSCRIPTION_AVAILABLE);
  }

  public @Nullable Integer subscriptionIdentifierAvailable() {
    return integer(PropertyId.SUBSCRIPTION_IDENTIFIER_AVAILABLE);
  }

  public @Nullable Integer sharedSubscriptionAvailable() {
    return integer(PropertyId.SHARED_SUBSCRIPTION_AVAILABLE);
  }

  /**
   * The number of bytes these properties take on the wire, without the Property Length in front
   * of them. Computed once, so a message forwarded to many subscribers is measured once.
   */
  public int encodedLength() {
    int length = encodedLength;
    if (length < 0) {
      length = 0;
      for (int i = 0; i < values.length; i++) {
        Object v = values[i];
        if (v != null) {
          length += 1 + valueLength(IDS[i], v);
        }
      }
      for (int i = 0; i < subscriptionIdentifiers.size(); i++) {
        length += 1 + variableByteIntegerLength(subscriptionIdentifiers.get(i));
      }
      for (int i = 0; i < userProperties.size(); i++) {
        length += 1 + valueLength(PropertyId.USER_PROPERTY, userProperties.get(i));
      }
      encodedLength = length;
    }
    return length;
  }

  private static int valueLength(PropertyId id, Object v) {
    return switch (id.type()) {
      case BYTE -> 1;
      case TWO_BYTE_INTEGER -> 2;
      case FOUR_BYTE_INTEGER -> 4;
      case VARIABLE_BYTE_INTEGER -> variableByteIntegerLength((Integer) v);
      case UTF8_STRING -> 2 + ByteBufUtil.utf8Bytes((String) v);
      case BINARY_DATA -> 2 + ((byte[]) v).length;
      case UTF8_STRING_PAIR -> {
        UserProperty up = (UserProperty) v;
        yield 4 + ByteBufUtil.utf8Bytes(up.name()) + ByteBufUtil.utf8Bytes(up.value());
      }
    };
  }

  /**
   * Writes the properties, identifier and value each, without the Property Length in front:
   * exactly {@link #encodedLength()} bytes. Allocates nothing.
   */
  public void encode(ByteBuf out) {
    for (int i = 0; i < values.length; i++) {
      Object v = values[i];
      if (v != null) {
        writeProperty(out, IDS[i], v);
      }
    }
    for (int i = 0; i < subscriptionIdentifiers.size(); i++) {
      writeProperty(out, PropertyId.SUBSCRIPTION_IDENTIFIER, subscriptionIdentifiers.get(i));
    }
    for (int i = 0; i < userProperties.size(); i++) {
      writeProperty(out, PropertyId.USER_PROPERTY, userProperties.get(i));
    }
  }

  private static void writeProperty(ByteBuf out, PropertyId id, Object value) {
    out.writeByte(id.id());
    switch (id.type()) {
      case BYTE -> out.writeByte((Integer) value);
      case TWO_BYTE_INTEGER -> out.writeShort((Integer) value);
      case FOUR_BYTE_INTEGER -> out.writeInt((int) (long) (Long) value);
      case VARIABLE_BYTE_INTEGER -> writeVariableByteInteger(out, (Integer) value);
      case UTF8_STRING -> writeString(out, (String) value);
      case BINARY_DATA -> {
        byte[] b = (byte[]) value;
        out.writeShort(b.length);
        out.writeBytes(b);
      }
      case UTF8_STRING_PAIR -> {
        UserProperty up = (UserProperty) value;
        writeString(out, up.name());
        writeString(out, up.value());
      }
    }
  }

  private static void writeString(ByteBuf out, String s) {
    int n = ByteBufUtil.utf8Bytes(s);
    out.writeShort(n);
    // Reserve exactly n bytes: the plain writeUtf8 reserves three per char, beyond an exact buffer.
    ByteBufUtil.reserveAndWriteUtf8(out, s, n);
  }

  /** Writes a Variable Byte Integer in its shortest form (MQTT-1.5.5-1). */
  public static void writeVariableByteInteger(ByteBuf out, int value) {
    int v = value;
    do {
      int digit = v & 0x7F;
      v >>>= 7;
      out.writeByte(v > 0 ? digit | 0x80 : digit);
    } while (v > 0);
  }

  /** Bytes a Variable Byte Integer of this value takes: 1 to 4. */
  public static int variableByteIntegerLength(int value) {
    if (value < 128) {
      return 1;
    } else if (value < 16_384) {
      return 2;
    } else if (value < 2_097_152) {
      return 3;
    }
    return 4;
  }

  /**
   * Calls the visitor for each single-valued property present, in identifier order, then each
   * Subscription Identifier, then each User Property in order: the order the encoder writes.
   */
  public void forEach(Visitor visitor) {
    for (int i = 0; i < values.length; i++) {
      Object v = values[i];
      if (v != null) {
        visitor.property(IDS[i], v);
      }
    }
    for (Integer id : subscriptionIdentifiers) {
      visitor.property(PropertyId.SUBSCRIPTION_IDENTIFIER, id);
    }
    for (UserProperty up : userProperties) {
      visitor.property(PropertyId.USER_PROPERTY, up);
    }
  }

  /** Receives each property of a {@link Properties}, see {@link #forEach}. */
  @FunctionalInterface
  public interface Visitor {
    void property(PropertyId id, Object value);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Properties other)) {
      return false;
    }
    return Arrays.deepEquals(values, other.values)
        && userProperties.equals(other.userProperties)
        && subscriptionIdentifiers.equals(other.subscriptionIdentifiers);
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.deepHashCode(values), userProperties, subscriptionIdentifiers);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Properties{");
    forEach(
        (id, v) -> {
          if (sb.length() > "Properties{".length()) {
            sb.append(", ");
          }
          sb.append(id.name().toLowerCase(java.util.Locale.ROOT)).append('=');
          sb.append(v instanceof byte[] b ? b.length + " bytes" : String.valueOf(v));
        });
    return sb.append('}').toString();
  }

  /**
   * Builds {@link Properties}. Setters check the value's range for its data type (a Two Byte
   * Integer must fit in 16 bits, and so on) and throw {@link IllegalArgumentException} otherwise;
   * they do not check whether a packet may carry the property.
   */
  public static final class Builder {
    private @Nullable Object[] values = new Object[IDS.length];
    private List<UserProperty> userProperties = List.of();
    private List<Integer> subscriptionIdentifiers = List.of();
    /** Set by {@link #build()}, which hands its storage to the result: the next change copies. */
    private boolean built;

    private Builder() {}

    private void beforeChange() {
      if (built) {
        values = values.clone();
        userProperties = new ArrayList<>(userProperties);
        subscriptionIdentifiers = new ArrayList<>(subscriptionIdentifiers);
        built = false;
      }
    }

    private List<UserProperty> mutableUserProperties() {
      if (!(userProperties instanceof ArrayList)) {
        userProperties = new ArrayList<>(userProperties);
      }
      return userProperties;
    }

    private List<Integer> mutableSubscriptionIdentifiers() {
      if (!(subscriptionIdentifiers instanceof ArrayList)) {
        subscriptionIdentifiers = new ArrayList<>(subscriptionIdentifiers);
      }
      return subscriptionIdentifiers;
    }

    /**
     * Sets a property from a value of its storage type ({@link Integer}, {@link Long}, {@link
     * String}, {@code byte[]} or {@link UserProperty}); User Property and Subscription Identifier
     * are appended, every other property replaced. A null value removes a single-valued property.
     */
    public Builder set(PropertyId id, @Nullable Object value) {
      beforeChange();
      if (id == PropertyId.USER_PROPERTY) {
        mutableUserProperties().add(
            (UserProperty) Objects.requireNonNull(value, "user property"));
        return this;
      }
      if (id == PropertyId.SUBSCRIPTION_IDENTIFIER) {
        int v = (Integer) Objects.requireNonNull(value, "subscription identifier");
        checkRange(id, v, 1, 268_435_455);
        mutableSubscriptionIdentifiers().add(v);
        return this;
      }
      if (value != null) {
        switch (id.type()) {
          case BYTE -> checkRange(id, (Integer) value, 0, 0xFF);
          case TWO_BYTE_INTEGER -> checkRange(id, (Integer) value, 0, 0xFFFF);
          case FOUR_BYTE_INTEGER -> checkRange(id, (Long) value, 0, 0xFFFF_FFFFL);
          case VARIABLE_BYTE_INTEGER -> checkRange(id, (Integer) value, 0, 268_435_455);
          case UTF8_STRING -> Objects.requireNonNull((String) value);
          case BINARY_DATA -> checkRange(id, ((byte[]) value).length, 0, 0xFFFF);
          case UTF8_STRING_PAIR -> throw new AssertionError(id);
        }
      }
      values[id.ordinal()] = value;
      return this;
    }

    private static void checkRange(PropertyId id, long v, long min, long max) {
      if (v < min || v > max) {
        throw new IllegalArgumentException(
            id + " must be between " + min + " and " + max + ", was " + v);
      }
    }

    public Builder payloadFormatIndicator(int v) {
      return set(PropertyId.PAYLOAD_FORMAT_INDICATOR, v);
    }

    public Builder messageExpiryInterval(long seconds) {
      return set(PropertyId.MESSAGE_EXPIRY_INTERVAL, seconds);
    }

    public Builder contentType(String v) {
      return set(PropertyId.CONTENT_TYPE, v);
    }

    public Builder responseTopic(String v) {
      return set(PropertyId.RESPONSE_TOPIC, v);
    }

    public Builder correlationData(byte[] v) {
      return set(PropertyId.CORRELATION_DATA, v);
    }

    /** Appends a Subscription Identifier (1 to 268,435,455). */
    public Builder subscriptionIdentifier(int v) {
      return set(PropertyId.SUBSCRIPTION_IDENTIFIER, v);
    }

    public Builder sessionExpiryInterval(long seconds) {
      return set(PropertyId.SESSION_EXPIRY_INTERVAL, seconds);
    }

    public Builder assignedClientIdentifier(String v) {
      return set(PropertyId.ASSIGNED_CLIENT_IDENTIFIER, v);
    }

    public Builder serverKeepAlive(int seconds) {
      return set(PropertyId.SERVER_KEEP_ALIVE, seconds);
    }

    public Builder authenticationMethod(String v) {
      return set(PropertyId.AUTHENTICATION_METHOD, v);
    }

    public Builder authenticationData(byte[] v) {
      return set(PropertyId.AUTHENTICATION_DATA, v);
    }

    public Builder requestProblemInformation(int v) {
      return set(PropertyId.REQUEST_PROBLEM_INFORMATION, v);
    }

    public Builder willDelayInterval(long seconds) {
      return set(PropertyId.WILL_DELAY_INTERVAL, seconds);
    }

    public Builder requestResponseInformation(int v) {
      return set(PropertyId.REQUEST_RESPONSE_INFORMATION, v);
    }

    public Builder responseInformation(String v) {
      return set(PropertyId.RESPONSE_INFORMATION, v);
    }

    public Builder serverReference(String v) {
      return set(PropertyId.SERVER_REFERENCE, v);
    }

    public Builder reasonString(String v) {
      return set(PropertyId.REASON_STRING, v);
    }

    public Builder receiveMaximum(int v) {
      return set(PropertyId.RECEIVE_MAXIMUM, v);
    }

    public Builder topicAliasMaximum(int v) {
      return set(PropertyId.TOPIC_ALIAS_MAXIMUM, v);
    }

    public Builder topicAlias(int v) {
      return set(PropertyId.TOPIC_ALIAS, v);
    }

    public Builder maximumQos(int v) {
      return set(PropertyId.MAXIMUM_QOS, v);
    }

    public Builder retainAvailable(boolean v) {
      return set(PropertyId.RETAIN_AVAILABLE, v ? 1 : 0);
    }

    /** Appends a User Property; order is kept and names may repeat. */
    public Builder userProperty(String name, String value) {
      return set(PropertyId.USER_PROPERTY, new UserProperty(name, value));
    }

    public Builder maximumPacketSize(long bytes) {
      return set(PropertyId.MAXIMUM_PACKET_SIZE, bytes);
    }

    public Builder wildcardSubscriptionAvailable(boolean v) {
      return set(PropertyId.WILDCARD_SUBSCRIPTION_AVAILABLE, v ? 1 : 0);
    }

    public Builder subscriptionIdentifierAvailable(boolean v) {
      return set(PropertyId.SUBSCRIPTION_IDENTIFIER_AVAILABLE, v ? 1 : 0);
    }

    public Builder sharedSubscriptionAvailable(boolean v) {
      return set(PropertyId.SHARED_SUBSCRIPTION_AVAILABLE, v ? 1 : 0);
    }

    /** Removes every User Property. */
    public Builder clearUserProperties() {
      beforeChange();
      userProperties = List.of();
      return this;
    }

    /** Removes every Subscription Identifier. */
    public Builder clearSubscriptionIdentifiers() {
      beforeChange();
      subscriptionIdentifiers = List.of();
      return this;
    }

    public Properties build() {
      if (userProperties.isEmpty() && subscriptionIdentifiers.isEmpty()) {
        boolean empty = true;
        for (Object v : values) {
          empty &= v == null;
        }
        if (empty) {
          return EMPTY;
        }
      }
      built = true; // the result takes the storage; a later change copies it first
      return new Properties(
          values,
          userProperties.isEmpty() ? List.of() : Collections.unmodifiableList(userProperties),
          subscriptionIdentifiers.isEmpty()
              ? List.of()
              : Collections.unmodifiableList(subscriptionIdentifiers));
    }
  }
}
