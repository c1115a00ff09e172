package dev.midge.broker.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.MidgeBroker;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.Pingreq;
import dev.midge.codec.packet.Pingresp;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Suback;
import dev.midge.codec.packet.Subscribe;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.ConnackReasonCode;
import dev.midge.codec.reason.DisconnectReasonCode;
import dev.midge.testkit.RawMqttConnection;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The broker's in-JVM listener: a {@code LocalChannel} client reaches the same broker, through the
 * same pipeline, as a TCP client, and the keep-alive deadline holds there too.
 */
class LocalTransportTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static EventLoopGroup clients;

  private MidgeBroker broker;
  private LocalAddress address;

  @BeforeAll
  static void clientLoops() {
    clients = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
  }

  @AfterAll
  static void stopClientLoops() {
    clients.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @BeforeEach
  void start() {
    address = new LocalAddress("midge-local-test-" + UUID.randomUUID());
    broker = MidgeBroker.builder().port(0).localAddress(address).build().start();
  }

  @AfterEach
  void stop() {
    broker.close();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("A local client connects, pings, and exchanges messages with a TCP client")
  void localClient_whenConnected_thenSameBrokerAsTcp(MqttVersion version) {
    assertThat(broker.localAddress()).isEqualTo(address);
    NettyMqttClient local = NettyMqttClient.open(clients, address, version);
    local.connect("local-1", version, 30);
    assertThat(local.expect(Connack.class, WAIT).reasonCode()).isEqualTo(ConnackReasonCode.SUCCESS);
    local.send(new Subscribe(1, List.of(new Subscription("from-tcp/#", MqttQos.AT_MOST_ONCE)),
        Properties.EMPTY));
    assertThat(local.expect(Suback.class, WAIT).packetId()).isEqualTo(1);
    local.send(Pingreq.INSTANCE);
    local.expect(Pingresp.class, WAIT); // MQTT-3.12.4-1

    try (RawMqttConnection tcp = RawMqttConnection.open(broker.port(), version)) {
      tcp.connect("tcp-1", version, 30, true, null);
      tcp.subscribe(1, "from-local/#", MqttQos.AT_MOST_ONCE);

      tcp.send(Publish.atMostOnce("from-tcp/a", "over tcp".getBytes(StandardCharsets.UTF_8)));
      Publish got = local.expect(Publish.class, WAIT);
      assertThat(got.topic()).isEqualTo("from-tcp/a");
      assertThat(new String(got.payload(), StandardCharsets.UTF_8)).isEqualTo("over tcp");

      local.send(Publish.atMostOnce("from-local/b", "in-JVM".getBytes(StandardCharsets.UTF_8)));
      Publish back = tcp.expect(Publish.class, WAIT);
      assertThat(back.topic()).isEqualTo("from-local/b");
      assertThat(new String(back.payload(), StandardCharsets.UTF_8)).isEqualTo("in-JVM");
    }
    local.close();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("A local connection's pipeline is a TCP connection's, handler for handler")
  void pipeline_whenLocalAndTcpConnected_thenSameHandlers(MqttVersion version) {
    NettyMqttClient local = NettyMqttClient.open(clients, address, version);
    local.connect("local-1", version, 30);
    local.expect(Connack.class, WAIT);
    try (RawMqttConnection tcp = RawMqttConnection.open(broker.port(), version)) {
      tcp.connect("tcp-1", version, 30, true, null);

      Channel localServerSide = serverSide(true);
      Channel tcpServerSide = serverSide(false);
      assertThat(handlerNames(localServerSide)).isEqualTo(handlerNames(tcpServerSide))
          .contains("keep-alive", "mqtt-decoder", "mqtt-connection");
    }
    local.close();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.2-24 (3.1.1) / MQTT-3.1.2-22 (5.0) over the local transport: a silent"
      + " client is closed between 1.5 × and 1.5 × keep alive + 250 ms after its last byte")
  void silentLocalClient_whenOneAndAHalfKeepAlivesPass_thenClosed(MqttVersion version) {
    NettyMqttClient local = NettyMqttClient.open(clients, address, version);
    local.connect("silent", version, 1);
    local.expect(Connack.class, WAIT);
    Duration limit = Duration.ofMillis(1500);

    await().atMost(limit.plus(WAIT)).pollInterval(Duration.ofMillis(20))
        .until(local::isClosed);

    assertThat(local.closedAfterLastSend()).isBetween(limit, limit.plusMillis(250));
    if (version.isV5()) {
      assertThat(local.expect(Disconnect.class, Duration.ZERO).reasonCode())
          .isEqualTo(DisconnectReasonCode.KEEP_ALIVE_TIMEOUT);
    }
  }

  private Channel serverSide(boolean local) {
    return broker.services().channels().stream()
        .filter(c -> (c instanceof LocalChannel) == local)
        .findFirst().orElseThrow();
  }

  private static List<String> handlerNames(Channel ch) {
    return ch.pipeline().names().stream().filter(n -> !n.startsWith("DefaultChannelPipeline"))
        .toList();
  }
}
