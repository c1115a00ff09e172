package dev.midge.broker.keepalive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.MidgeBroker;
import dev.midge.broker.metrics.DisconnectCause;
import dev.midge.broker.transport.NettyMqttClient;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.MqttPacket;
import dev.midge.codec.reason.ConnackReasonCode;
import dev.midge.codec.reason.DisconnectReasonCode;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.nio.NioIoHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Keep-alive precision with thousands of silent clients at once: each is closed no earlier than
 * 1.5 × its keep alive after the last byte it sent, and at most 250 ms later, measured from the
 * client's side (the channel's close against the time just before its last packet was handed to
 * the channel). Keep alives of 1, 2 and 3 s are mixed, and MQTT 3.1.1 with 5.0, so that deadlines
 * fall all over the run while other clients still connect.
 *
 * <p>Clients connect in waves of 100 every 100 ms (1,000 a second, as devices coming online), after
 * a warm-up of 200 clients that time out first: in a fresh JVM the first connections and timeouts
 * load and compile their code on the event loops, which made the first client up to a second late.
 *
 * <p>What is left of the lateness on this 2-core machine, shared with other builds (load average
 * 8 to 11 while it was written), is not the timer: Netty's scheduler fires within a millisecond
 * (epoll's timerfd, or a parked thread on the local transport), the confirmation round adds about
 * one, and the median stays at 2 to 4 ms. The tail, up to about 240 ms in the worst runs, came in
 * clusters of closes at the same instant, which matched young-generation GC pauses of 100 to 300
 * ms in this JVM (GC threads starved of CPU by the other processes), not anything per connection.
 *
 * <p>Hence the build runs this class alone in a JVM of its own with ZGC (midge-broker's pom,
 * execution {@code keep-alive-timing}), whose pauses stay under a millisecond, as a broker that
 * promises such bounds should be run. Isolated as well, in case it is run in a shared JVM. The
 * figures of each run go to the test's standard output.
 */
@Isolated
class KeepAlivePrecisionTest {
  private static final int CLIENTS = 2000;
  private static final int WARM_UP = 200;
  private static final int WAVE = 100;
  private static final long WAVE_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final long BOUND_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
  private static final Duration WAIT = Duration.ofSeconds(10);

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"local", "tcp"})
  @DisplayName("MQTT-3.1.2-24 (3.1.1) / MQTT-3.1.2-22 (5.0): 2,000 silent clients, keep alive 1 to"
      + " 3 s, each closed between 1.5 × keep alive and 1.5 × keep alive + 250 ms after its last"
      + " byte")
  void silentClients_whenThousandsAtOnce_thenEachClosedWithin250msOfItsDeadline(String transport,
      TestReporter reporter) {
    boolean local = transport.equals("local");
    LocalAddress address = new LocalAddress("precision-" + UUID.randomUUID());
    EventLoopGroup clientLoop = new MultiThreadIoEventLoopGroup(1,
        local ? LocalIoHandler.newFactory() : NioIoHandler.newFactory());
    List<NettyMqttClient> clients = new ArrayList<>(CLIENTS);
    int[] keepAlives = new int[CLIENTS];
    try (MidgeBroker broker = MidgeBroker.builder().port(0).localAddress(address).build()
        .start()) {
      InetSocketAddress tcp = new InetSocketAddress("127.0.0.1", broker.port());
      // Warm-up: the first connections and timeouts of a fresh JVM load and compile the code they
      // run, on the event loop, which once took a second here. Measured are the clients after.
      List<NettyMqttClient> warmUp = new ArrayList<>();
      for (int i = 0; i < WARM_UP; i++) {
        MqttVersion version = i % 2 == 0 ? MqttVersion.V3_1_1 : MqttVersion.V5;
        NettyMqttClient c = local
            ? NettyMqttClient.open(clientLoop, address, version)
            : NettyMqttClient.openTcp(clientLoop, tcp, version);
        c.connect("warm-up-" + i, version, 1);
        warmUp.add(c);
      }
      await().atMost(Duration.ofMillis(1500).plus(WAIT)).pollInterval(Duration.ofMillis(100))
          .until(() -> warmUp.stream().allMatch(NettyMqttClient::isClosed));

      long startNanos = System.nanoTime();
      for (int i = 0; i < CLIENTS; i++) {
        MqttVersion version = i % 2 == 0 ? MqttVersion.V3_1_1 : MqttVersion.V5;
        keepAlives[i] = 1 + i % 3;
        NettyMqttClient c = local
            ? NettyMqttClient.open(clientLoop, address, version)
            : NettyMqttClient.openTcp(clientLoop, tcp, version);
        c.connect("silent-" + i, version, keepAlives[i]);
        clients.add(c);
        if (i % WAVE == WAVE - 1) { // in waves, as devices come online: 1,000 a second
          for (int j = i - WAVE + 1; j <= i; j++) {
            assertThat(clients.get(j).expect(Connack.class, WAIT).reasonCode())
                .isEqualTo(ConnackReasonCode.SUCCESS);
          }
          long next = startNanos + (i + 1) / WAVE * WAVE_INTERVAL_NANOS;
          LockSupport.parkNanos(next - System.nanoTime());
        }
      }

      await().atMost(Duration.ofMillis(4500).plus(WAIT)).pollInterval(Duration.ofMillis(100))
          .until(() -> clients.stream().allMatch(NettyMqttClient::isClosed));

      long[] lateness = new long[CLIENTS];
      for (int i = 0; i < CLIENTS; i++) {
        NettyMqttClient c = clients.get(i);
        lateness[i] = c.closedNanos() - c.lastSentNanos()
            - TimeUnit.MILLISECONDS.toNanos(1500L * keepAlives[i]);
      }
      String stats = stats(lateness) + worst(lateness, clients, keepAlives, startNanos);
      reporter.publishEntry("lateness " + transport, stats);
      System.out.println("KeepAlivePrecisionTest " + transport + " (JVM uptime at start "
          + (java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime()
          - (System.nanoTime() - startNanos) / 1_000_000) + " ms): " + stats);
      long early = Arrays.stream(lateness).filter(l -> l < 0).count();
      long late = Arrays.stream(lateness).filter(l -> l > BOUND_NANOS).count();
      assertThat(early).as("closed before 1.5 × keep alive; " + stats).isZero();
      assertThat(late).as("closed more than 250 ms after 1.5 × keep alive; " + stats).isZero();

      for (int i = 1; i < CLIENTS; i += 2) { // MQTT 5: told why first (0x8D)
        MqttPacket p = clients.get(i).poll(Duration.ZERO);
        assertThat(p).isInstanceOf(Disconnect.class);
        assertThat(((Disconnect) p).reasonCode()).isEqualTo(DisconnectReasonCode.KEEP_ALIVE_TIMEOUT);
      }
      assertThat(broker.services().metrics().disconnects(DisconnectCause.KEEP_ALIVE_TIMEOUT))
          .isEqualTo(WARM_UP + CLIENTS);
    } finally {
      clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  /** The five latest closes: which client, its keep alive, when it was closed in the run. */
  private static String worst(long[] lateness, List<NettyMqttClient> clients, int[] keepAlives,
      long startNanos) {
    Integer[] order = new Integer[lateness.length];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, (a, b) -> Long.compare(lateness[b], lateness[a]));
    StringBuilder b = new StringBuilder("; latest:");
    for (int k = 0; k < Math.min(5, order.length); k++) {
      int i = order[k];
      b.append(String.format(" #%d (keep alive %d s, last packet handed over at %d ms, written at"
              + " %d ms, closed at %d ms, %.1f ms late)", i, keepAlives[i],
          (clients.get(i).lastSentNanos() - startNanos) / 1_000_000,
          (clients.get(i).lastWrittenNanos() - startNanos) / 1_000_000,
          (clients.get(i).closedNanos() - startNanos) / 1_000_000, lateness[i] / 1e6));
    }
    return b.toString();
  }

  /** Lateness in milliseconds: min, median, p99, max. */
  static String stats(long[] latenessNanos) {
    long[] s = latenessNanos.clone();
    Arrays.sort(s);
    return String.format("lateness ms over %d clients: min %.1f, median %.1f, p99 %.1f, max %.1f",
        s.length, s[0] / 1e6, s[s.length / 2] / 1e6, s[(int) (s.length * 0.99)] / 1e6,
        s[s.length - 1] / 1e6);
  }
}
