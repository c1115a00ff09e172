package dev.midge.codec.packet;

import dev.midge.codec.MqttPacketType;

/** PINGREQ: the client's proof of life; the server answers each with PINGRESP (MQTT-3.12.4-1). */
public record Pingreq() implements MqttPacket {
  /** The one instance the decoder hands out. */
  public static final Pingreq INSTANCE = new Pingreq();

  @Override
  public MqttPacketType type() {
    return MqttPacketType.PINGREQ;
  }
}
