package dev.midge.benchmarks;

import dev.midge.broker.MidgeBroker;
import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.SessionConfig;
import dev.midge.broker.config.StorageConfig;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.PacketEncoder;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.MqttPacket;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Subscribe;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.property.Properties;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Throughput of persistent QoS 1 publishing, end to end over TCP: how many QoS 1 PUBLISH packets
 * per second get their PUBACK when each goes to a persistent session, with the broker's state in
 * memory or in RocksDB ({@code docs/storage.md}).
 *
 * <p>Each JMH thread is one publisher (MQTT 3.1.1, plain socket) with its own subscriber: a
 * persistent session (clean session 0) subscribed with QoS 1 to the publisher's topic, online,
 * acknowledging every message at once. One operation is one message: an invocation writes {@value
 * #BATCH} PUBLISH packets of {@code payloadSize} bytes at once, reads their {@value #BATCH}
 * PUBACKs, and waits until the subscriber has received them all, so that what is measured is
 * sustained end to end, not a queue filling up. With RocksDB each message is three changes to the store (its record in the
 * subscriber's queue, staged with the PUBLISH; its move to the in-flight window; its removal on
 * PUBACK), and the PUBACK waits until the first is written:
 *
 * <ul>
 *   <li>{@code memory}: nothing on disk, the baseline;
 *   <li>{@code rocksdb-always}: {@code sync: always}, the default: each PUBACK waits for an
 *       fsync of the write-ahead log, shared by every message written at that moment (group
 *       commit);
 *   <li>{@code rocksdb-never}: written to the write-ahead log, never synced by Midge: what the
 *       store costs without the fsync.
 * </ul>
 *
 * <pre>{@code
 * java -jar midge-benchmarks/target/benchmarks.jar PersistentPublishBenchmark -t 1
 * java -jar midge-benchmarks/target/benchmarks.jar PersistentPublishBenchmark -t 4 -p store=rocksdb-always
 * }</pre>
 *
 * <p>The figures depend on the disk's fsync latency above all: on the machine of {@code
 * docs/benchmarks.md} a lone fsync takes about a millisecond. RocksDB's data directory is a new
 * temporary directory per trial, deleted after it.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
public class PersistentPublishBenchmark {
  /** Messages written at once by a publisher, each invocation, before reading the PUBACKs. */
  static final int BATCH = 100;

  /** The broker, shared by the publishers. */
  @State(Scope.Benchmark)
  public static class Broker {
    @Param({"memory", "rocksdb-always", "rocksdb-never"})
    public String store;

    @Param({"256"})
    public int payloadSize;

    MidgeBroker broker;
    Path dir;
    final AtomicInteger clients = new AtomicInteger();

    @Setup(Level.Trial)
    public void start() throws IOException {
      // Queues large enough that a subscriber falling behind never drops a message.
      BrokerConfig config = BrokerConfig.defaults()
          .withSessions(new SessionConfig(256, 1_000_000, false).withMaxQueuedBytes(Integer.MAX_VALUE));
      if (!store.equals("memory")) {
        dir = Files.createTempDirectory("midge-bench-");
        StorageConfig.Sync sync = store.equals("rocksdb-always")
            ? StorageConfig.Sync.ALWAYS : StorageConfig.Sync.NEVER;
        config = config.withStorage(StorageConfig.DEFAULTS.withDataDir(dir).withSync(sync));
      }
      broker = MidgeBroker.builder().config(config).host("127.0.0.1").port(0).build().start();
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
      broker.close();
      if (dir != null) {
        try (Stream<Path> files = Files.walk(dir)) {
          for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
            Files.delete(p);
          }
        }
      }
    }
  }

  /** One publisher and its persistent subscriber. */
  @State(Scope.Thread)
  public static class Client {
    private Socket publisher;
    private Socket subscriber;
    private OutputStream out;
    private DataInputStream in;
    private Thread acker;
    private byte[] batch;
    private byte[] pubacks;
    /** A permit per message the subscriber received. */
    private final Semaphore delivered = new Semaphore(0);

    @Setup(Level.Trial)
    public void connect(Broker b) throws IOException {
      int n = b.clients.incrementAndGet();
      String topic = "bench/" + n;
      int port = b.broker.port();

      subscriber = new Socket("127.0.0.1", port);
      subscriber.setTcpNoDelay(true);
      OutputStream subOut = subscriber.getOutputStream();
      DataInputStream subIn = new DataInputStream(
          new BufferedInputStream(subscriber.getInputStream(), 64 * 1024));
      subOut.write(encode(Connect.builder(MqttVersion.V3_1_1).clientId("sub-" + n)
          .cleanStart(false).keepAlive(0).build()));
      expect(subIn, 0x20, 4);
      subOut.write(encode(new Subscribe(1,
          List.of(new Subscription(topic, MqttQos.AT_LEAST_ONCE)), Properties.EMPTY)));
      expect(subIn, 0x90, 5);
      acker = new Thread(() -> acknowledge(subIn, subOut, delivered), "bench-subscriber-" + n);
      acker.setDaemon(true);
      acker.start();

      publisher = new Socket("127.0.0.1", port);
      publisher.setTcpNoDelay(true);
      out = publisher.getOutputStream();
      in = new DataInputStream(new BufferedInputStream(publisher.getInputStream(), 64 * 1024));
      out.write(encode(Connect.builder(MqttVersion.V3_1_1).clientId("pub-" + n)
          .cleanStart(true).keepAlive(0).build()));
      expect(in, 0x20, 4);

      byte[] payload = new byte[b.payloadSize];
      Arrays.fill(payload, (byte) 'x');
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      for (int id = 1; id <= BATCH; id++) {
        all.writeBytes(encode(new Publish(topic, MqttQos.AT_LEAST_ONCE, false, false, id,
            payload, Properties.EMPTY)));
      }
      batch = all.toByteArray();
      pubacks = new byte[4 * BATCH];
    }

    @TearDown(Level.Trial)
    public void close() throws IOException, InterruptedException {
      publisher.close();
      subscriber.close();
      acker.join(5_000);
    }

    /**
     * Acknowledges every PUBLISH the subscriber gets, until its socket closes, and counts them in
     * {@code delivered}.
     */
    private static void acknowledge(DataInputStream in, OutputStream rawOut,
        Semaphore delivered) {
      int received = 0;
      try (OutputStream out = new BufferedOutputStream(rawOut, 16 * 1024)) {
        while (true) {
          int first = in.read();
          if (first < 0) {
            return;
          }
          int length = 0;
          for (int shift = 0; ; shift += 7) {
            int digit = in.readUnsignedByte();
            length |= (digit & 0x7F) << shift;
            if ((digit & 0x80) == 0) {
              break;
            }
          }
          byte[] body = new byte[length];
          in.readFully(body);
          if ((first >> 4) == 3 && ((first >> 1) & 3) == 1) { // PUBLISH, QoS 1
            int topicLength = (body[0] & 0xFF) << 8 | (body[1] & 0xFF);
            out.write(new byte[] {0x40, 0x02, body[2 + topicLength], body[3 + topicLength]});
            received++;
          }
          if (in.available() == 0) {
            out.flush();
            delivered.release(received);
            received = 0;
          }
        }
      } catch (IOException e) {
        // closed at the end of the trial
      }
    }
  }

  /**
   * {@value #BATCH} QoS 1 PUBLISH packets, their {@value #BATCH} PUBACKs, and their delivery to
   * the subscriber.
   */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void publishQos1ToPersistentSession(Client c) throws IOException, InterruptedException {
    c.out.write(c.batch);
    c.in.readFully(c.pubacks);
    c.delivered.acquire(BATCH);
  }

  private static byte[] encode(MqttPacket packet) {
    ByteBuf buf = PacketEncoder.encode(UnpooledByteBufAllocator.DEFAULT, packet,
        MqttVersion.V3_1_1);
    try {
      return ByteBufUtil.getBytes(buf);
    } finally {
      buf.release();
    }
  }

  private static void expect(InputStream in, int firstByte, int length) throws IOException {
    byte[] b = new DataInputStream(in).readNBytes(length);
    if (b.length != length || (b[0] & 0xFF) != firstByte) {
      throw new IOException("unexpected answer from the broker: " + Arrays.toString(b));
    }
  }
}
