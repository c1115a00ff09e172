package dev.midge.codec;

import dev.midge.codec.packet.Auth;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.MqttPacket;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Pubcomp;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Pubrec;
import dev.midge.codec.packet.Pubrel;
import dev.midge.codec.packet.Suback;
import dev.midge.codec.packet.Subscribe;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.packet.Unsuback;
import dev.midge.codec.packet.Unsubscribe;
import dev.midge.codec.packet.Will;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.ConnectReturnCode;
import dev.midge.codec.reason.DisconnectReasonCode;
import dev.midge.codec.reason.PacketReasonCode;
import dev.midge.codec.reason.SubackReasonCode;
import dev.midge.codec.reason.UnsubackReasonCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.EncoderException;

/**
 * Writes packets size-first: {@link #encodedSize} computes a packet's exact length, and {@link
 * #encode(ByteBufAllocator, MqttPacket, MqttVersion)} writes it into a buffer of exactly that
 * capacity, so no buffer is ever resized or over-allocated.
 *
 * <p>For MQTT 3.x the encoder leaves out what the version cannot carry: properties, and reason
 * codes other than those 3.x has (a failed SUBACK entry becomes 0x80, a CONNACK reason code its
 * nearest return code). Stateless and thread-safe.
 *
 * <p>Misuse: strings longer than 65,535 UTF-8 bytes, or a packet over the 256 MiB MQTT allows,
 * throw {@link EncoderException}; so does AUTH for a 3.x peer.
 */
public final class PacketEncoder {
  private PacketEncoder() {}

  /** The whole packet's length in bytes, fixed header included. */
  public static int encodedSize(MqttPacket packet, MqttVersion version) {
    int remaining = remainingLength(packet, version);
    return 1 + Properties.variableByteIntegerLength(remaining) + remaining;
  }

  /** Allocates a buffer of exactly the packet's size and writes the packet into it. */
  public static ByteBuf encode(ByteBufAllocator alloc, MqttPacket packet, MqttVersion version) {
    int remaining = remainingLength(packet, version);
    int size = 1 + Properties.variableByteIntegerLength(remaining) + remaining;
    ByteBuf out = alloc.buffer(size, size);
    try {
      writeFixedHeader(out, packet, remaining);
      writeBody(out, packet, version, true);
      assert out.writerIndex() == size : packet + " wrote " + out.writerIndex() + " of " + size;
      return out;
    } catch (RuntimeException e) {
      out.release();
      throw e;
    }
  }

  /**
   * Writes everything of a PUBLISH but its payload into a buffer of exactly that size; the caller
   * sends the payload after it (wrapped, not copied), so that one message going to many
   * subscribers shares its payload bytes.
   */
  public static ByteBuf encodePublishHeader(ByteBufAllocator alloc, Publish publish,
      MqttVersion version) {
    int remaining = remainingLength(publish, version);
    int size = 1 + Properties.variableByteIntegerLength(remaining) + remaining
        - publish.payload().length;
    ByteBuf out = alloc.buffer(size, size);
    try {
      writeFixedHeader(out, publish, remaining);
      writeBody(out, publish, version, false);
      return out;
    } catch (RuntimeException e) {
      out.release();
      throw e;
    }
  }

  /** Writes the whole packet into {@code out}, which grows if it must. */
  public static void encode(MqttPacket packet, MqttVersion version, ByteBuf out) {
    int remaining = remainingLength(packet, version);
    writeFixedHeader(out, packet, remaining);
    writeBody(out, packet, version, true);
  }

  // ---- sizes ----

  private static int remainingLength(MqttPacket packet, MqttVersion v) {
    long length = switch (packet.type()) {
      case CONNECT -> connectLength((Connect) packet);
      case CONNACK -> 2 + propertiesLength(((Connack) packet).properties(), v);
      case PUBLISH -> publishLength((Publish) packet, v);
      case PUBACK -> ackLength(((Puback) packet).reasonCode(), ((Puback) packet).properties(), v);
      case PUBREC -> ackLength(((Pubrec) packet).reasonCode(), ((Pubrec) packet).properties(), v);
      case PUBREL -> ackLength(((Pubrel) packet).reasonCode(), ((Pubrel) packet).properties(), v);
      case PUBCOMP ->
          ackLength(((Pubcomp) packet).reasonCode(), ((Pubcomp) packet).properties(), v);
      case SUBSCRIBE -> {
        Subscribe s = (Subscribe) packet;
        long n = 2 + propertiesLength(s.properties(), v);
        for (Subscription sub : s.subscriptions()) {
          n += stringLength(sub.topicFilter()) + 1;
        }
        yield n;
      }
      case SUBACK -> {
        Suback s = (Suback) packet;
        yield 2 + propertiesLength(s.properties(), v) + s.reasonCodes().size();
      }
      case UNSUBSCRIBE -> {
        Unsubscribe u = (Unsubscribe) packet;
        long n = 2 + propertiesLength(u.properties(), v);
        for (String filter : u.topicFilters()) {
          n += stringLength(filter);
        }
        yield n;
      }
      case UNSUBACK -> {
        Unsuback u = (Unsuback) packet;
        yield v.isV5() ? 2 + propertiesLength(u.properties(), v) + u.reasonCodes().size() : 2;
      }
      case PINGREQ, PINGRESP -> 0;
      case DISCONNECT -> {
        Disconnect d = (Disconnect) packet;
        yield v.isV5()
            ? shortFormLength(d.reasonCode() == DisconnectReasonCode.NORMAL_DISCONNECTION,
                d.properties())
            : 0;
      }
      case AUTH -> {
        if (!v.isV5()) {
          throw new EncoderException("AUTH exists only in MQTT 5.0");
        }
        Auth a = (Auth) packet;
        yield shortFormLength(a.reasonCode().value() == 0, a.properties());
      }
    };
    if (length > MqttDecoder.MAX_REMAINING_LENGTH) {
      throw new EncoderException(packet.type() + " of " + length + " bytes is larger than MQTT allows");
    }
    return (int) length;
  }

  private static long publishLength(Publish p, MqttVersion v) {
    return stringLength(p.topic()) + (p.qos().value() > 0 ? 2 : 0)
          + propertiesLength(p.properties(), v) + (long) p.payload().length;
  }

  private static long connectLength(Connect c) {
    MqttVersion v = c.version();
    long n = stringLength(v.protocolName()) + 1 + 1 + 2 + propertiesLength(c.properties(), v)
        + stringLength(c.clientId());
    Will will = c.will();
    if (will != null) {
      n += propertiesLength(will.properties(), v) + stringLength(will.topic())
          + binaryLength(will.payload());
    }
    if (c.username() != null) {
      n += stringLength(c.username());
    }
    byte[] password = c.password();
    if (password != null) {
      n += binaryLength(password);
    }
    return n;
  }

  private static int ackLength(PacketReasonCode code, Properties properties, MqttVersion v) {
    if (!v.isV5()) {
      return 2;
    }
    return 2 + shortFormLength(code.value() == 0, properties);
  }

  /**
   * DISCONNECT, AUTH and the acknowledgements leave out the reason code when it is success and
   * there are no properties, and the property length when there are no properties.
   */
  private static int shortFormLength(boolean success, Properties properties) {
    if (properties.isEmpty()) {
      return success ? 0 : 1;
    }
    int p = properties.encodedLength();
    return 1 + Properties.variableByteIntegerLength(p) + p;
  }

  private static int propertiesLength(Properties properties, MqttVersion v) {
    if (!v.isV5()) {
      return 0;
    }
    int p = properties.encodedLength();
    return Properties.variableByteIntegerLength(p) + p;
  }

  private static int stringLength(String s) {
    int n = ByteBufUtil.utf8Bytes(s);
    if (n > 0xFFFF) {
      throw new EncoderException("string of " + n + " UTF-8 bytes is longer than 65535");
    }
    return 2 + n;
  }

  private static int binaryLength(byte[] b) {
    if (b.length > 0xFFFF) {
      throw new EncoderException("binary data of " + b.length + " bytes is longer than 65535");
    }
    return 2 + b.length;
  }

  // ---- writing ----

  private static void writeFixedHeader(ByteBuf out, MqttPacket packet, int remaining) {
    int flags;
    if (packet instanceof Publish p) {
      flags = (p.dup() ? 0x08 : 0) | (p.qos().value() << 1) | (p.retain() ? 0x01 : 0);
    } else {
      flags = packet.type().requiredFlags();
    }
    out.writeByte(packet.type().value() << 4 | flags);
    writeVariableByteInteger(out, remaining);
  }

  private static void writeBody(ByteBuf out, MqttPacket packet, MqttVersion v, boolean payload) {
    switch (packet.type()) {
      case CONNECT -> writeConnect(out, (Connect) packet);
      case CONNACK -> {
        Connack c = (Connack) packet;
        out.writeByte(c.sessionPresent() ? 1 : 0);
        out.writeByte(v.isV5() ? c.reasonCode().value()
            : ConnectReturnCode.fromReasonCode(c.reasonCode()).value());
        writeProperties(out, c.properties(), v);
      }
      case PUBLISH -> {
        Publish p = (Publish) packet;
        writeString(out, p.topic());
        if (p.qos().value() > 0) {
          out.writeShort(p.packetId());
        }
        writeProperties(out, p.properties(), v);
        if (payload) {
          out.writeBytes(p.payload());
        }
      }
      case PUBACK -> {
        Puback a = (Puback) packet;
        writeAck(out, a.packetId(), a.reasonCode(), a.properties(), v);
      }
      case PUBREC -> {
        Pubrec a = (Pubrec) packet;
        writeAck(out, a.packetId(), a.reasonCode(), a.properties(), v);
      }
      case PUBREL -> {
        Pubrel a = (Pubrel) packet;
        writeAck(out, a.packetId(), a.reasonCode(), a.properties(), v);
      }
      case PUBCOMP -> {
        Pubcomp a = (Pubcomp) packet;
        writeAck(out, a.packetId(), a.reasonCode(), a.properties(), v);
      }
      case SUBSCRIBE -> {
        Subscribe s = (Subscribe) packet;
        out.writeShort(s.packetId());
        writeProperties(out, s.properties(), v);
        for (Subscription sub : s.subscriptions()) {
          writeString(out, sub.topicFilter());
          int options = sub.qos().value();
          if (v.isV5()) {
            options |= (sub.noLocal() ? 0x04 : 0) | (sub.retainAsPublished() ? 0x08 : 0)
                | sub.retainHandling().value() << 4;
          }
          out.writeByte(options);
        }
      }
      case SUBACK -> {
        Suback s = (Suback) packet;
        out.writeShort(s.packetId());
        writeProperties(out, s.properties(), v);
        for (SubackReasonCode code : s.reasonCodes()) {
          out.writeByte(v.isV5() || !code.isError() ? code.value() : 0x80);
        }
      }
      case UNSUBSCRIBE -> {
        Unsubscribe u = (Unsubscribe) packet;
        out.writeShort(u.packetId());
        writeProperties(out, u.properties(), v);
        for (String filter : u.topicFilters()) {
          writeString(out, filter);
        }
      }
      case UNSUBACK -> {
        Unsuback u = (Unsuback) packet;
        out.writeShort(u.packetId());
        if (v.isV5()) {
          writeProperties(out, u.properties(), v);
          for (UnsubackReasonCode code : u.reasonCodes()) {
            out.writeByte(code.value());
          }
        }
      }
      case PINGREQ, PINGRESP -> { }
      case DISCONNECT -> {
        Disconnect d = (Disconnect) packet;
        if (v.isV5()) {
          writeShortForm(out, d.reasonCode(), d.properties());
        }
      }
      case AUTH -> {
        Auth a = (Auth) packet;
        writeShortForm(out, a.reasonCode(), a.properties());
      }
    }
  }

  private static void writeConnect(ByteBuf out, Connect c) {
    MqttVersion v = c.version();
    writeString(out, v.protocolName());
    out.writeByte(v.level());
    Will will = c.will();
    int flags = (c.cleanStart() ? 0x02 : 0)
        | (will != null ? 0x04 | will.qos().value() << 3 | (will.retain() ? 0x20 : 0) : 0)
        | (c.password() != null ? 0x40 : 0)
        | (c.username() != null ? 0x80 : 0);
    out.writeByte(flags);
    out.writeShort(c.keepAlive());
    writeProperties(out, c.properties(), v);
    writeString(out, c.clientId());
    if (will != null) {
      writeProperties(out, will.properties(), v);
      writeString(out, will.topic());
      writeBinary(out, will.payload());
    }
    String username = c.username();
    if (username != null) {
      writeString(out, username);
    }
    byte[] password = c.password();
    if (password != null) {
      writeBinary(out, password);
    }
  }

  private static void writeAck(ByteBuf out, int packetId, PacketReasonCode code,
      Properties properties, MqttVersion v) {
    out.writeShort(packetId);
    if (v.isV5()) {
      writeShortForm(out, code, properties);
    }
  }

  private static void writeShortForm(ByteBuf out, PacketReasonCode code, Properties properties) {
    if (properties.isEmpty()) {
      if (code.value() != 0) {
        out.writeByte(code.value());
      }
      return;
    }
    out.writeByte(code.value());
    writePropertiesV5(out, properties);
  }

  private static void writeProperties(ByteBuf out, Properties properties, MqttVersion v) {
    if (v.isV5()) {
      writePropertiesV5(out, properties);
    }
  }

  private static void writePropertiesV5(ByteBuf out, Properties properties) {
    writeVariableByteInteger(out, properties.encodedLength());
    properties.encode(out);
  }

  private static void writeString(ByteBuf out, String s) {
    int n = ByteBufUtil.utf8Bytes(s);
    out.writeShort(n);
    // Reserve exactly n bytes: the plain writeUtf8 reserves three per char, beyond an exact buffer.
    ByteBufUtil.reserveAndWriteUtf8(out, s, n);
  }

  private static void writeBinary(ByteBuf out, byte[] b) {
    out.writeShort(b.length);
    out.writeBytes(b);
  }

  /** Writes a Variable Byte Integer in its shortest form (MQTT-1.5.5-1). */
  static void writeVariableByteInteger(ByteBuf out, int value) {
    Properties.writeVariableByteInteger(out, value);
  }
}
