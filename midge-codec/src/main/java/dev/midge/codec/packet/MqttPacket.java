package dev.midge.codec.packet;

import dev.midge.codec.MqttPacketType;

/**
 * One MQTT control packet, as an immutable value. The same records serve MQTT 3.1, 3.1.1 and 5.0:
 * a 3.x packet carries {@link dev.midge.codec.property.Properties#EMPTY} and success reason codes,
 * and the encoder leaves out what a 3.x peer cannot read.
 */
public sealed interface MqttPacket
    permits Connect,
        Connack,
        Publish,
        Puback,
        Pubrec,
        Pubrel,
        Pubcomp,
        Subscribe,
        Suback,
        Unsubscribe,
        Unsuback,
        Pingreq,
        Pingresp,
        Disconnect,
        Auth {

  /** The packet's type, as in the fixed header. */
  MqttPacketType type();
}
