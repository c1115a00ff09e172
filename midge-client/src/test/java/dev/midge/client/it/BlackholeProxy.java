package dev.midge.client.it;

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
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on 127.0.0.1 between the client under test and a broker, for what a network does
 * and a broker will not do on request (a pattern from midge-broker's interop SniffingProxy):
 *
 * <ul>
 *   <li>{@link #swallow(boolean)}: while on, every byte in both directions is read and dropped,
 *       and no socket is closed, whatever either end does: a half-open connection, as when a
 *       mobile link or a NAT entry dies. New connections are accepted and swallowed too. Turned
 *       off, traffic of connections made from then on flows again.
 *   <li>{@link #sever()}: resets every connection (RST), as a broker crash looks to a client.
 * </ul>
 *
 * <p>One thread per direction per connection; for a handful of connections only.
 */
final class BlackholeProxy implements AutoCloseable {
  private final ServerSocket server;
  private final int targetPort;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "blackhole-proxy");
    t.setDaemon(true);
    return t;
  });
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final AtomicInteger accepted = new AtomicInteger();
  private volatile boolean swallowing;
  private volatile boolean closed;

  BlackholeProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    threads.execute(this::acceptLoop);
  }

  int port() {
    return server.getLocalPort();
  }

  /** Connections accepted so far. */
  int accepted() {
    return accepted.get();
  }

  void swallow(boolean on) {
    swallowing = on;
  }

  void sever() {
    for (Socket s : sockets) {
      reset(s);
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    sever();
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
        return;
      }
      accepted.incrementAndGet();
      boolean deaf = swallowing; // a connection made during the outage stays in it
      try {
        Socket broker = new Socket();
        broker.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5000);
        client.setTcpNoDelay(true);
        broker.setTcpNoDelay(true);
        sockets.add(client);
        sockets.add(broker);
        threads.execute(() -> pump(client, broker, deaf));
        threads.execute(() -> pump(broker, client, deaf));
      } catch (IOException e) {
        reset(client);
      }
    }
  }

  private void pump(Socket from, Socket to, boolean deaf) {
    byte[] buf = new byte[8192];
    try (InputStream in = from.getInputStream()) {
      OutputStream out = to.getOutputStream();
      int n;
      while ((n = in.read(buf)) >= 0) {
        if (deaf || swallowing) {
          deaf = true; // once swallowed, this connection never recovers: like a dead NAT entry
          continue;
        }
        out.write(buf, 0, n);
        out.flush();
      }
      if (!deaf && !swallowing) {
        to.shutdownOutput();
      }
    } catch (IOException e) {
      if (!deaf && !swallowing) {
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
}
