package dev.midge.codec;

import static dev.midge.codec.PacketAssertions.assertSamePacket;
import static dev.midge.codec.PacketAssertions.decodeFrame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.midge.codec.PacketGenerators.Generated;
import dev.midge.codec.PacketGenerators.Profile;
import dev.midge.codec.RoundTripTest.Combination;
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
import dev.midge.codec.property.PropertyId;
import dev.midge.codec.property.PropertyType;
import dev.midge.codec.property.UserProperty;
import dev.midge.codec.reason.ConnectReturnCode;
import dev.midge.codec.reason.PacketReasonCode;
import dev.midge.codec.reason.SubackReasonCode;
import dev.midge.codec.reason.UnsubackReasonCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnAckVariableHeader;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectPayload;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttProperty;
import io.netty.handler.codec.mqtt.MqttProperties.StringPair;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttSubscribePayload;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import io.netty.handler.codec.mqtt.MqttUnsubAckPayload;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.handler.codec.mqtt.MqttUnsubscribePayload;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestReporter;

/**
 * Differential test against Netty's {@code netty-codec-mqtt} as an oracle, over generated valid
 * packets of every type and version (Netty speaks 3.1, 3.1.1 and 5.0, AUTH included): (a) what
 * Midge encodes, Netty decodes to the same fields, compared one by one; (b) what Netty encodes,
 * Midge decodes to the packet Netty was given. For 3.x, where the encoding is fully determined,
 * both must also write the same bytes.
 *
 * <p>Netty is an oracle only where the specification leaves it no choice. Where it is narrower,
 * the generator is narrowed ({@link #NETTY}) with the reason beside it, rather than the check
 * weakened. The 5.0 encodings may legitimately differ in bytes: Netty writes properties in its
 * hash map's order and a property length of 0 after a non-success reason code, which Midge leaves
 * out; so for 5.0 only decoded fields are compared.
 *
 * <p>Netty's decoder learns the version from a CONNECT and keeps it in a channel attribute; for
 * every other packet the test sets that attribute (by its name, as {@code MqttCodecUtil} is
 * package-private). Values come from one seed, {@link PacketGenerators#seed()}; failures carry it.
 */
class NettyOracleDifferentialTest {
  /** Generated packets per (type, version) in each direction. */
  private static final int CASES = 300;
  private static final int MAX_PACKET_SIZE = 1 << 24;
  private static final long SEED = PacketGenerators.seed();
  private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

  /** Netty's {@code MqttCodecUtil.MQTT_VERSION_KEY}: the version of the channel's connection. */
  private static final AttributeKey<io.netty.handler.codec.mqtt.MqttVersion> NETTY_VERSION =
      AttributeKey.valueOf("NETTY_CODEC_MQTT_VERSION");

  /** Where Netty is narrower than the specification, the packets both must agree on. */
  private static final Profile NETTY = new Profile(
      // Netty reads a will topic with decodeString(buffer, 0, 32767) and yields null beyond.
      32_767,
      // Netty enforces MQTT 3.1's 1-to-23-character client id on encode and decode (not Midge).
      true);

  @TestFactory
  Stream<DynamicTest> packet_whenEncodedByMidge_thenNettyDecodesTheSameFields(
      TestReporter reporter) {
    reporter.publishEntry(PacketGenerators.SEED_PROPERTY, Long.toString(SEED));
    return RoundTripTest.combinations().map(c -> dynamicTest(c.name() + " × " + CASES, () -> {
      PacketGenerators gen =
          new PacketGenerators(PacketGenerators.derive(SEED, "midge to netty " + c), NETTY);
      for (int i = 0; i < CASES; i++) {
        Generated g = gen.next(c.type(), c.version());
        check("Midge → Netty", c, i, g, () -> midgeToNetty(g));
      }
    }));
  }

  @TestFactory
  Stream<DynamicTest> packet_whenEncodedByNetty_thenMidgeDecodesTheSamePacket(
      TestReporter reporter) {
    reporter.publishEntry(PacketGenerators.SEED_PROPERTY, Long.toString(SEED));
    return RoundTripTest.combinations().map(c -> dynamicTest(c.name() + " × " + CASES, () -> {
      PacketGenerators gen =
          new PacketGenerators(PacketGenerators.derive(SEED, "netty to midge " + c), NETTY);
      for (int i = 0; i < CASES; i++) {
        Generated g = gen.next(c.type(), c.version());
        check("Netty → Midge", c, i, g, () -> nettyToMidge(g));
      }
    }));
  }

  // ---- (a) Midge encodes, Netty decodes ----

  private static void midgeToNetty(Generated g) {
    MqttPacket p = g.packet();
    MqttVersion v = g.version();
    byte[] bytes = encodeWithMidge(p, v);
    EmbeddedChannel channel = new EmbeddedChannel(
        new io.netty.handler.codec.mqtt.MqttDecoder(MAX_PACKET_SIZE, 0xFFFF));
    channel.config().setAllocator(RoundTripTest.UNTRACKED);
    if (!(p instanceof Connect)) {
      channel.attr(NETTY_VERSION).set(netty(v));
    }
    MqttMessage m = null;
    try {
      channel.writeInbound(RoundTripTest.untracked(bytes));
      m = channel.readInbound();
      assertNotNull(m, "Netty decoded nothing");
      MqttMessage decoded = m;
      assertTrue(decoded.decoderResult().isSuccess(),
          () -> "Netty refused the packet: " + decoded.decoderResult().cause());
      assertNull(channel.readInbound(), "Netty decoded more than one message");
      if (p instanceof Connect) { // also proves NETTY_VERSION is the key Netty's decoder uses
        assertEquals(netty(v), channel.attr(NETTY_VERSION).get(), "version Netty learnt");
      }
      compareFixedHeader(p, bytes, m.fixedHeader());
      compareBody(p, v, m);
    } finally {
      ReferenceCountUtil.release(m); // a PUBLISH holds its payload
      channel.finishAndReleaseAll();
    }
  }

  private static void compareFixedHeader(MqttPacket p, byte[] bytes, MqttFixedHeader h) {
    assertEquals(p.type().value(), h.messageType().value(), "packet type");
    assertEquals(remainingLength(bytes), h.remainingLength(), "remaining length");
    if (p instanceof Publish pub) {
      assertEquals(pub.dup(), h.isDup(), "DUP flag");
      assertEquals(pub.qos().value(), h.qosLevel().value(), "QoS flags");
      assertEquals(pub.retain(), h.isRetain(), "RETAIN flag");
    } else {
      assertEquals(p.type().requiredFlags(),
          (h.isDup() ? 8 : 0) | h.qosLevel().value() << 1 | (h.isRetain() ? 1 : 0),
          "reserved flags");
    }
  }

  /** The remaining length in a whole packet's fixed header. */
  private static int remainingLength(byte[] bytes) {
    int value = 0;
    int i = 1;
    int digit;
    do {
      digit = bytes[i] & 0xFF;
      value |= (digit & 0x7F) << (7 * (i - 1));
      i++;
    } while ((digit & 0x80) != 0);
    return value;
  }

  private static void compareBody(MqttPacket p, MqttVersion v, MqttMessage m) {
    if (p instanceof Connect c) {
      MqttConnectMessage cm = assertInstanceOf(MqttConnectMessage.class, m);
      MqttConnectVariableHeader h = cm.variableHeader();
      MqttConnectPayload payload = cm.payload();
      Will will = c.will();
      assertEquals(v.protocolName(), h.name(), "protocol name");
      assertEquals(v.level(), h.version(), "protocol level");
      assertEquals(c.cleanStart(), h.isCleanSession(), "clean start");
      assertEquals(c.keepAlive(), h.keepAliveTimeSeconds(), "keep alive");
      assertEquals(c.username() != null, h.hasUserName(), "user name flag");
      assertEquals(c.password() != null, h.hasPassword(), "password flag");
      assertEquals(will != null, h.isWillFlag(), "will flag");
      assertEquals(will == null ? 0 : will.qos().value(), h.willQos(), "will QoS");
      assertEquals(will != null && will.retain(), h.isWillRetain(), "will retain");
      compareProperties("properties", c.properties(), h.properties());
      assertEquals(c.clientId(), payload.clientIdentifier(), "client identifier");
      assertEquals(will == null ? null : will.topic(), payload.willTopic(), "will topic");
      assertArrayEquals(will == null ? null : will.payload(), payload.willMessageInBytes(),
          "will payload");
      compareProperties("will properties", will == null ? Properties.EMPTY : will.properties(),
          payload.willProperties());
      assertEquals(c.username(), payload.userName(), "user name");
      assertArrayEquals(c.password(), payload.passwordInBytes(), "password");
    } else if (p instanceof Connack c) {
      MqttConnAckVariableHeader h = assertInstanceOf(MqttConnAckMessage.class, m).variableHeader();
      assertEquals(c.sessionPresent(), h.isSessionPresent(), "session present");
      int code = v.isV5()
          ? c.reasonCode().value()
          : ConnectReturnCode.fromReasonCode(c.reasonCode()).value();
      assertEquals(code, h.connectReturnCode().byteValue() & 0xFF, "reason code");
      compareProperties("properties", c.properties(), h.properties());
    } else if (p instanceof Publish pub) {
      MqttPublishMessage pm = assertInstanceOf(MqttPublishMessage.class, m);
      MqttPublishVariableHeader h = pm.variableHeader();
      assertEquals(pub.topic(), h.topicName(), "topic name");
      // Netty reports a QoS 0 PUBLISH's absent packet identifier as -1.
      assertEquals(pub.qos() == MqttQos.AT_MOST_ONCE ? -1 : pub.packetId(), h.packetId(),
          "packet identifier");
      assertArrayEquals(pub.payload(), ByteBufUtil.getBytes(pm.payload()), "payload");
      compareProperties("properties", pub.properties(), h.properties());
    } else if (p instanceof Puback a) {
      compareAck(a.packetId(), a.reasonCode(), a.properties(), m);
    } else if (p instanceof Pubrec a) {
      compareAck(a.packetId(), a.reasonCode(), a.properties(), m);
    } else if (p instanceof Pubrel a) {
      compareAck(a.packetId(), a.reasonCode(), a.properties(), m);
    } else if (p instanceof Pubcomp a) {
      compareAck(a.packetId(), a.reasonCode(), a.properties(), m);
    } else if (p instanceof Subscribe s) {
      MqttSubscribeMessage sm = assertInstanceOf(MqttSubscribeMessage.class, m);
      compareIdAndProperties(s.packetId(), s.properties(), sm.idAndPropertiesVariableHeader());
      List<MqttTopicSubscription> got = sm.payload().topicSubscriptions();
      assertEquals(s.subscriptions().size(), got.size(), "number of subscriptions");
      for (int i = 0; i < got.size(); i++) {
        Subscription e = s.subscriptions().get(i);
        MqttTopicSubscription a = got.get(i);
        String at = "subscription " + i + " ";
        assertEquals(e.topicFilter(), a.topicFilter(), at + "topic filter");
        assertEquals(e.qos().value(), a.option().qos().value(), at + "maximum QoS");
        assertEquals(e.noLocal(), a.option().isNoLocal(), at + "no local");
        assertEquals(e.retainAsPublished(), a.option().isRetainAsPublished(),
            at + "retain as published");
        assertEquals(e.retainHandling().value(), a.option().retainHandling().value(),
            at + "retain handling");
      }
    } else if (p instanceof Suback s) {
      MqttSubAckMessage sm = assertInstanceOf(MqttSubAckMessage.class, m);
      compareIdAndProperties(s.packetId(), s.properties(), sm.idAndPropertiesVariableHeader());
      assertEquals(s.reasonCodes().stream().map(SubackReasonCode::value).toList(),
          sm.payload().reasonCodes(), "reason codes");
    } else if (p instanceof Unsubscribe u) {
      MqttUnsubscribeMessage um = assertInstanceOf(MqttUnsubscribeMessage.class, m);
      compareIdAndProperties(u.packetId(), u.properties(), um.idAndPropertiesVariableHeader());
      assertEquals(u.topicFilters(), um.payload().topics(), "topic filters");
    } else if (p instanceof Unsuback u) {
      MqttUnsubAckMessage um = assertInstanceOf(MqttUnsubAckMessage.class, m);
      compareIdAndProperties(u.packetId(), u.properties(), um.idAndPropertiesVariableHeader());
      List<Integer> got = um.payload() == null ? List.of()
          : um.payload().unsubscribeReasonCodes().stream().map(Short::intValue).toList();
      assertEquals(u.reasonCodes().stream().map(UnsubackReasonCode::value).toList(), got,
          "reason codes");
    } else if (p instanceof Disconnect d) {
      compareReasonAndProperties(d.reasonCode(), d.properties(), m);
    } else if (p instanceof Auth a) {
      compareReasonAndProperties(a.reasonCode(), a.properties(), m);
    } else {
      assertNull(m.variableHeader(), "variable header of " + p.type());
      assertNull(m.payload(), "payload of " + p.type());
    }
  }

  private static void compareAck(int packetId, PacketReasonCode code, Properties properties,
      MqttMessage m) {
    MqttPubReplyMessageVariableHeader h =
        assertInstanceOf(MqttPubReplyMessageVariableHeader.class, m.variableHeader());
    assertEquals(packetId, h.messageId(), "packet identifier");
    assertEquals(code.value(), h.reasonCode() & 0xFF, "reason code");
    compareProperties("properties", properties, h.properties());
  }

  private static void compareIdAndProperties(int packetId, Properties properties,
      MqttMessageIdAndPropertiesVariableHeader h) {
    assertEquals(packetId, h.messageId(), "packet identifier");
    compareProperties("properties", properties, h.properties());
  }

  private static void compareReasonAndProperties(PacketReasonCode code, Properties properties,
      MqttMessage m) {
    MqttReasonCodeAndPropertiesVariableHeader h =
        assertInstanceOf(MqttReasonCodeAndPropertiesVariableHeader.class, m.variableHeader());
    assertEquals(code.value(), h.reasonCode() & 0xFF, "reason code");
    compareProperties("properties", properties, h.properties());
  }

  /** Every property MQTT 5.0 defines, present or absent, with its value. */
  private static void compareProperties(String where, Properties expected,
      MqttProperties actual) {
    for (PropertyId id : PropertyId.values()) {
      String field = where + ", " + id;
      if (id == PropertyId.USER_PROPERTY) {
        List<List<String>> got = new ArrayList<>();
        for (MqttProperty<?> up : actual.getProperties(id.id())) {
          StringPair pair = (StringPair) up.value();
          got.add(List.of(pair.key, pair.value));
        }
        List<List<String>> want = expected.userProperties().stream()
            .map(up -> List.of(up.name(), up.value())).toList();
        assertEquals(want, got, field + " (names and values, in order)");
      } else if (id == PropertyId.SUBSCRIPTION_IDENTIFIER) {
        List<Object> got = new ArrayList<>();
        for (MqttProperty<?> si : actual.getProperties(id.id())) {
          got.add(si.value());
        }
        assertEquals(expected.subscriptionIdentifiers(), got, field + " (in order)");
      } else {
        Object want = expected.get(id);
        MqttProperty<?> property = actual.getProperty(id.id());
        Object got = property == null ? null : property.value();
        if (got != null && id.type() == PropertyType.FOUR_BYTE_INTEGER) {
          got = Integer.toUnsignedLong((Integer) got); // Netty holds them in a signed int
        }
        if (want instanceof byte[] bytes) {
          assertArrayEquals(bytes, got instanceof byte[] b ? b : null, field);
        } else {
          assertEquals(want, got, field);
        }
      }
    }
  }

  // ---- (b) Netty encodes, Midge decodes ----

  private static void nettyToMidge(Generated g) {
    MqttPacket p = g.packet();
    MqttVersion v = g.version();
    EmbeddedChannel channel =
        new EmbeddedChannel(io.netty.handler.codec.mqtt.MqttEncoder.INSTANCE);
    if (!(p instanceof Connect)) { // Netty's encoder learns the version from the CONNECT too
      channel.attr(NETTY_VERSION).set(netty(v));
    }
    ByteBuf out = null;
    try {
      assertTrue(channel.writeOutbound(toNetty(p, v)), "Netty encoded nothing");
      out = channel.readOutbound();
      assertNull(channel.readOutbound(), "Netty wrote more than one buffer");
      byte[] bytes = ByteBufUtil.getBytes(out);
      ByteBuf in = RoundTripTest.untracked(bytes);
      try {
        PacketDecoder decoder =
            new PacketDecoder(g.decoderRole(), p instanceof Connect ? null : v);
        assertSamePacket(p, decodeFrame(decoder, in),
            () -> "Midge decoding Netty's " + PacketAssertions.hexHead(in));
      } finally {
        in.release();
      }
      if (!v.isV5()) { // 3.x leaves an encoder no choice: the bytes must be the same
        assertArrayEquals(encodeWithMidge(p, v), bytes, "Midge's bytes vs Netty's");
      }
    } finally {
      ReferenceCountUtil.release(out);
      channel.finishAndReleaseAll();
    }
  }

  /** The Netty message for a Midge packet of version {@code v}. */
  private static MqttMessage toNetty(MqttPacket p, MqttVersion v) {
    // Reserved flags: QoS 1 for PUBREL, SUBSCRIBE and UNSUBSCRIBE, 0 otherwise.
    int qos = p instanceof Publish ? 0 : p.type().requiredFlags() >> 1;
    MqttFixedHeader header = new MqttFixedHeader(MqttMessageType.valueOf(p.type().value()),
        false, MqttQoS.valueOf(qos), false, 0);
    if (p instanceof Connect c) {
      Will will = c.will();
      io.netty.handler.codec.mqtt.MqttVersion nv = netty(c.version());
      return new MqttConnectMessage(header,
          new MqttConnectVariableHeader(nv.protocolName(), nv.protocolLevel(),
              c.username() != null, c.password() != null, will != null && will.retain(),
              will == null ? 0 : will.qos().value(), will != null, c.cleanStart(),
              c.keepAlive(), toNetty(c.properties())),
          new MqttConnectPayload(c.clientId(),
              will == null ? MqttProperties.NO_PROPERTIES : toNetty(will.properties()),
              will == null ? null : will.topic(), will == null ? null : will.payload(),
              c.username(), c.password()));
    } else if (p instanceof Connack c) {
      int code = v.isV5()
          ? c.reasonCode().value()
          : ConnectReturnCode.fromReasonCode(c.reasonCode()).value();
      return new MqttConnAckMessage(header, new MqttConnAckVariableHeader(
          MqttConnectReturnCode.valueOf((byte) code), c.sessionPresent(),
          toNetty(c.properties())));
    } else if (p instanceof Publish pub) {
      return new MqttPublishMessage(
          new MqttFixedHeader(MqttMessageType.PUBLISH, pub.dup(),
              MqttQoS.valueOf(pub.qos().value()), pub.retain(), 0),
          new MqttPublishVariableHeader(pub.topic(), pub.packetId(), toNetty(pub.properties())),
          Unpooled.wrappedBuffer(pub.payload())); // released by Netty's encoder
    } else if (p instanceof Puback a) {
      return ack(header, a.packetId(), a.reasonCode(), a.properties());
    } else if (p instanceof Pubrec a) {
      return ack(header, a.packetId(), a.reasonCode(), a.properties());
    } else if (p instanceof Pubrel a) {
      return ack(header, a.packetId(), a.reasonCode(), a.properties());
    } else if (p instanceof Pubcomp a) {
      return ack(header, a.packetId(), a.reasonCode(), a.properties());
    } else if (p instanceof Subscribe s) {
      List<MqttTopicSubscription> topics = s.subscriptions().stream()
          .map(e -> new MqttTopicSubscription(e.topicFilter(), new MqttSubscriptionOption(
              MqttQoS.valueOf(e.qos().value()), e.noLocal(), e.retainAsPublished(),
              MqttSubscriptionOption.RetainedHandlingPolicy.valueOf(e.retainHandling().value()))))
          .toList();
      return new MqttSubscribeMessage(header,
          new MqttMessageIdAndPropertiesVariableHeader(s.packetId(), toNetty(s.properties())),
          new MqttSubscribePayload(topics));
    } else if (p instanceof Suback s) {
      return new MqttSubAckMessage(header,
          new MqttMessageIdAndPropertiesVariableHeader(s.packetId(), toNetty(s.properties())),
          new MqttSubAckPayload(s.reasonCodes().stream().mapToInt(SubackReasonCode::value)
              .toArray()));
    } else if (p instanceof Unsubscribe u) {
      return new MqttUnsubscribeMessage(header,
          new MqttMessageIdAndPropertiesVariableHeader(u.packetId(), toNetty(u.properties())),
          new MqttUnsubscribePayload(u.topicFilters()));
    } else if (p instanceof Unsuback u) {
      if (u.reasonCodes().isEmpty() && u.properties().isEmpty()) {
        return new MqttUnsubAckMessage(header, MqttMessageIdVariableHeader.from(u.packetId()));
      }
      short[] codes = new short[u.reasonCodes().size()];
      for (int i = 0; i < codes.length; i++) {
        codes[i] = (short) u.reasonCodes().get(i).value();
      }
      return new MqttUnsubAckMessage(header,
          new MqttMessageIdAndPropertiesVariableHeader(u.packetId(), toNetty(u.properties())),
          new MqttUnsubAckPayload(codes));
    } else if (p instanceof Disconnect d) {
      return new MqttMessage(header, new MqttReasonCodeAndPropertiesVariableHeader(
          (byte) d.reasonCode().value(), toNetty(d.properties())));
    } else if (p instanceof Auth a) {
      return new MqttMessage(header, new MqttReasonCodeAndPropertiesVariableHeader(
          (byte) a.reasonCode().value(), toNetty(a.properties())));
    }
    return new MqttMessage(header); // PINGREQ, PINGRESP
  }

  private static MqttMessage ack(MqttFixedHeader header, int packetId, PacketReasonCode code,
      Properties properties) {
    return new MqttMessage(header, new MqttPubReplyMessageVariableHeader(packetId,
        (byte) code.value(), toNetty(properties)));
  }

  private static MqttProperties toNetty(Properties properties) {
    MqttProperties n = new MqttProperties();
    properties.forEach((id, value) -> {
      switch (id.type()) {
        case BYTE, TWO_BYTE_INTEGER, VARIABLE_BYTE_INTEGER ->
            n.add(new MqttProperties.IntegerProperty(id.id(), (Integer) value));
        case FOUR_BYTE_INTEGER ->
            n.add(new MqttProperties.IntegerProperty(id.id(), (int) (long) (Long) value));
        case UTF8_STRING -> n.add(new MqttProperties.StringProperty(id.id(), (String) value));
        case BINARY_DATA -> n.add(new MqttProperties.BinaryProperty(id.id(), (byte[]) value));
        case UTF8_STRING_PAIR -> n.add(new MqttProperties.UserProperty(
            ((UserProperty) value).name(), ((UserProperty) value).value()));
      }
    });
    return n;
  }

  // ---- helpers ----

  private static io.netty.handler.codec.mqtt.MqttVersion netty(MqttVersion v) {
    return switch (v) {
      case V3_1 -> io.netty.handler.codec.mqtt.MqttVersion.MQTT_3_1;
      case V3_1_1 -> io.netty.handler.codec.mqtt.MqttVersion.MQTT_3_1_1;
      case V5 -> io.netty.handler.codec.mqtt.MqttVersion.MQTT_5;
    };
  }

  private static byte[] encodeWithMidge(MqttPacket p, MqttVersion v) {
    ByteBuf buf = PacketEncoder.encode(ALLOC, p, v);
    try {
      return ByteBufUtil.getBytes(buf);
    } finally {
      buf.release();
    }
  }

  @FunctionalInterface
  private interface Check {
    void run() throws Exception;
  }

  /** Runs one case; any failure is rethrown with the seed, the case and the packet. */
  private static void check(String what, Combination c, int caseNo, Generated g, Check check) {
    try {
      check.run();
    } catch (Exception | AssertionError e) {
      throw new AssertionError(String.format(
          "%s failed for %s case #%d [seed %d, replay with -D%s=%d]%n  packet: %s%n"
              + "  failure: %s",
          what, c.name(), caseNo, SEED, PacketGenerators.SEED_PROPERTY, SEED, describe(g),
          PacketAssertions.abbreviate(e.getMessage(), 2000)), e);
    }
  }

  private static String describe(Generated g) {
    String packet = PacketAssertions.abbreviate(g, 800);
    try {
      ByteBuf b = PacketEncoder.encode(ALLOC, g.packet(), g.version());
      try {
        return packet + "\n  Midge's bytes: " + PacketAssertions.hexHead(b);
      } finally {
        b.release();
      }
    } catch (RuntimeException | AssertionError e) {
      return packet + " (does not encode: " + e + ")";
    }
  }
}
