package dev.midge.broker.keepalive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.MidgeBroker;
import dev.midge.broker.metrics.DisconnectCause;
import dev.midge.broker.transport.NettyMqttClient;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Pingreq;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Subscribe;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.property.Properties;
import dev.midge.testkit.RawMqttConnection;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * No false timeouts under load: clients whose PINGREQs reach the broker's socket in time are not
 * dropped while the broker is too busy to read them.
 *
 * <p>The broker is saturated two ways at once. A publisher floods QoS 0 messages to a subscriber
 * that never reads (its socket fills, the broker queues and drops for it), which keeps the event
 * loops busy decoding and routing. And every event loop that serves a pinging client is blocked for
 * 2.5 s inside a read (a handler on one extra connection per loop sleeps when that connection
 * sends a byte): across that time each pinger's deadline (1.5 s after its last PINGREQ read)
 * passes while its next PINGREQ, sent on time, waits unread in the socket. When the loop resumes,
 * the deadline's check runs before the loop's next round of reads, finds 2.5 s of silence, and
 * must look once more after those reads (KeepAliveHandler's confirmation) before it disconnects.
 *
 * <p>A control client on the same loops stops pinging before the block: it must be timed out, so
 * the block really did span the deadlines.
 */
@Isolated
class KeepAliveUnderLoadTest {
  private static final int PINGERS = 16;
  private static final int KEEP_ALIVE = 1;
  private static final Duration BLOCK = Duration.ofMillis(2500);
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  @DisplayName("MQTT-3.1.2-24, no false timeout under load: clients pinging every keep alive stay"
      + " connected while a publish flood and blocked event loops keep their PINGREQs unread past"
      + " their deadlines; a client that stopped pinging is still timed out")
  void pingingClients_whenBrokerSaturated_thenNoneTimedOut() throws Exception {
    EventLoopGroup clientLoop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    ScheduledExecutorService pinging = Executors.newSingleThreadScheduledExecutor();
    AtomicBoolean flooding = new AtomicBoolean(true);
    List<AutoCloseable> toClose = new ArrayList<>();
    try (MidgeBroker broker = MidgeBroker.builder().port(0).build().start()) {
      InetSocketAddress address = new InetSocketAddress("127.0.0.1", broker.port());

      // The flood: a subscriber that never reads, and a publisher that sends as fast as it can.
      Socket slow = new Socket("127.0.0.1", broker.port());
      toClose.add(slow);
      slow.setReceiveBufferSize(4096);
      OutputStream slowOut = slow.getOutputStream();
      slowOut.write(RawMqttConnection.encode(Connect.builder(MqttVersion.V3_1_1)
          .clientId("slow-subscriber").keepAlive(0).cleanStart(true).build(), MqttVersion.V3_1_1));
      slowOut.write(RawMqttConnection.encode(new Subscribe(1,
          List.of(new Subscription("flood/#", MqttQos.AT_MOST_ONCE)), Properties.EMPTY),
          MqttVersion.V3_1_1));
      slowOut.flush();
      RawMqttConnection publisher = RawMqttConnection.open(broker.port(), MqttVersion.V3_1_1);
      toClose.add(publisher);
      publisher.connect("flood-publisher", 0, true);
      byte[] message = RawMqttConnection.encode(
          Publish.atMostOnce("flood/a", new byte[1024]), MqttVersion.V3_1_1);
      byte[] burst = new byte[message.length * 64];
      for (int i = 0; i < 64; i++) {
        System.arraycopy(message, 0, burst, i * message.length, message.length);
      }
      AtomicLong published = new AtomicLong();
      Thread flood = new Thread(() -> {
        while (flooding.get()) {
          try {
            publisher.sendRaw(burst);
            published.addAndGet(64);
          } catch (UncheckedIOException e) {
            return;
          }
        }
      }, "flood-publisher");
      flood.setDaemon(true);
      flood.start();

      // The pingers, and the control client that will fall silent.
      // MQTT-3.1.2-23: each sends PINGREQ every keep alive from its CONNACK on, on a thread of the
      // test's, not the broker's.
      List<NettyMqttClient> pingers = new ArrayList<>();
      for (int i = 0; i < PINGERS; i++) {
        NettyMqttClient c = NettyMqttClient.openTcp(clientLoop, address, MqttVersion.V3_1_1);
        c.connect("pinger-" + i, MqttVersion.V3_1_1, KEEP_ALIVE);
        c.expect(Connack.class, WAIT);
        pinging.scheduleAtFixedRate(() -> c.send(Pingreq.INSTANCE), KEEP_ALIVE * 1000L,
            KEEP_ALIVE * 1000L, TimeUnit.MILLISECONDS);
        pingers.add(c);
      }
      NettyMqttClient quitter = NettyMqttClient.openTcp(clientLoop, address, MqttVersion.V3_1_1);
      quitter.connect("quitter", MqttVersion.V3_1_1, KEEP_ALIVE);
      quitter.expect(Connack.class, WAIT);
      AtomicBoolean quitterPings = new AtomicBoolean(true);
      pinging.scheduleAtFixedRate(() -> {
        if (quitterPings.get()) {
          quitter.send(Pingreq.INSTANCE);
        }
      }, KEEP_ALIVE * 1000L, KEEP_ALIVE * 1000L, TimeUnit.MILLISECONDS);

      // One blocking connection on each event loop that serves a pinger or the quitter.
      Set<EventLoop> loops = pingers.stream().map(c -> serverSide(broker, c.channel()).eventLoop())
          .collect(Collectors.toSet());
      loops.add(serverSide(broker, quitter.channel()).eventLoop());
      Map<EventLoop, RawMqttConnection> blockers = new HashMap<>();
      for (int i = 0; blockers.size() < loops.size() && i < 64; i++) {
        RawMqttConnection b = RawMqttConnection.open(broker.port(), MqttVersion.V3_1_1);
        toClose.add(b);
        b.connect("blocker-" + i, 0, true);
        Channel ch = serverSide(broker, b.localPort());
        if (loops.contains(ch.eventLoop()) && !blockers.containsKey(ch.eventLoop())) {
          ch.eventLoop().submit(() -> ch.pipeline().addFirst("test-block",
              new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
                  Thread.sleep(BLOCK.toMillis()); // the loop reads nothing else meanwhile
                  ctx.fireChannelRead(msg);
                }
              })).sync();
          blockers.put(ch.eventLoop(), b);
        }
      }
      assertThat(blockers.keySet()).as("a blocker on every loop").isEqualTo(loops);

      // Two keep-alive periods of pinging under the flood, then the quitter stops and every loop
      // blocks; then three more periods.
      Duration twoPeriods = Duration.ofMillis(2 * KEEP_ALIVE * 1000L);
      await().during(twoPeriods).atMost(twoPeriods.plus(WAIT))
          .until(() -> pingers.stream().noneMatch(NettyMqttClient::isClosed));
      quitterPings.set(false);
      for (RawMqttConnection b : blockers.values()) {
        b.send(Pingreq.INSTANCE);
      }
      await().during(BLOCK.plusSeconds(3)).atMost(BLOCK.plusSeconds(3).plus(WAIT))
          .until(() -> pingers.stream().noneMatch(NettyMqttClient::isClosed));

      await().atMost(WAIT).until(quitter::isClosed);
      assertThat(quitter.closedAfterLastSend()).as("the quitter: timed out after the block")
          .isGreaterThanOrEqualTo(Duration.ofMillis(1500L * KEEP_ALIVE));
      assertThat(pingers).as("pingers closed").noneMatch(NettyMqttClient::isClosed);
      assertThat(broker.services().metrics().disconnects(DisconnectCause.KEEP_ALIVE_TIMEOUT))
          .as("keep-alive timeouts: the quitter only").isEqualTo(1);
      assertThat(published.get()).as("messages flooded").isGreaterThan(1000);
    } finally {
      flooding.set(false);
      pinging.shutdownNow();
      for (AutoCloseable c : toClose) {
        try {
          c.close();
        } catch (IOException | RuntimeException e) {
          // closing after the broker stopped
        }
      }
      clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  private static Channel serverSide(MidgeBroker broker, Channel client) {
    return serverSide(broker, ((InetSocketAddress) client.localAddress()).getPort());
  }

  private static Channel serverSide(MidgeBroker broker, int clientPort) {
    return broker.services().channels().stream()
        .filter(c -> c.remoteAddress() instanceof InetSocketAddress a && a.getPort() == clientPort)
        .findFirst().orElseThrow(() -> new AssertionError("no server side for client port "
            + clientPort + " among " + broker.services().channels().stream()
            .map(Channel::remoteAddress).toList()));
  }
}
