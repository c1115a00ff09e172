package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.codec.MqttVersion;
import dev.midge.codec.PacketEncoder;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.MqttPacket;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Pubrec;
import dev.midge.codec.packet.Suback;
import dev.midge.codec.property.Properties;
import dev.midge.codec.property.PropertyId;
import dev.midge.testkit.Frame;
import dev.midge.testkit.Hex;
import dev.midge.testkit.RawMqttConnection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.List;

/** Checks on the exact bytes a server sent, for the scenarios that pin reason codes on the wire. */
final class Frames {
  private Frames() {}

  /**
   * Waits for a packet of {@code type}, then returns its bytes as hex pairs ({@code "e0 01 9b"}):
   * what went over the socket, not what the decoder made of it.
   */
  static String expectHex(RawMqttConnection c, Class<? extends MqttPacket> type, Duration wait) {
    return hexOf(c, c.expect(type, wait));
  }

  private static String hexOf(RawMqttConnection c, MqttPacket p) {
    List<Frame> all = c.received();
    for (int i = all.size() - 1; i >= 0; i--) {
      if (all.get(i).packet() == p) {
        return all.get(i).hex();
      }
    }
    throw new AssertionError("no frame for " + p + " on " + c);
  }

  /**
   * Waits for an MQTT 5 packet of {@code type} (DISCONNECT, CONNACK, PUBACK, PUBREC or SUBACK) and
   * returns its bytes as hex pairs as they would be without its Reason String (MQTT 3.x packets,
   * which have none, as sent): the reason code and
   * every other property pinned byte for byte, whatever text explains them (MQTT 5 §3.14.2.2.3
   * and the like). Asserts that a Reason String, when there is one, says something.
   */
  static String expectHexWithoutReasonString(RawMqttConnection c,
      Class<? extends MqttPacket> type, Duration wait) {
    MqttPacket p = c.expect(type, wait);
    MqttPacket stripped;
    String reason;
    if (p instanceof Disconnect d) {
      reason = d.properties().reasonString();
      stripped = new Disconnect(d.reasonCode(), bare(d.properties()));
    } else if (p instanceof Connack a) {
      reason = a.properties().reasonString();
      stripped = new Connack(a.sessionPresent(), a.reasonCode(), bare(a.properties()));
    } else if (p instanceof Puback a) {
      reason = a.properties().reasonString();
      stripped = new Puback(a.packetId(), a.reasonCode(), bare(a.properties()));
    } else if (p instanceof Pubrec a) {
      reason = a.properties().reasonString();
      stripped = new Pubrec(a.packetId(), a.reasonCode(), bare(a.properties()));
    } else if (p instanceof Suback a) {
      reason = a.properties().reasonString();
      stripped = new Suback(a.packetId(), a.reasonCodes(), bare(a.properties()));
    } else {
      throw new IllegalArgumentException("no Reason String on " + p.type());
    }
    if (reason == null) {
      return hexOf(c, p); // as sent: MQTT 3.x packets, and MQTT 5 ones without a Reason String
    }
    assertThat(reason).as("the Reason String of " + p.type()).isNotBlank();
    ByteBuf out = Unpooled.buffer();
    try {
      PacketEncoder.encode(stripped, MqttVersion.V5, out);
      return Hex.format(ByteBufUtil.getBytes(out));
    } finally {
      out.release();
    }
  }

  private static Properties bare(Properties props) {
    return props.toBuilder().set(PropertyId.REASON_STRING, null).build();
  }

  /**
   * Asserts that the server closes the connection without sending anything after the {@code
   * before} frames it had sent: how MQTT 3.x clients are disconnected.
   */
  static void assertClosedSilently(RawMqttConnection c, int before, Duration wait) {
    c.expectClosed(wait);
    assertThat(c.received()).as("packets from the server before it closed " + c).hasSize(before);
  }
}
