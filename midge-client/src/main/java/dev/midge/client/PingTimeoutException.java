package dev.midge.client;

import java.time.Duration;

/**
 * No packet arrived within the PINGRESP timeout after a PINGREQ: the broker, or the network on the
 * way to it, stopped answering while the TCP connection still looked open (a half-open
 * connection). The client closes the connection and, if it reconnects automatically, tries again.
 */
public final class PingTimeoutException extends ConnectionLostException {
  private static final long serialVersionUID = 1L;

  public PingTimeoutException(Duration timeout, Duration keepAlive) {
    super("no PINGRESP (nor any packet) within " + millis(timeout) + " of PINGREQ (keep alive "
        + millis(keepAlive) + "): the broker or the network stopped answering");
  }

  private static String millis(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + " s" : ms + " ms";
  }
}
