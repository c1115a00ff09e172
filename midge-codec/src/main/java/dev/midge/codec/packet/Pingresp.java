package dev.midge.codec.packet;

import dev.midge.codec.MqttPacketType;

/** PINGRESP: the server's answer to PINGREQ. */
public record Pingresp() implements MqttPacket {
  /** The one instance the decoder hands out. */
  public static final Pingresp INSTANCE = new Pingresp();

  @Override
  public MqttPacketType type() {
    return MqttPacketType.PINGRESP;
  }
}
