package dev.midge.cli;

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
import dev.midge.codec.packet.Unsuback;
import dev.midge.codec.packet.Unsubscribe;
import java.util.stream.Collectors;

/**
 * One packet as {@code -d} shows it, close to mosquitto's debug lines: {@code PUBLISH (d0, q1,
 * r0, m1, 'a/b', ... (5 bytes))}. Never shows a password or a payload's bytes.
 */
final class PacketText {
  private PacketText() {}

  static String describe(MqttPacket p) {
    if (p instanceof Connect c) {
      return "CONNECT (v" + c.version() + ", c" + (c.cleanStart() ? 1 : 0) + ", k"
          + c.keepAlive() + ", id '" + c.clientId() + "'"
          + (c.will() != null ? ", will '" + c.will().topic() + "'" : "")
          + (c.username() != null ? ", u '" + c.username() + "'" : "") + ")";
    }
    if (p instanceof Connack c) {
      return "CONNACK (" + c.reasonCode() + ", session present " + (c.sessionPresent() ? 1 : 0)
          + (c.properties().serverKeepAlive() != null
              ? ", server keep alive " + c.properties().serverKeepAlive() : "") + ")";
    }
    if (p instanceof Publish m) {
      return "PUBLISH (d" + (m.dup() ? 1 : 0) + ", q" + m.qos().value() + ", r"
          + (m.retain() ? 1 : 0) + ", m" + m.packetId() + ", '" + m.topic() + "', ... ("
          + m.payload().length + " bytes))";
    }
    if (p instanceof Puback a) {
      return "PUBACK (Mid: " + a.packetId() + ")";
    }
    if (p instanceof Pubrec a) {
      return "PUBREC (Mid: " + a.packetId() + ")";
    }
    if (p instanceof Pubrel a) {
      return "PUBREL (Mid: " + a.packetId() + ")";
    }
    if (p instanceof Pubcomp a) {
      return "PUBCOMP (Mid: " + a.packetId() + ")";
    }
    if (p instanceof Subscribe s) {
      return "SUBSCRIBE (Mid: " + s.packetId() + ", " + s.subscriptions().stream()
          .map(x -> "Topic: " + x.topicFilter() + ", QoS: " + x.qos().value())
          .collect(Collectors.joining("; ")) + ")";
    }
    if (p instanceof Suback s) {
      return "SUBACK (Mid: " + s.packetId() + ", " + s.reasonCodes() + ")";
    }
    if (p instanceof Unsubscribe u) {
      return "UNSUBSCRIBE (Mid: " + u.packetId() + ", " + u.topicFilters() + ")";
    }
    if (p instanceof Unsuback u) {
      return "UNSUBACK (Mid: " + u.packetId() + ")";
    }
    if (p instanceof Disconnect d) {
      return "DISCONNECT (" + d.reasonCode() + ")";
    }
    return p.type().toString();
  }
}
