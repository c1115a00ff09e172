package dev.midge.broker.connection;

import dev.midge.broker.metrics.DisconnectCause;
import java.net.SocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * Told when a client's connection is accepted and when it ends: for the {@code $SYS} client events
 * and anything else that follows clients from outside. Called on the connection's event loop; keep
 * it short and never block.
 */
public interface ConnectionListener {
  /** CONNACK accepting the client has been written. */
  void clientConnected(ClientEvent client);

  /** An accepted connection has ended, for {@code cause}. */
  void clientDisconnected(ClientEvent client, DisconnectCause cause);

  /**
   * One client's connection.
   *
   * @param clientId the client identifier (assigned by the broker if the client sent none)
   * @param remoteAddress the client's address, null if the channel has none; see {@link
   *     #address()}
   * @param protocolVersion {@code 3.1}, {@code 3.1.1} or {@code 5.0}
   * @param keepAliveRequested the keep alive the client asked for, in seconds
   * @param keepAliveEffective the keep alive enforced, in seconds (0: none)
   * @param connectedAt when CONNACK was written, epoch ms on the broker's clock
   */
  record ClientEvent(String clientId, @Nullable SocketAddress remoteAddress,
      String protocolVersion, int keepAliveRequested, int keepAliveEffective, long connectedAt) {
    /**
     * The client's address as text, such as {@code /127.0.0.1:50312}, or {@code ?}: made only
     * when a listener asks, as most events go unread.
     */
    public String address() {
      SocketAddress a = remoteAddress;
      return a == null ? "?" : a.toString();
    }
  }
}
