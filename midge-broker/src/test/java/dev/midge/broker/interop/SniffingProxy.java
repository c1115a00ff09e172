package dev.midge.broker.interop;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy on 127.0.0.1 between a real client and the broker, for what a client library will
 * not do on request: end a connection without DISCONNECT, or go silent as a dead network does.
 * It also tells the MQTT packets apart in each direction (by fixed header and remaining length
 * only), so a test can count the PINGREQ and PINGRESP that really crossed the wire.
 *
 * <ul>
 *   <li>{@link #sever()}: resets both sockets of every connection (SO_LINGER 0, so a TCP RST):
 *       the broker sees the network fail, without a DISCONNECT.
 *   <li>{@link #blackhole()}: from now on nothing is forwarded either way and the sockets to the
 *       broker stay open even when the client gives up, so the broker meets pure silence and must
 *       find it with its keep-alive deadline (MQTT-3.1.2-24).
 * </ul>
 *
 * <p>One thread per direction per connection; for tests with a handful of connections only.
 */
final class SniffingProxy implements AutoCloseable {
  /** MQTT control packet types, as in the fixed header's high nibble. */
  static final int CONNECT = 1;
  static final int PUBLISH = 3;
  static final int PINGREQ = 12;
  static final int PINGRESP = 13;
  static final int DISCONNECT = 14;

  private final ServerSocket server;
  private final int targetPort;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "sniffing-proxy");
    t.setDaemon(true);
    return t;
  });
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final PacketLog toBroker = new PacketLog();
  private final PacketLog toClient = new PacketLog();
  private volatile boolean blackholed;
  private volatile boolean closed;

  /** A proxy forwarding to 127.0.0.1:{@code targetPort}, listening on an ephemeral port. */
  SniffingProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    threads.execute(this::acceptLoop);
  }

  int port() {
    return server.getLocalPort();
  }

  /** Packets the client sent through to the broker. */
  PacketLog toBroker() {
    return toBroker;
  }

  /** Packets the broker sent through to the client. */
  PacketLog toClient() {
    return toClient;
  }

  /** Resets every connection at once, both sides: no DISCONNECT, no FIN, just RST. */
  void sever() {
    for (Socket s : sockets) {
      reset(s);
    }
  }

  /** Stops forwarding in both directions and keeps the broker-side sockets open. */
  void blackhole() {
    blackholed = true;
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    for (Socket s : sockets) {
      reset(s);
    }
    threads.shutdownNow();
    try {
      threads.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      try {
        Socket broker = new Socket();
        broker.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5000);
        client.setTcpNoDelay(true);
        broker.setTcpNoDelay(true);
        sockets.add(client);
        sockets.add(broker);
        threads.execute(() -> pump(client, broker, toBroker));
        threads.execute(() -> pump(broker, client, toClient));
      } catch (IOException e) {
        reset(client); // the broker could not be reached: so the client learns at once
      }
    }
  }

  private void pump(Socket from, Socket to, PacketLog log) {
    byte[] buf = new byte[8192];
    try (InputStream in = from.getInputStream()) {
      OutputStream out = to.getOutputStream();
      int n;
      while ((n = in.read(buf)) >= 0) {
        if (blackholed) {
          continue; // swallowed by the "network"
        }
        out.write(buf, 0, n);
        out.flush();
        log.bytes(buf, n);
      }
      if (!blackholed) {
        to.shutdownOutput(); // pass an orderly close on as a FIN
      }
    } catch (IOException e) {
      if (!blackholed) {
        reset(to);
      }
    }
  }

  private static void reset(Socket s) {
    try {
      if (!s.isClosed()) {
        s.setSoLinger(true, 0);
      }
    } catch (SocketException ignored) {
      // already going
    }
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  /** The packets seen in one direction, with the time each was complete. Thread-safe. */
  static final class PacketLog {
    /** One packet: its type and when its last byte went through, in {@link System#nanoTime()}. */
    record Packet(int type, long nanos) {}

    private final List<Packet> packets = new CopyOnWriteArrayList<>();
    private volatile long lastByteNanos;
    // stream parser state, touched by the one pump thread of this direction
    private int stage; // 0 = fixed header byte, 1 = remaining length, 2 = body
    private int type;
    private int remaining;
    private int multiplier;

    private void bytes(byte[] buf, int n) {
      long now = System.nanoTime();
      lastByteNanos = now;
      for (int i = 0; i < n; i++) {
        int b = buf[i] & 0xFF;
        switch (stage) {
          case 0 -> {
            type = b >> 4;
            remaining = 0;
            multiplier = 1;
            stage = 1;
          }
          case 1 -> {
            remaining += (b & 0x7F) * multiplier;
            multiplier *= 128;
            if ((b & 0x80) == 0) {
              if (remaining == 0) {
                packets.add(new Packet(type, now));
                stage = 0;
              } else {
                stage = 2;
              }
            }
          }
          default -> {
            int skip = Math.min(remaining, n - i);
            i += skip - 1;
            remaining -= skip;
            if (remaining == 0) {
              packets.add(new Packet(type, now));
              stage = 0;
            }
          }
        }
      }
    }

    /** How many packets of {@code type} went through. */
    long count(int packetType) {
      return packets.stream().filter(p -> p.type() == packetType).count();
    }

    /** When each packet of {@code type} went through, in order. */
    List<Long> times(int packetType) {
      return packets.stream().filter(p -> p.type() == packetType).map(Packet::nanos).toList();
    }

    /** When the last byte went through, in {@link System#nanoTime()}; 0 if none did. */
    long lastByteNanos() {
      return lastByteNanos;
    }
  }
}
