package dev.midge.client;

import dev.midge.codec.packet.MqttPacket;

/**
 * Sees every MQTT packet the client sends and receives, for debugging ({@code midge sub -d}).
 *
 * <p>Called on the client's callback executor, in order, interleaved with the {@link
 * ConnectionListener} and message deliveries. Each call costs a task on that executor, so set one
 * only when you want the trace. A CONNECT's password is never shown by {@link
 * dev.midge.codec.packet.Connect#toString()}.
 */
@FunctionalInterface
public interface PacketListener {
  /**
   * @param sent true for a packet the client wrote, false for one it received
   * @param packet the packet
   */
  void packet(boolean sent, MqttPacket packet);
}
