package dev.midge.broker.session;

import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.MqttPacket;
import dev.midge.codec.packet.Publish;
import io.netty.channel.EventLoop;

/**
 * What a session sees of the connection it is attached to: a way to send packets. Implemented by
 * the connection layer; the session knows nothing else of it.
 *
 * <p>All methods but {@link #eventLoop()} and {@link #takeOver()} are called on {@link
 * #eventLoop()} only.
 */
public interface Outbound {
  /** The event loop of the connection's channel: a session attached here runs on it. */
  EventLoop eventLoop();

  /** The client's protocol version. */
  MqttVersion version();

  /** Queues a packet for the client; {@link #flush()} sends what is queued. */
  void write(MqttPacket packet);

  /**
   * Whether the client takes this PUBLISH, as given, within its Maximum Packet Size (MQTT-3.1.2-24
   * in 5.0). A PUBLISH that does not fit is not to be written (MQTT-3.1.2-25).
   */
  boolean fits(Publish publish);

  /** Sends what has been written. */
  void flush();

  /** Whether the connection takes more data without growing its buffer past its limit. */
  boolean isWritable();

  /** Whether the connection is still open. */
  boolean isOpen();

  /** The session is attached and resumed: the connection may send CONNACK and go on. */
  void sessionReady(Session session, boolean sessionPresent);

  /** Another connection took the session: close this one (MQTT-3.1.4-2). Any thread. */
  void takeOver();

  /** The client's address, for logs. */
  String remoteAddress();
}
