package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.MidgeBroker;
import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.KeepAliveConfig;
import dev.midge.broker.config.LimitsConfig;
import dev.midge.broker.config.ListenerConfig;
import dev.midge.broker.config.SessionConfig;
import dev.midge.broker.connection.MqttConnection;
import dev.midge.broker.connection.PipelineNames;
import dev.midge.broker.metrics.BrokerMetrics;
import dev.midge.broker.metrics.DisconnectCause;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Pubcomp;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Pubrec;
import dev.midge.codec.packet.Pubrel;
import dev.midge.codec.packet.Suback;
import dev.midge.codec.packet.Will;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.ConnackReasonCode;
import dev.midge.codec.reason.SubackReasonCode;
import dev.midge.testkit.RawMqttConnection;
import dev.midge.testkit.RawPackets;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.Channel;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * What every conformance scenario shares: a real broker on 127.0.0.1 and an ephemeral port,
 * started per test with short timeouts, raw connections to it that are closed after the test
 * (connections first, then the broker), and the usual exchanges.
 *
 * <p>Each scenario is one class, each test runs for every protocol version its rule applies to,
 * and names in its display name the statement ids it checks, for 3.1.1 and 5.0 (3.1 has no
 * statement ids; it shares 3.1.1's rules unless a test says otherwise).
 *
 * <p>Waits are bounded: {@link #WAIT} for what must happen promptly, {@link #QUIET} as the window
 * in which something must not happen. Timing assertions leave half a second for scheduling.
 *
 * <p>Scenarios run concurrently, at most four tests at a time ({@code junit-platform.properties}):
 * every test has its own broker, port, meter registry and connections, and nothing here is
 * static and mutable.
 */
@Execution(ExecutionMode.CONCURRENT)
abstract class ConformanceScenario {
  /** The bound on anything that must happen promptly. */
  static final Duration WAIT = Duration.ofSeconds(5);
  /** How long to watch for something that must not happen. */
  static final Duration QUIET = Duration.ofMillis(300);
  /** The connect timeout configured by {@link #config()}. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
  /** Slack allowed on top of a timeout before it counts as late: scheduling on a busy machine. */
  static final Duration SLACK = Duration.ofMillis(500);

  private final Deque<AutoCloseable> resources = new ArrayDeque<>();
  MidgeBroker broker;
  SimpleMeterRegistry meters;
  /** The broker's wall clock, for stored deadlines: a scenario may move it between restarts. */
  Clock clock = Clock.systemUTC();

  @AfterEach
  void closeEverything() throws Exception {
    Exception first = null;
    while (!resources.isEmpty()) {
      try {
        resources.pop().close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  // ---- brokers ----

  /** The default keep-alive policy with a 1 s connect timeout. */
  static KeepAliveConfig keepAlive() {
    KeepAliveConfig d = KeepAliveConfig.DEFAULTS;
    return new KeepAliveConfig(d.minimum(), d.maximum(), d.outOfRange(), d.allowZero(),
        d.counting(), d.maxPacketArrival(), CONNECT_TIMEOUT);
  }

  /** A keep-alive policy with a 1 s connect timeout and bytes counting as life. */
  static KeepAliveConfig keepAlive(int min, int max, KeepAliveConfig.OutOfRange outOfRange,
      boolean allowZero) {
    return new KeepAliveConfig(min, max, outOfRange, allowZero, KeepAliveConfig.Counting.BYTES,
        KeepAliveConfig.DEFAULTS.maxPacketArrival(), CONNECT_TIMEOUT);
  }

  /** Defaults, but a 1 s connect timeout. */
  static BrokerConfig config() {
    return config(keepAlive());
  }

  /** Defaults with this keep-alive policy on the listener. */
  static BrokerConfig config(KeepAliveConfig keepAlive) {
    return BrokerConfig.defaults().withListeners(List.of(
        ListenerConfig.defaults().withKeepAlive(keepAlive)));
  }

  static BrokerConfig config(SessionConfig sessions) {
    return config().withSessions(sessions);
  }

  static BrokerConfig config(LimitsConfig limits) {
    return config().withLimits(limits);
  }

  /** Starts a broker with {@link #config()}. */
  MidgeBroker startBroker() {
    return startBroker(config());
  }

  /** Starts a broker on 127.0.0.1, port 0, with its own meter registry. */
  MidgeBroker startBroker(BrokerConfig config) {
    return startBroker(config, b -> b);
  }

  /**
   * Starts a broker on 127.0.0.1, port 0, with its own meter registry, whose message deadlines
   * follow {@code clock} (a {@link dev.midge.testkit.ManualClock} to move time by hand).
   */
  MidgeBroker startBroker(BrokerConfig config, Clock clock) {
    return startBroker(config, b -> b.clock(clock));
  }

  /**
   * Starts a broker as {@link #startBroker(BrokerConfig)} does, its builder given to {@code
   * options} first (to register enhanced-authentication mechanisms, or set a clock).
   */
  MidgeBroker startBroker(BrokerConfig config, UnaryOperator<MidgeBroker.Builder> options) {
    if (broker != null) {
      throw new IllegalStateException("one broker per test");
    }
    meters = new SimpleMeterRegistry();
    // The scenario's clock first, so that options may still replace it.
    broker = options.apply(MidgeBroker.builder().clock(clock)).config(config).host("127.0.0.1")
        .port(0).meterRegistry(meters).build().start();
    resources.push(broker);
    return broker;
  }

  /**
   * Stops the broker as {@link MidgeBroker#close()} does (its clients are disconnected) and
   * starts a new one with the same configuration, on a new port, with {@link #clock}: with a data
   * directory, on the state the first one left.
   */
  MidgeBroker restartBroker() {
    return restartBroker(broker.config());
  }

  /** As {@link #restartBroker()}, the new broker with {@code config}. */
  MidgeBroker restartBroker(BrokerConfig config) {
    MidgeBroker old = broker;
    old.close();
    resources.remove(old);
    broker = null;
    return startBroker(config);
  }

  BrokerMetrics metrics() {
    return broker.services().metrics();
  }

  /** The count of a counter in the broker's meter registry; 0 if it was never registered. */
  double counter(String name, String... tags) {
    var c = meters.find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  /** Waits until the broker has counted {@code n} disconnects for {@code cause}. */
  void awaitDisconnects(DisconnectCause cause, long n) {
    await("disconnects for " + cause.tag()).atMost(WAIT)
        .untilAsserted(() -> assertThat(metrics().disconnects(cause)).isEqualTo(n));
  }

  /** The broker's connection object for a connected client id, for checking its state. */
  MqttConnection connectionOf(String clientId) {
    return await("connection of " + clientId).atMost(WAIT).until(() -> {
      for (Channel ch : broker.services().channels()) {
        if (ch.pipeline().get(PipelineNames.CONNECTION) instanceof MqttConnection c
            && c.clientId().equals(clientId) && ch.isActive()) {
          return c;
        }
      }
      return null;
    }, c -> c != null);
  }

  // ---- connections ----

  /** A TCP connection to the broker that has sent nothing yet. */
  RawMqttConnection open(MqttVersion version) {
    RawMqttConnection c = RawMqttConnection.open(broker.port(), version);
    resources.push(c);
    return c;
  }

  /** A TCP connection to the broker's listener {@code index} (0 the first) that sent nothing. */
  RawMqttConnection open(int index, MqttVersion version) {
    RawMqttConnection c = RawMqttConnection.open(broker.port(index), version);
    resources.push(c);
    return c;
  }

  /** Closes {@code resource} after the test, whatever its outcome. */
  <T extends AutoCloseable> T closeAfter(T resource) {
    resources.push(resource);
    return resource;
  }

  /** A connected client: clean start, keep alive 0 (never timed out), no will. */
  RawMqttConnection client(MqttVersion version, String clientId) {
    return client(version, clientId, 0, null);
  }

  /** A connected client with clean start; asserts the CONNACK accepted it. */
  RawMqttConnection client(MqttVersion version, String clientId, int keepAlive,
      @Nullable Will will) {
    RawMqttConnection c = open(version);
    assertAccepted(c.connect(clientId, keepAlive, true, will));
    return c;
  }

  /** A connected client sending {@code connect}; asserts the CONNACK accepted it. */
  RawMqttConnection client(Connect connect) {
    RawMqttConnection c = open(connect.version());
    assertAccepted(c.connect(connect));
    return c;
  }

  /** A clean client subscribed to one filter, the QoS granted as asked. */
  RawMqttConnection subscriber(MqttVersion version, String clientId, String filter, MqttQos qos) {
    RawMqttConnection c = client(version, clientId);
    Suback suback = c.subscribe(1, filter, qos);
    assertThat(suback.reasonCodes()).containsExactly(SubackReasonCode.of(qos.value()));
    return c;
  }

  /**
   * A CONNECT asking for a session that outlives the connection: clean session 0 in 3.x, clean
   * start 0 with a session expiry of 5 minutes in 5.0.
   */
  static Connect persistent(MqttVersion version, String clientId) {
    Connect.Builder b = Connect.builder(version).clientId(clientId).keepAlive(0).cleanStart(false);
    if (version.isV5()) {
      b.properties(Properties.builder().sessionExpiryInterval(300).build());
    }
    return b.build();
  }

  static void assertAccepted(Connack connack) {
    assertThat(connack.reasonCode()).as("CONNACK reason code").isEqualTo(ConnackReasonCode.SUCCESS);
  }

  /**
   * Checks that the broker still serves clients: a fresh subscriber and publisher of {@code
   * version} exchange a QoS 1 message.
   */
  void assertBrokerStillServes(MqttVersion version) {
    RawMqttConnection sub = subscriber(version, "still-alive-sub", "still/alive", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(version, "still-alive-pub");
    pub.send(publish("still/alive", MqttQos.AT_LEAST_ONCE, 1, "yes"));
    assertThat(pub.expect(Puback.class, WAIT).packetId()).isEqualTo(1);
    Publish p = sub.expect(Publish.class, WAIT);
    assertThat(text(p.payload())).isEqualTo("yes");
    sub.send(new Puback(p.packetId()));
  }

  // ---- messages ----

  static Publish publish(String topic, MqttQos qos, int packetId, String payload) {
    return new Publish(topic, qos, false, false, qos == MqttQos.AT_MOST_ONCE ? 0 : packetId,
        bytes(payload), Properties.EMPTY);
  }

  static Publish retained(String topic, MqttQos qos, int packetId, String payload) {
    return publish(topic, qos, packetId, payload).withRetain(true);
  }

  /**
   * Completes the acknowledgement of a PUBLISH the broker sent: PUBACK for QoS 1; PUBREC, the
   * broker's PUBREL, PUBCOMP for QoS 2; nothing for QoS 0.
   */
  static void acknowledge(RawMqttConnection c, Publish p) {
    switch (p.qos()) {
      case AT_MOST_ONCE -> { }
      case AT_LEAST_ONCE -> c.send(new Puback(p.packetId()));
      case EXACTLY_ONCE -> {
        c.send(new Pubrec(p.packetId()));
        assertThat(c.expect(Pubrel.class, WAIT).packetId()).isEqualTo(p.packetId());
        c.send(new Pubcomp(p.packetId()));
      }
    }
  }

  /**
   * Every PUBLISH the broker sends until it has been quiet for {@link #QUIET}, each acknowledged
   * as its QoS asks (QoS 2 flows may interleave with later messages); fails on any other packet
   * and on a QoS 2 flow the broker leaves unfinished.
   */
  static List<Publish> drain(RawMqttConnection c) {
    List<Publish> got = new java.util.ArrayList<>();
    java.util.Set<Integer> awaitingPubrel = new java.util.LinkedHashSet<>();
    while (true) {
      Object o = c.receiveAny(QUIET);
      if (o == null) {
        assertThat(awaitingPubrel).as("QoS 2 flows without PUBREL on " + c).isEmpty();
        return got;
      }
      if (o instanceof Pubrel rel) {
        assertThat(awaitingPubrel.remove(rel.packetId()))
            .as("PUBREL %d answers a PUBREC on %s", rel.packetId(), c).isTrue();
        c.send(new Pubcomp(rel.packetId()));
        continue;
      }
      assertThat(o).as("only PUBLISH expected on " + c + ", after " + got).isInstanceOf(Publish.class);
      Publish p = (Publish) o;
      got.add(p);
      switch (p.qos()) {
        case AT_MOST_ONCE -> { }
        case AT_LEAST_ONCE -> c.send(new Puback(p.packetId()));
        case EXACTLY_ONCE -> {
          awaitingPubrel.add(p.packetId());
          c.send(new Pubrec(p.packetId()));
        }
      }
    }
  }

  static List<String> topics(List<Publish> publishes) {
    return publishes.stream().map(Publish::topic).toList();
  }

  static List<String> payloads(List<Publish> publishes) {
    return publishes.stream().map(p -> text(p.payload())).toList();
  }

  /**
   * Publishes from a client as far as its flow goes: PUBACK, or PUBREC/PUBREL/PUBCOMP; for QoS 0,
   * which has no acknowledgement, a PINGREQ round trip, so that the broker has processed the
   * PUBLISH (packets of one connection are handled in order) when this returns.
   */
  static void publishFully(RawMqttConnection c, Publish p) {
    c.send(p);
    switch (p.qos()) {
      case AT_MOST_ONCE -> c.ping(WAIT);
      case AT_LEAST_ONCE -> assertThat(c.expect(Puback.class, WAIT).packetId())
          .isEqualTo(p.packetId());
      case EXACTLY_ONCE -> {
        assertThat(c.expect(Pubrec.class, WAIT).packetId()).isEqualTo(p.packetId());
        c.send(new Pubrel(p.packetId()));
        assertThat(c.expect(Pubcomp.class, WAIT).packetId()).isEqualTo(p.packetId());
      }
    }
  }

  /**
   * A CONNECT written byte by byte, for flags and names the encoder will not produce: protocol
   * name and level, connect flags, keep alive, an empty property list when {@code v5}, then the
   * payload fields as given (use {@link RawPackets#utf8} for strings).
   */
  static byte[] rawConnect(String protocolName, int level, int flags, boolean v5,
      byte[]... payload) {
    return RawPackets.frame(0x10, RawPackets.utf8(protocolName), RawPackets.bytes(level, flags),
        RawPackets.u16(0), v5 ? RawPackets.bytes(0) : new byte[0], RawPackets.concat(payload));
  }

  /** A CONNECT of {@code version} written by hand with these connect flags. */
  static byte[] rawConnect(MqttVersion version, int flags, byte[]... payload) {
    return rawConnect(version.protocolName(), version.level(), flags, version.isV5(), payload);
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  static Duration millis(long ms) {
    return Duration.ofMillis(ms);
  }

  static Duration seconds(double s) {
    return Duration.ofMillis(Math.round(s * 1000));
  }
}
