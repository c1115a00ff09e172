/**
 * A strict MQTT 3.1 / 3.1.1 / 5.0 codec on Netty buffers.
 *
 * <p>{@link dev.midge.codec.MqttDecoder} turns bytes into {@link dev.midge.codec.packet.MqttPacket}
 * records or, for input the specification calls malformed or a protocol error, into a
 * {@link dev.midge.codec.DecodeFailure} value; {@link dev.midge.codec.MqttEncoder} writes packets
 * into buffers of exactly their encoded size.
 */
@NullMarked
package dev.midge.codec;

import org.jspecify.annotations.NullMarked;
