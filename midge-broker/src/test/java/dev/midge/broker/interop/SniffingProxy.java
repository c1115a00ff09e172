package dev.midge.broker.interop;

import dev.midge.codec.DecodeFailure;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.PacketDecoder;
import dev.midge.codec.Role;
import dev.midge.codec.packet.Publish;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
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
 *   <li>{@link #blackholeToBroker()}: only what the client sends is swallowed; what the broker
 *       sends still reaches the client, so an MQTT 5 client sees the broker's DISCONNECT (0x8D)
 *       when the broker's keep-alive deadline passes, although the client keeps pinging.
 * </ul>
 *
 * <p>Each direction's {@link PacketLog} keeps every packet's bytes too, so a test can decode the
 * PUBLISH packets as sent (for example to see Topic Aliases, which client libraries resolve
 * before the application sees a message).
 *
 * <p>One thread per direction per connection; for tests with a handful of connections only.
 */
final class SniffingProxy implements AutoCloseable {
  /** MQTT control packet types, as in the fixed header's high nibble. */
  static final int CONNECT = 1;
  static final int PUBLISH = 3;
  static final int PUBACK = 4;
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
  private final PacketLog toBroker = new PacketLog(Role.SERVER);
  private final PacketLog toClient = new PacketLog(Role.CLIENT);
  private volatile boolean blackholed;
  private volatile boolean toBrokerBlackholed;
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

  /**
   * Stops forwarding what clients send, and keeps the broker-side sockets open even when a client
   * gives up; what the broker sends still goes through, its closing FIN included.
   */
  void blackholeToBroker() {
    toBrokerBlackholed = true;
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
        if (swallowing(log)) {
          continue; // swallowed by the "network"
        }
        // Logged before it is passed on: once the peer has a packet, so has the log, and a test
        // that saw the peer get it finds it logged.
        log.bytes(buf, n);
        out.write(buf, 0, n);
        out.flush();
      }
      if (!swallowing(log)) {
        to.shutdownOutput(); // pass an orderly close on as a FIN
      }
    } catch (IOException e) {
      if (!swallowing(log)) {
        reset(to);
      }
    }
  }

  private boolean swallowing(PacketLog direction) {
    return blackholed || (direction == toBroker && toBrokerBlackholed);
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
    /**
     * One packet: its type, when its last byte went through (in {@link System#nanoTime()}), and
     * all its bytes, fixed header included.
     */
    record Packet(int type, long nanos, byte[] bytes) {}

    private final Role reader;
    private final List<Packet> packets = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream current = new ByteArrayOutputStream();
    private volatile long lastByteNanos;
    // stream parser state, touched by the one pump thread of this direction
    private int stage; // 0 = fixed header byte, 1 = remaining length, 2 = body
    private int type;
    private int remaining;
    private int multiplier;

    /** @param reader who reads this direction: the server for packets to the broker */
    private PacketLog(Role reader) {
      this.reader = reader;
    }

    private void bytes(byte[] buf, int n) {
      long now = System.nanoTime();
      lastByteNanos = now;
      for (int i = 0; i < n; i++) {
        int b = buf[i] & 0xFF;
        switch (stage) {
          case 0 -> {
            current.reset();
            current.write(b);
            type = b >> 4;
            remaining = 0;
            multiplier = 1;
            stage = 1;
          }
          case 1 -> {
            current.write(b);
            remaining += (b & 0x7F) * multiplier;
            multiplier *= 128;
            if ((b & 0x80) == 0) {
              if (remaining == 0) {
                packets.add(new Packet(type, now, current.toByteArray()));
                stage = 0;
              } else {
                stage = 2;
              }
            }
          }
          default -> {
            int skip = Math.min(remaining, n - i);
            current.write(buf, i, skip);
            i += skip - 1;
            remaining -= skip;
            if (remaining == 0) {
              packets.add(new Packet(type, now, current.toByteArray()));
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

    /**
     * The PUBLISH packets that went through, in order, decoded as {@code version} (the strict
     * decoder of the side that reads them): their topic exactly as sent, empty when a Topic Alias
     * stands for it, and their properties, the Topic Alias included.
     */
    List<Publish> publishes(MqttVersion version) {
      List<Publish> out = new ArrayList<>();
      PacketDecoder decoder = new PacketDecoder(reader, version);
      for (Packet p : packets) {
        if (p.type() != PUBLISH) {
          continue;
        }
        byte[] bytes = p.bytes();
        int bodyStart = 1;
        while ((bytes[bodyStart] & 0x80) != 0) {
          bodyStart++;
        }
        bodyStart++;
        ByteBuf body = Unpooled.wrappedBuffer(bytes, bodyStart, bytes.length - bodyStart);
        try {
          Object decoded = decoder.decode(bytes[0] & 0xFF, body);
          if (decoded instanceof DecodeFailure f) {
            throw new AssertionError("a PUBLISH on the wire does not decode: " + f);
          }
          out.add((Publish) decoded);
        } finally {
          body.release();
        }
      }
      return out;
    }

    /** When the last byte went through, in {@link System#nanoTime()}; 0 if none did. */
    long lastByteNanos() {
      return lastByteNanos;
    }
  }
}
