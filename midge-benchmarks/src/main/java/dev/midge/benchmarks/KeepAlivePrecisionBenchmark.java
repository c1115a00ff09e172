package dev.midge.benchmarks;

import dev.midge.broker.MidgeBroker;
import dev.midge.broker.metrics.DisconnectCause;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.PacketEncoder;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Pingreq;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Keep-alive precision at scale: an embedded broker serving its in-JVM local listener, N clients
 * that connect over Netty's local transport (the broker's TCP pipeline, without sockets, so the
 * open-files limit does not cap N). Each client sends PINGREQ every keep alive (MQTT-3.1.2-23)
 * while the others connect; once all are connected they go silent: each stops after its next
 * PINGREQ, so the last bytes are spread over one keep alive, and the broker must close each when
 * 1.5 × its keep alive has passed. For each client it measures, on the client's side,
 *
 * <pre>lateness = close time − (time its last packet was handed to its channel + 1.5 × keep alive)</pre>
 *
 * and reports min, median, p99, p99.9 and max, how many fell outside [0, 250 ms], the broker's
 * own lateness histogram, and heap and RSS per connection once all are connected. Not a JMH
 * benchmark and never run by the build:
 *
 * <pre>
 * mvn -B -pl midge-benchmarks -am package -Dmaven.test.skip=true
 * java -Xmx4g -cp midge-benchmarks/target/benchmarks.jar \
 *     dev.midge.benchmarks.KeepAlivePrecisionBenchmark --clients 100000
 * </pre>
 *
 * <p>Options: {@code --clients N} (100000), {@code --min-keep-alive S} (10) and {@code
 * --max-keep-alive S} (60), keep alives drawn uniformly in whole seconds from that range; {@code
 * --rate R} connects a second (10000), {@code --client-threads T} (2) event loops for the clients,
 * {@code --seed S} (1) for the keep alives. Half the clients speak MQTT 3.1.1, half 5.0.
 *
 * <p>Memory per connection counts both ends, the broker's channel and session and the client's
 * channel, since both live in this JVM: an upper bound for the broker's share.
 */
public final class KeepAlivePrecisionBenchmark {
  private static final long BOUND_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

  private final int clients;
  private final int minKeepAlive;
  private final int maxKeepAlive;
  private final int rate;
  private final int clientThreads;
  private final long seed;

  private final int[] keepAlive;
  private final AtomicLongArray sentNanos;
  private final AtomicLongArray closedNanos;
  private final AtomicInteger connacked = new AtomicInteger();
  private final AtomicInteger closed = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private final AtomicInteger pings = new AtomicInteger();
  /** Set once every client is connected: each sends one more PINGREQ, then nothing. */
  private volatile boolean silence;

  private KeepAlivePrecisionBenchmark(int clients, int minKeepAlive, int maxKeepAlive, int rate,
      int clientThreads, long seed) {
    this.clients = clients;
    this.minKeepAlive = minKeepAlive;
    this.maxKeepAlive = maxKeepAlive;
    this.rate = rate;
    this.clientThreads = clientThreads;
    this.seed = seed;
    this.keepAlive = new int[clients];
    this.sentNanos = new AtomicLongArray(clients);
    this.closedNanos = new AtomicLongArray(clients);
  }

  public static void main(String[] args) throws Exception {
    int clients = 100_000;
    int min = 10;
    int max = 60;
    int rate = 10_000;
    int threads = 2;
    long seed = 1;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = i + 1 < args.length ? args[i + 1] : null;
      if (v == null) {
        usage("missing value for " + a);
      }
      switch (a) {
        case "--clients" -> clients = Integer.parseInt(v);
        case "--min-keep-alive" -> min = Integer.parseInt(v);
        case "--max-keep-alive" -> max = Integer.parseInt(v);
        case "--rate" -> rate = Integer.parseInt(v);
        case "--client-threads" -> threads = Integer.parseInt(v);
        case "--seed" -> seed = Long.parseLong(v);
        default -> usage("unknown option " + a);
      }
      i++;
    }
    if (clients < 1 || min < 1 || max < min || max > 65535 || rate < 1 || threads < 1) {
      usage("need clients >= 1, 1 <= min-keep-alive <= max-keep-alive <= 65535, rate >= 1,"
          + " client-threads >= 1");
    }
    new KeepAlivePrecisionBenchmark(clients, min, max, rate, threads, seed).run();
  }

  private static void usage(String problem) {
    System.err.println(problem);
    System.err.println("usage: KeepAlivePrecisionBenchmark [--clients N] [--min-keep-alive S]"
        + " [--max-keep-alive S] [--rate CONNECTS_PER_S] [--client-threads T] [--seed S]");
    System.exit(2);
  }

  /** One per client channel: which client it is; records CONNACK and the close. */
  private final class ClientHandler extends ChannelInboundHandlerAdapter {
    private final int index;
    private boolean acked;

    ClientHandler(int index) {
      this.index = index;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      // The first bytes are the CONNACK (a success: the broker refuses none here); then at most
      // an MQTT 5 DISCONNECT 0x8D before the close. Not decoded: the tests check the bytes.
      if (!acked) {
        acked = true;
        connacked.incrementAndGet();
      }
      ReferenceCountUtil.release(msg);
    }

    /** MQTT-3.1.2-23: PINGREQ every keep alive until told to go silent; that one is the last. */
    void startPinging(Channel ch) {
      long period = TimeUnit.SECONDS.toNanos(keepAlive[index]);
      ch.eventLoop().schedule(new Runnable() {
        @Override
        public void run() {
          if (!ch.isActive()) {
            return;
          }
          boolean last = silence;
          sentNanos.set(index, System.nanoTime());
          ch.writeAndFlush(PacketEncoder.encode(ch.alloc(), Pingreq.INSTANCE, MqttVersion.V3_1_1));
          pings.incrementAndGet();
          if (!last) {
            ch.eventLoop().schedule(this, period, TimeUnit.NANOSECONDS);
          }
        }
      }, period, TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      closedNanos.set(index, System.nanoTime());
      closed.incrementAndGet();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  private void run() throws InterruptedException, IOException {
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < clients; i++) {
      keepAlive[i] = minKeepAlive + random.nextInt(maxKeepAlive - minKeepAlive + 1);
    }
    LocalAddress address = new LocalAddress("keep-alive-benchmark");
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    EventLoopGroup clientLoops = new MultiThreadIoEventLoopGroup(clientThreads,
        LocalIoHandler.newFactory());
    Instant startedAt = Instant.now();
    System.out.printf("keep-alive precision: %,d clients over the local transport, keep alive"
            + " %d..%d s, %,d connects/s, %d client threads, %d processors, max heap %,d MB,"
            + " Java %s, started %s%n", clients, minKeepAlive, maxKeepAlive, rate, clientThreads,
        Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
        System.getProperty("java.version"), startedAt);
    try (MidgeBroker broker = MidgeBroker.builder().port(0).localAddress(address).build()
        .start()) {
      System.gc();
      long heapBefore = memory.getHeapMemoryUsage().getUsed();
      long rssBefore = rssBytes();

      Bootstrap bootstrap = new Bootstrap().group(clientLoops).channel(LocalChannel.class)
          .handler(new ChannelInboundHandlerAdapter()); // replaced per channel below
      Semaphore inFlight = new Semaphore(1000);
      long start = System.nanoTime();
      long lastReport = start;
      for (int i = 0; i < clients; i++) {
        long due = start + (long) i * 1_000_000_000L / rate;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        inFlight.acquire();
        int index = i;
        ClientHandler handler = new ClientHandler(index);
        // A local address of its own: Netty's ephemeral local addresses are 32-bit identity hash
        // codes, which collide ("address already in use") about once in 100,000 connections.
        ChannelFuture f = bootstrap.clone().handler(handler)
            .connect(address, new LocalAddress("keep-alive-benchmark-client-" + index));
        f.addListener((ChannelFuture cf) -> {
          if (!cf.isSuccess()) {
            if (failed.incrementAndGet() == 1) {
              System.err.println("first failed connect (client " + index + "): " + cf.cause());
            }
            inFlight.release();
            return;
          }
          Channel ch = cf.channel();
          MqttVersion version = index % 2 == 0 ? MqttVersion.V3_1_1 : MqttVersion.V5;
          Connect connect = Connect.builder(version).clientId("c" + index)
              .keepAlive(keepAlive[index]).cleanStart(true).build();
          ByteBuf bytes = PacketEncoder.encode(ByteBufAllocator.DEFAULT, connect, version);
          sentNanos.set(index, System.nanoTime()); // just before the CONNECT is handed over
          ch.writeAndFlush(bytes);
          handler.startPinging(ch);
          inFlight.release();
        });
        long now = System.nanoTime();
        if (now - lastReport > 5_000_000_000L) {
          lastReport = now;
          System.out.printf("  %,d connecting, %,d connected (CONNACK), %,d closed%n", i + 1,
              connacked.get(), closed.get());
        }
      }
      long connectedBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (connacked.get() + failed.get() < clients && System.nanoTime() < connectedBy) {
        Thread.sleep(100);
      }
      double connectSeconds = (System.nanoTime() - start) / 1e9;
      // Memory with every client connected (those with the shortest keep alive may be gone
      // already when the connect phase is longer than 1.5 × the minimum keep alive).
      System.gc();
      long heapAfter = memory.getHeapMemoryUsage().getUsed();
      long rssAfter = rssBytes();
      long open = clients - closed.get();
      System.out.printf("connect phase: %.1f s, %,d CONNACKs, %,d failed connects, %,d open;"
              + " heap %,d MB -> %,d MB, RSS %,d MB -> %,d MB%n", connectSeconds,
          connacked.get(), failed.get(), open, heapBefore >> 20, heapAfter >> 20,
          rssBefore >> 20, rssAfter >> 20);
      System.out.printf("per open connection (both ends, broker and client, in this JVM): heap"
              + " %,d bytes, RSS %,d bytes%n", (heapAfter - heapBefore) / Math.max(1, open),
          (rssAfter - rssBefore) / Math.max(1, open));
      silence = true;
      System.out.printf("silence: each client sends one more PINGREQ (within its keep alive),"
          + " then nothing; %,d PINGREQs so far, %,d closed so far%n", pings.get(), closed.get());

      long allClosedBy = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500L * maxKeepAlive)
          + TimeUnit.SECONDS.toNanos(60);
      while (closed.get() < clients - failed.get() && System.nanoTime() < allClosedBy) {
        Thread.sleep(1000);
        System.out.printf("  %,d of %,d closed%n", closed.get(), clients);
      }
      report(broker, startedAt);
    } finally {
      clientLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  private void report(MidgeBroker broker, Instant startedAt) {
    long[] lateness = new long[clients];
    int n = 0;
    int neverClosed = 0;
    for (int i = 0; i < clients; i++) {
      long c = closedNanos.get(i);
      long s = sentNanos.get(i);
      if (s == 0) {
        continue; // never connected
      }
      if (c == 0) {
        neverClosed++;
        continue;
      }
      lateness[n++] = c - s - TimeUnit.MILLISECONDS.toNanos(1500L * keepAlive[i]);
    }
    long[] l = Arrays.copyOf(lateness, n);
    Arrays.sort(l);
    long early = Arrays.stream(l).filter(x -> x < 0).count();
    long late = Arrays.stream(l).filter(x -> x > BOUND_NANOS).count();
    System.out.printf("lateness over %,d closed clients (ms): min %.1f, median %.1f, p99 %.1f,"
            + " p99.9 %.1f, max %.1f; before 1.5 x keep alive: %,d; more than 250 ms late: %,d;"
            + " never closed: %,d%n", n, ms(l, 0), ms(l, 0.5), ms(l, 0.99), ms(l, 0.999),
        ms(l, 1), early, late, neverClosed);
    var timer = broker.prometheusRegistry().find("midge.keepalive.detection.lateness").timer();
    if (timer != null) {
      System.out.printf("broker's own view: %,d keep-alive timeouts, detection lateness mean %.1f"
              + " ms, max %.1f ms (midge.keepalive.detection.lateness)%n", timer.count(),
          timer.mean(TimeUnit.MILLISECONDS), timer.max(TimeUnit.MILLISECONDS));
    }
    System.out.printf("keep-alive timeouts counted by the broker: %,d; run from %s to %s%n",
        broker.services().metrics().disconnects(DisconnectCause.KEEP_ALIVE_TIMEOUT), startedAt,
        Instant.now());
  }

  private static double ms(long[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.min(sorted.length - 1, Math.floor(q * sorted.length));
    return sorted[i] / 1e6;
  }

  /** The process's resident set, from /proc (Linux); 0 where it cannot be read. */
  private static long rssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
    return 0;
  }
}
