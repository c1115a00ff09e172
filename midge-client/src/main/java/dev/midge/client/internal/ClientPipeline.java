package dev.midge.client.internal;

/**
 * Names of the client's pipeline handlers, in pipeline order (head to tail). Inbound bytes go
 * down this list; packets written by the client go up it from {@link #CLIENT}.
 */
final class ClientPipeline {
  /** Bytes to packets: {@code MqttDecoder.forClient}. */
  static final String DECODER = "decoder";
  /** Packets to bytes: {@code MqttEncoder}. */
  static final String ENCODER = "encoder";
  /** Reports each packet to the PacketListener; present only when one is set. */
  static final String TRACE = "trace";
  // KEEP_ALIVE is added here once CONNACK has fixed the keep alive in effect (none for 0).
  /** PINGREQ when quiet, the PINGRESP deadline: {@link ClientKeepAliveHandler}. */
  static final String KEEP_ALIVE = "keep-alive";
  /** Hands packets and failures to the connection's state machine. */
  static final String CLIENT = "client";

  private ClientPipeline() {}
}
