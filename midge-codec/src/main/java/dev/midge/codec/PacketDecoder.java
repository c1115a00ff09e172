package dev.midge.codec;

import static dev.midge.codec.reason.ReasonCode.MALFORMED_PACKET;
import static dev.midge.codec.reason.ReasonCode.PROTOCOL_ERROR;

import dev.midge.codec.packet.Auth;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.MqttPacket;
import dev.midge.codec.packet.Pingreq;
import dev.midge.codec.packet.Pingresp;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Pubcomp;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Pubrec;
import dev.midge.codec.packet.Pubrel;
import dev.midge.codec.packet.RetainHandling;
import dev.midge.codec.packet.Suback;
import dev.midge.codec.packet.Subscribe;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.packet.Unsuback;
import dev.midge.codec.packet.Unsubscribe;
import dev.midge.codec.packet.Will;
import dev.midge.codec.property.Properties;
import dev.midge.codec.property.PropertyContext;
import dev.midge.codec.property.PropertyId;
import dev.midge.codec.property.UserProperty;
import dev.midge.codec.reason.AuthReasonCode;
import dev.midge.codec.reason.ConnackReasonCode;
import dev.midge.codec.reason.ConnectReturnCode;
import dev.midge.codec.reason.DisconnectReasonCode;
import dev.midge.codec.reason.PubackReasonCode;
import dev.midge.codec.reason.PubcompReasonCode;
import dev.midge.codec.reason.PubrecReasonCode;
import dev.midge.codec.reason.PubrelReasonCode;
import dev.midge.codec.reason.ReasonCode;
import dev.midge.codec.reason.SubackReasonCode;
import dev.midge.codec.reason.UnsubackReasonCode;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Decodes the body of one control packet whose fixed header has been read, strictly: every form
 * the specification calls malformed or a protocol error gives a {@link DecodeFailure} naming the
 * reason code and the statement broken, never an exception.
 *
 * <p>One instance serves one connection, because it holds the connection's protocol version: a
 * server's decoder learns it from the CONNECT, a client's is given it. It is not thread-safe;
 * {@link MqttDecoder} calls it on the channel's event loop.
 *
 * <p>The decoder checks the packet's own grammar; rules that need the session or the broker's
 * configuration (a Topic Alias above the maximum the server granted, a client identifier the
 * broker refuses, a topic filter's wildcard placement, which the server may answer with SUBACK
 * 0x8F) are left to the broker. Payloads and binary data are copied out of the buffer, so
 * nothing decoded holds a reference to it.
 */
public final class PacketDecoder {
  private final Role role;
  private @Nullable MqttVersion version;

  /**
   * @param role which end of the connection this decoder serves
   * @param version the protocol version, or null for a server that has not yet seen CONNECT
   */
  public PacketDecoder(Role role, @Nullable MqttVersion version) {
    this.role = role;
    this.version = version;
  }

  /** The connection's protocol version, null on a server before CONNECT. */
  public @Nullable MqttVersion version() {
    return version;
  }

  /**
   * Decodes one packet.
   *
   * @param firstByte the first byte of the fixed header: type and flags
   * @param body exactly the packet's remaining length of bytes; read from its reader index, and
   *     not released here
   * @return an {@link MqttPacket}, or a {@link DecodeFailure}
   */
  public Object decode(int firstByte, ByteBuf body) {
    MqttPacketType type = MqttPacketType.of(firstByte >>> 4);
    try {
      if (type == null) {
        throw fail(MALFORMED_PACKET, sid("MQTT-5.0 §2.1.2", "MQTT-3.1.1 §2.2.1"),
            "reserved packet type 0");
      }
      if (version == null) {
        if (type != MqttPacketType.CONNECT) {
          // MQTT-3.1.0-1: the first packet from the client must be CONNECT.
          throw fail(PROTOCOL_ERROR, "MQTT-3.1.0-1", "first packet must be CONNECT, was " + type);
        }
      } else if (type == MqttPacketType.AUTH && !version.isV5()) {
        throw fail(MALFORMED_PACKET, "MQTT-3.1.1 §2.2.1", "reserved packet type 15 before MQTT 5.0");
      }
      checkDirection(type);
      int flags = firstByte & 0x0F;
      if (type != MqttPacketType.PUBLISH && flags != type.requiredFlags()) {
        // MQTT-2.1.3-1 (5.0) / MQTT-2.2.2-1, MQTT-2.2.2-2 (3.1.1): reserved flag bits.
        throw fail(MALFORMED_PACKET, sid("MQTT-2.1.3-1", "MQTT-2.2.2-2"),
            String.format("flags of %s must be 0x%X, were 0x%X", type, type.requiredFlags(), flags));
      }
      MqttPacket packet =
          switch (type) {
            case CONNECT -> connect(body);
            case CONNACK -> connack(body);
            case PUBLISH -> publish(flags, body);
            case PUBACK -> puback(body);
            case PUBREC -> pubrec(body);
            case PUBREL -> pubrel(body);
            case PUBCOMP -> pubcomp(body);
            case SUBSCRIBE -> subscribe(body);
            case SUBACK -> suback(body);
            case UNSUBSCRIBE -> unsubscribe(body);
            case UNSUBACK -> unsuback(body);
            case PINGREQ -> empty(body, Pingreq.INSTANCE);
            case PINGRESP -> empty(body, Pingresp.INSTANCE);
            case DISCONNECT -> disconnect(body);
            case AUTH -> auth(body);
          };
      if (body.isReadable()) {
        throw fail(MALFORMED_PACKET, sid("MQTT-5.0 §2.1.4", "MQTT-3.1.1 §2.2.3"),
            body.readableBytes() + " bytes left over after the " + type + " ended");
      }
      if (packet instanceof Connect c && role == Role.SERVER) {
        version = c.version(); // fixes the version for the rest of the connection
      }
      return packet;
    } catch (Failure f) {
      return new DecodeFailure(f.reasonCode, f.statementId, f.getMessage(), type, f.version);
    }
  }

  private void checkDirection(MqttPacketType type) {
    boolean fromServerOnly =
        type == MqttPacketType.CONNACK
            || type == MqttPacketType.SUBACK
            || type == MqttPacketType.UNSUBACK
            || type == MqttPacketType.PINGRESP;
    boolean fromClientOnly =
        type == MqttPacketType.CONNECT
            || type == MqttPacketType.SUBSCRIBE
            || type == MqttPacketType.UNSUBSCRIBE
            || type == MqttPacketType.PINGREQ;
    if (role == Role.SERVER && fromServerOnly) {
      throw fail(PROTOCOL_ERROR, sid("MQTT-5.0 §2.1.2", "MQTT-3.1.1 §2.2.1"),
          type + " may only be sent by a server");
    }
    if (role == Role.CLIENT && fromClientOnly) {
      throw fail(PROTOCOL_ERROR, sid("MQTT-5.0 §2.1.2", "MQTT-3.1.1 §2.2.1"),
          type + " may only be sent by a client");
    }
    if (role == Role.SERVER && type == MqttPacketType.CONNECT && version != null) {
      // MQTT-3.1.0-2: a second CONNECT is a protocol violation.
      throw fail(PROTOCOL_ERROR, "MQTT-3.1.0-2", "second CONNECT on one connection");
    }
  }

  // ---- CONNECT / CONNACK ----

  private Connect connect(ByteBuf b) {
    String name = utf8(b, "protocol name");
    int level = u8(b, "protocol level");
    MqttVersion v = MqttVersion.ofLevel(level);
    if (!name.equals("MQTT") && !name.equals("MQIsdp")) {
      // MQTT-3.1.2-1: the server may answer a wrong protocol name with 0x84 / 0x01, then close.
      throw fail(ReasonCode.UNSUPPORTED_PROTOCOL_VERSION, "MQTT-3.1.2-1",
          "protocol name must be MQTT (or MQIsdp for 3.1), was '" + printable(name) + "'");
    }
    if (v == null || !v.protocolName().equals(name)) {
      // MQTT-3.1.2-2: an unsupported protocol level is answered with 0x84 / 0x01.
      throw fail(ReasonCode.UNSUPPORTED_PROTOCOL_VERSION, "MQTT-3.1.2-2",
          "protocol level " + level + " with name " + name + " is not MQTT 3.1, 3.1.1 or 5.0");
    }
    version = v; // for the statement ids of what follows; kept only if the CONNECT decodes
    try {
      return connectAfterLevel(b, v);
    } catch (Failure f) {
      version = null; // the failure keeps v, so that the answer is in the client's version
      throw f;
    }
  }

  private Connect connectAfterLevel(ByteBuf b, MqttVersion v) {
    int flags = u8(b, "connect flags");
    if ((flags & 0x01) != 0) {
      throw fail(MALFORMED_PACKET, "MQTT-3.1.2-3", "reserved connect flag must be 0");
    }
    boolean cleanStart = (flags & 0x02) != 0;
    boolean willFlag = (flags & 0x04) != 0;
    int willQos = (flags >>> 3) & 0x03;
    boolean willRetain = (flags & 0x20) != 0;
    boolean passwordFlag = (flags & 0x40) != 0;
    boolean usernameFlag = (flags & 0x80) != 0;
    if (!willFlag && willQos != 0) {
      throw fail(MALFORMED_PACKET, sid("MQTT-3.1.2-11", "MQTT-3.1.2-13"),
          "will QoS must be 0 without a will");
    }
    if (!willFlag && willRetain) {
      throw fail(MALFORMED_PACKET, sid("MQTT-3.1.2-13", "MQTT-3.1.2-15"),
          "will retain must be 0 without a will");
    }
    if (willQos == 3) {
      throw fail(MALFORMED_PACKET, sid("MQTT-3.1.2-12", "MQTT-3.1.2-14"), "will QoS 3");
    }
    if (!v.isV5() && passwordFlag && !usernameFlag) {
      throw fail(MALFORMED_PACKET, "MQTT-3.1.2-22", "password flag set without user name flag");
    }
    int keepAlive = u16(b, "keep alive");
    Properties properties = v.isV5() ? properties(b, PropertyContext.CONNECT) : Properties.EMPTY;
    if (properties.authenticationData() != null && properties.authenticationMethod() == null) {
      throw fail(PROTOCOL_ERROR, "MQTT-5.0 §3.1.2.11.10",
          "authentication data without authentication method");
    }
    String clientId = utf8(b, "client identifier");
    Will will = null;
    if (willFlag) {
      Properties willProperties =
          v.isV5() ? properties(b, PropertyContext.WILL) : Properties.EMPTY;
      String willTopic = utf8(b, "will topic");
      checkTopicName(willTopic, "will topic", false);
      byte[] willPayload = binary(b, "will payload");
      will = new Will(willTopic, willPayload, MqttQos.of(willQos), willRetain, willProperties);
    }
    String username = usernameFlag ? utf8(b, "user name") : null;
    byte[] password = passwordFlag ? binary(b, "password") : null;
    return new Connect(v, clientId, cleanStart, keepAlive, will, username, password, properties);
  }

  private Connack connack(ByteBuf b) {
    MqttVersion v = versionOrFail();
    int ackFlags = u8(b, "connect acknowledge flags");
    if ((ackFlags & 0xFE) != 0) {
      throw fail(MALFORMED_PACKET, sid("MQTT-3.2.2-1", "MQTT-3.1.1 §3.2.2.1"),
          "reserved connect acknowledge flags must be 0");
    }
    boolean sessionPresent = (ackFlags & 0x01) != 0;
    int code = u8(b, "connect reason code");
    ConnackReasonCode reason;
    if (v.isV5()) {
      reason = ConnackReasonCode.of(code);
      if (reason == null) {
        throw fail(MALFORMED_PACKET, "MQTT-5.0 §3.2.2.2", "CONNACK reason code " + hex(code));
      }
    } else {
      ConnectReturnCode rc = ConnectReturnCode.of(code);
      if (rc == null) {
        throw fail(MALFORMED_PACKET, "MQTT-3.1.1 §3.2.2.3", "CONNACK return code " + code);
      }
      reason = rc.toReasonCode();
    }
    if (sessionPresent && reason.isError()) {
      throw fail(PROTOCOL_ERROR, sid("MQTT-3.2.2-6", "MQTT-3.2.2-4"),
          "session present with a refused connection");
    }
    Properties properties = v.isV5() ? properties(b, PropertyContext.CONNACK) : Properties.EMPTY;
    return new Connack(sessionPresent, reason, properties);
  }

  // ---- PUBLISH and its acknowledgements ----

  private Publish publish(int flags, ByteBuf b) {
    MqttVersion v = versionOrFail();
    int qos = (flags >>> 1) & 0x03;
    if (qos == 3) {
      throw fail(MALFORMED_PACKET, "MQTT-3.3.1-4", "PUBLISH with QoS 3");
    }
    boolean dup = (flags & 0x08) != 0;
    if (dup && qos == 0) {
      throw fail(MALFORMED_PACKET, "MQTT-3.3.1-2", "DUP set on a QoS 0 PUBLISH");
    }
    boolean retain = (flags & 0x01) != 0;
    String topic = utf8(b, "topic name");
    int packetId = qos > 0 ? packetId(b) : 0;
    Properties properties = v.isV5() ? properties(b, PropertyContext.PUBLISH) : Properties.EMPTY;
    if (topic.isEmpty() && properties.topicAlias() == null) {
      throw fail(v.isV5() ? PROTOCOL_ERROR : MALFORMED_PACKET,
          sid("MQTT-5.0 §3.3.2.3.4", "MQTT-4.7.3-1"), "empty topic name without a topic alias");
    }
    checkTopicName(topic, "topic name", true);
    byte[] payload = new byte[b.readableBytes()];
    b.readBytes(payload);
    return new Publish(topic, MqttQos.of(qos), retain, dup, packetId, payload, properties);
  }

  private Puback puback(ByteBuf b) {
    int id = packetId(b);
    if (!hasReason(b)) {
      return new Puback(id);
    }
    PubackReasonCode code = reason(b, PubackReasonCode::of, "PUBACK");
    return new Puback(id, code, ackProperties(b, PropertyContext.PUBACK));
  }

  private Pubrec pubrec(ByteBuf b) {
    int id = packetId(b);
    if (!hasReason(b)) {
      return new Pubrec(id);
    }
    PubrecReasonCode code = reason(b, PubrecReasonCode::of, "PUBREC");
    return new Pubrec(id, code, ackProperties(b, PropertyContext.PUBREC));
  }

  private Pubrel pubrel(ByteBuf b) {
    int id = packetId(b);
    if (!hasReason(b)) {
      return new Pubrel(id);
    }
    PubrelReasonCode code = reason(b, PubrelReasonCode::of, "PUBREL");
    return new Pubrel(id, code, ackProperties(b, PropertyContext.PUBREL));
  }

  private Pubcomp pubcomp(ByteBuf b) {
    int id = packetId(b);
    if (!hasReason(b)) {
      return new Pubcomp(id);
    }
    PubcompReasonCode code = reason(b, PubcompReasonCode::of, "PUBCOMP");
    return new Pubcomp(id, code, ackProperties(b, PropertyContext.PUBCOMP));
  }

  /**
   * Whether an acknowledgement carries a reason code: in 5.0 a remaining length of 2 means
   * success without properties (section 3.4.2.1); in 3.x nothing follows the packet identifier,
   * and leftover bytes are reported by the caller as malformed.
   */
  private boolean hasReason(ByteBuf b) {
    return versionOrFail().isV5() && b.isReadable();
  }

  /** Properties of an acknowledgement: absent when the reason code ends the packet. */
  private Properties ackProperties(ByteBuf b, PropertyContext context) {
    return b.isReadable() ? properties(b, context) : Properties.EMPTY;
  }

  // ---- SUBSCRIBE / UNSUBSCRIBE and their acknowledgements ----

  private Subscribe subscribe(ByteBuf b) {
    MqttVersion v = versionOrFail();
    int id = packetId(b);
    Properties properties =
        v.isV5() ? properties(b, PropertyContext.SUBSCRIBE) : Properties.EMPTY;
    List<Subscription> subscriptions = new ArrayList<>(4);
    while (b.isReadable()) {
      String filter = utf8(b, "topic filter");
      int options = u8(b, "subscription options");
      int qos = options & 0x03;
      if (v.isV5()) {
        if ((options & 0xC0) != 0) {
          throw fail(MALFORMED_PACKET, "MQTT-3.8.3-5", "reserved subscription option bits set");
        }
        if (qos == 3) {
          throw fail(PROTOCOL_ERROR, "MQTT-5.0 §3.8.3.1", "maximum QoS 3 in subscription options");
        }
        boolean noLocal = (options & 0x04) != 0;
        boolean retainAsPublished = (options & 0x08) != 0;
        int retainHandling = (options >>> 4) & 0x03;
        if (retainHandling == 3) {
          throw fail(PROTOCOL_ERROR, "MQTT-5.0 §3.8.3.1", "retain handling 3");
        }
        if (noLocal && filter.startsWith("$share/")) {
          throw fail(PROTOCOL_ERROR, "MQTT-3.8.3-4", "no local on a shared subscription");
        }
        subscriptions.add(new Subscription(filter, MqttQos.of(qos), noLocal, retainAsPublished,
            RetainHandling.of(retainHandling)));
      } else {
        if ((options & 0xFC) != 0 || qos == 3) {
          throw fail(MALFORMED_PACKET, "MQTT-3.8.3-4",
              "requested QoS byte must be 0, 1 or 2, was " + options);
        }
        subscriptions.add(new Subscription(filter, MqttQos.of(qos)));
      }
    }
    if (subscriptions.isEmpty()) {
      throw fail(PROTOCOL_ERROR, sid("MQTT-3.8.3-2", "MQTT-3.8.3-3"),
          "SUBSCRIBE without a topic filter");
    }
    return new Subscribe(id, subscriptions, properties);
  }

  private Suback suback(ByteBuf b) {
    MqttVersion v = versionOrFail();
    int id = packetId(b);
    Properties properties = v.isV5() ? properties(b, PropertyContext.SUBACK) : Properties.EMPTY;
    List<SubackReasonCode> codes = new ArrayList<>(4);
    while (b.isReadable()) {
      int c = b.readUnsignedByte();
      SubackReasonCode code = SubackReasonCode.of(c);
      if (code == null || (!v.isV5() && c > 2 && c != 0x80)) {
        throw fail(MALFORMED_PACKET, sid("MQTT-5.0 §3.9.3", "MQTT-3.9.3-2"),
            "SUBACK reason code " + hex(c));
      }
      codes.add(code);
    }
    return new Suback(id, codes, properties);
  }

  private Unsubscribe unsubscribe(ByteBuf b) {
    MqttVersion v = versionOrFail();
    int id = packetId(b);
    Properties properties =
        v.isV5() ? properties(b, PropertyContext.UNSUBSCRIBE) : Properties.EMPTY;
    List<String> filters = new ArrayList<>(4);
    while (b.isReadable()) {
      filters.add(utf8(b, "topic filter"));
    }
    if (filters.isEmpty()) {
      throw fail(PROTOCOL_ERROR, "MQTT-3.10.3-2", "UNSUBSCRIBE without a topic filter");
    }
    return new Unsubscribe(id, filters, properties);
  }

  private Unsuback unsuback(ByteBuf b) {
    MqttVersion v = versionOrFail();
    int id = packetId(b);
    if (!v.isV5()) {
      return new Unsuback(id, List.of(), Properties.EMPTY);
    }
    Properties properties = properties(b, PropertyContext.UNSUBACK);
    List<UnsubackReasonCode> codes = new ArrayList<>(4);
    while (b.isReadable()) {
      int c = b.readUnsignedByte();
      UnsubackReasonCode code = UnsubackReasonCode.of(c);
      if (code == null) {
        throw fail(MALFORMED_PACKET, "MQTT-5.0 §3.11.3", "UNSUBACK reason code " + hex(c));
      }
      codes.add(code);
    }
    return new Unsuback(id, codes, properties);
  }

  // ---- PINGREQ, PINGRESP, DISCONNECT, AUTH ----

  private <P extends MqttPacket> P empty(ByteBuf b, P packet) {
    if (b.isReadable()) {
      // Cite each packet's own section: PINGREQ 3.12.1, PINGRESP 3.13.1, DISCONNECT 3.14.1 (3.x).
      String section = switch (packet.type()) {
        case PINGRESP -> "3.13.1";
        case DISCONNECT -> "3.14.1";
        default -> "3.12.1";
      };
      throw fail(MALFORMED_PACKET, sid("MQTT-5.0 §" + section, "MQTT-3.1.1 §" + section),
          packet.type() + " must have remaining length 0");
    }
    return packet;
  }

  private Disconnect disconnect(ByteBuf b) {
    MqttVersion v = versionOrFail();
    if (!v.isV5() || !b.isReadable()) {
      return empty(b, Disconnect.NORMAL);
    }
    DisconnectReasonCode code = reason(b, DisconnectReasonCode::of, "DISCONNECT");
    Properties properties = ackProperties(b, PropertyContext.DISCONNECT);
    if (role == Role.CLIENT && properties.sessionExpiryInterval() != null) {
      throw fail(PROTOCOL_ERROR, "MQTT-3.14.2-2", "session expiry interval in a server's DISCONNECT");
    }
    return new Disconnect(code, properties);
  }

  private Auth auth(ByteBuf b) {
    if (!b.isReadable()) {
      return new Auth(AuthReasonCode.SUCCESS, Properties.EMPTY);
    }
    AuthReasonCode code = reason(b, AuthReasonCode::of, "AUTH");
    return new Auth(code, ackProperties(b, PropertyContext.AUTH));
  }

  // ---- properties ----

  private Properties properties(ByteBuf b, PropertyContext context) {
    int length = vbi(b, "property length");
    if (length > b.readableBytes()) {
      throw fail(MALFORMED_PACKET, "MQTT-5.0 §2.2.2.1",
          "property length " + length + " exceeds the " + b.readableBytes() + " bytes left");
    }
    if (length == 0) {
      return Properties.EMPTY;
    }
    ByteBuf p = b.readSlice(length);
    Properties.Builder builder = Properties.builder();
    long seen = 0;
    while (p.isReadable()) {
      int idValue = vbi(p, "property identifier");
      PropertyId id = PropertyId.of(idValue);
      if (id == null) {
        throw fail(MALFORMED_PACKET, "MQTT-5.0 §2.2.2.2", "unknown property " + hex(idValue));
      }
      if (!id.allowedIn(context)) {
        throw fail(MALFORMED_PACKET, "MQTT-5.0 §2.2.2.2", id + " is not allowed in " + context);
      }
      long bit = 1L << id.ordinal();
      if ((seen & bit) != 0 && !id.repeatableIn(context)) {
        throw fail(PROTOCOL_ERROR, "MQTT-5.0 §2.2.2.2", id + " included more than once");
      }
      seen |= bit;
      builder.set(id, propertyValue(p, id, context));
    }
    return builder.build();
  }

  private Object propertyValue(ByteBuf p, PropertyId id, PropertyContext context) {
    String what = id.name();
    return switch (id.type()) {
      case BYTE -> {
        int v = u8(p, what);
        if (v > 1) {
          // Payload Format Indicator, the request flags and the availability flags are 0 or 1;
          // Maximum QoS is 0 or 1 (a server supporting QoS 2 leaves it out).
          throw fail(PROTOCOL_ERROR, "MQTT-5.0 §2.2.2.2", id + " must be 0 or 1, was " + v);
        }
        yield v;
      }
      case TWO_BYTE_INTEGER -> {
        int v = u16(p, what);
        if (v == 0 && id == PropertyId.RECEIVE_MAXIMUM) {
          throw fail(PROTOCOL_ERROR, "MQTT-5.0 §3.1.2.11.3", "receive maximum 0");
        }
        if (v == 0 && id == PropertyId.TOPIC_ALIAS) {
          // MQTT-3.3.2-8: alias 0 is not permitted; 0x94 (Topic Alias invalid) names the error.
          throw fail(ReasonCode.TOPIC_ALIAS_INVALID, "MQTT-3.3.2-8", "topic alias 0");
        }
        yield v;
      }
      case FOUR_BYTE_INTEGER -> {
        long v = u32(p, what);
        if (v == 0 && id == PropertyId.MAXIMUM_PACKET_SIZE) {
          throw fail(PROTOCOL_ERROR, "MQTT-5.0 §3.1.2.11.4", "maximum packet size 0");
        }
        yield v;
      }
      case VARIABLE_BYTE_INTEGER -> {
        int v = vbi(p, what);
        if (v == 0) {
          throw fail(PROTOCOL_ERROR, "MQTT-5.0 §3.8.2.1.2", "subscription identifier 0");
        }
        if (role == Role.SERVER && context == PropertyContext.PUBLISH) {
          throw fail(PROTOCOL_ERROR, "MQTT-3.3.4-6", "subscription identifier in a client's PUBLISH");
        }
        yield v;
      }
      case UTF8_STRING -> utf8(p, what);
      case BINARY_DATA -> binary(p, what);
      case UTF8_STRING_PAIR -> new UserProperty(utf8(p, "user property name"),
          utf8(p, "user property value"));
    };
  }

  // ---- primitive readers: each checks that its bytes are there ----

  private int u8(ByteBuf b, String what) {
    need(b, 1, what);
    return b.readUnsignedByte();
  }

  private int u16(ByteBuf b, String what) {
    need(b, 2, what);
    return b.readUnsignedShort();
  }

  private long u32(ByteBuf b, String what) {
    need(b, 4, what);
    return b.readUnsignedInt();
  }

  private int packetId(ByteBuf b) {
    int id = u16(b, "packet identifier");
    if (id == 0) {
      // MQTT-2.2.1-3 (5.0) / MQTT-2.3.1-1 (3.1.1): packet identifiers are non-zero.
      throw fail(versionOrFail().isV5() ? PROTOCOL_ERROR : MALFORMED_PACKET,
          sid("MQTT-2.2.1-3", "MQTT-2.3.1-1"), "packet identifier 0");
    }
    return id;
  }

  /** A Variable Byte Integer of at most four bytes, in its shortest form (MQTT-1.5.5-1). */
  private int vbi(ByteBuf b, String what) {
    int value = 0;
    for (int i = 0; i < 4; i++) {
      need(b, 1, what);
      int digit = b.readUnsignedByte();
      value |= (digit & 0x7F) << (7 * i);
      if ((digit & 0x80) == 0) {
        if (digit == 0 && i > 0) {
          throw fail(MALFORMED_PACKET, "MQTT-1.5.5-1", what + " is not in its shortest encoding");
        }
        return value;
      }
    }
    throw fail(MALFORMED_PACKET, "MQTT-5.0 §1.5.5", what + " is longer than four bytes");
  }

  /** A UTF-8 Encoded String: strict UTF-8 (MQTT-1.5.4-1), no U+0000 (MQTT-1.5.4-2). */
  private String utf8(ByteBuf b, String what) {
    int length = length(b, what);
    need(b, length, what);
    int index = b.readerIndex();
    int check = Utf8.check(b, index, length);
    if (check == Utf8.ILL_FORMED) {
      throw fail(MALFORMED_PACKET, sid("MQTT-1.5.4-1", "MQTT-1.5.3-1"), what + " is not valid UTF-8");
    }
    if (check == Utf8.HAS_NULL) {
      throw fail(MALFORMED_PACKET, sid("MQTT-1.5.4-2", "MQTT-1.5.3-2"), what + " contains U+0000");
    }
    String s = b.toString(index, length, StandardCharsets.UTF_8);
    b.skipBytes(length);
    return s;
  }

  private byte[] binary(ByteBuf b, String what) {
    int length = length(b, what);
    need(b, length, what);
    byte[] bytes = new byte[length];
    b.readBytes(bytes);
    return bytes;
  }

  /** The two-byte length in front of a string or binary data; the label is built only on failure. */
  private int length(ByteBuf b, String what) {
    if (b.readableBytes() < 2) {
      throw fail(MALFORMED_PACKET, sid("MQTT-5.0 §1.5", "MQTT-3.1.1 §1.5"),
          "packet ends inside the " + what + " length");
    }
    return b.readUnsignedShort();
  }

  private void need(ByteBuf b, int n, String what) {
    if (b.readableBytes() < n) {
      throw fail(MALFORMED_PACKET, sid("MQTT-5.0 §1.5", "MQTT-3.1.1 §1.5"),
          "packet ends inside the " + what);
    }
  }

  private <C> C reason(ByteBuf b, java.util.function.IntFunction<@Nullable C> lookup, String packet) {
    int value = u8(b, packet + " reason code");
    C code = lookup.apply(value);
    if (code == null) {
      throw fail(MALFORMED_PACKET, "MQTT-5.0 §2.4", packet + " may not carry reason code " + hex(value));
    }
    return code;
  }

  private void checkTopicName(String topic, String what, boolean inPublish) {
    for (int i = 0; i < topic.length(); i++) {
      char c = topic.charAt(i);
      if (c == '+' || c == '#') {
        // MQTT-3.3.2-2 / MQTT-4.7.0-1 (5.0), MQTT-4.7.1-1 (3.1.1): no wildcards in a topic name.
        throw fail(MALFORMED_PACKET,
            inPublish ? "MQTT-3.3.2-2" : sid("MQTT-4.7.0-1", "MQTT-4.7.1-1"),
            what + " contains wildcard '" + c + "'");
      }
    }
    if (!inPublish && topic.isEmpty()) {
      throw fail(MALFORMED_PACKET, "MQTT-4.7.3-1", what + " is empty");
    }
  }

  private MqttVersion versionOrFail() {
    MqttVersion v = version;
    if (v == null) {
      throw fail(PROTOCOL_ERROR, "MQTT-3.1.0-1", "no CONNECT yet");
    }
    return v;
  }

  /** The statement id for the connection's version: MQTT 5.0's or 3.1.1's (also 3.1's). */
  private String sid(String v5, String v311) {
    return version == MqttVersion.V5 ? v5 : v311;
  }

  private Failure fail(ReasonCode code, String statementId, String message) {
    return new Failure(code, statementId, message, version);
  }

  private static String hex(int value) {
    return String.format("0x%02X", value);
  }

  private static String printable(String s) {
    String cut = s.length() > 32 ? s.substring(0, 32) + "…" : s;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }

  /** Internal control flow for a decode failure; never leaves {@link #decode}. */
  private static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final ReasonCode reasonCode;
    final String statementId;
    final @Nullable MqttVersion version;

    Failure(ReasonCode reasonCode, String statementId, String message, @Nullable MqttVersion v) {
      super(message, null, false, false);
      this.reasonCode = reasonCode;
      this.statementId = statementId;
      this.version = v;
    }
  }
}
