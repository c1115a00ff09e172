package dev.midge.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.midge.broker.MidgeBroker;
import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.SessionConfig;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Short runs of every scenario against an in-process Midge broker: the generator's accounting
 * (sent, acknowledged, received, expected) must add up, and a broker that loses nothing must show
 * nothing lost. Speeds are not asserted (benchmarks measure speed, tests check behaviour).
 */
class LoadGeneratorTest {
  private static MidgeBroker broker;

  @BeforeAll
  static void start() {
    // Room for every message a fast publisher can queue: lossless runs must lose nothing.
    BrokerConfig config = BrokerConfig.defaults()
        .withSessions(new SessionConfig(32, 10_000_000, false));
    broker = MidgeBroker.builder().config(config).port(0).build().start();
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private static LoadSpec.Builder spec(Scenario scenario) {
    return LoadSpec.builder(scenario).port(broker.port()).threads(1)
        .warmup(Duration.ofMillis(200)).duration(Duration.ofMillis(600))
        .drainTimeout(Duration.ofSeconds(10)).brokerPid(ProcessHandle.current().pid());
  }

  @ParameterizedTest
  @EnumSource(MqttQos.class)
  void fanIn_whenTheBrokerKeepsUp_thenEveryAcknowledgedMessageArrivesOnce(MqttQos qos)
      throws Exception {
    LoadResult r = new LoadGenerator(spec(Scenario.FAN_IN).qos(qos).publishers(3)
        .inflight(16).build()).run(p -> { });

    assertThat(r.sent()).isPositive();
    if (qos != MqttQos.AT_MOST_ONCE) {
      assertThat(r.acknowledged()).isEqualTo(r.sent());
      assertThat(r.lost()).isZero();
      assertThat(r.duplicates()).isZero();
    }
    assertThat(r.expected()).isEqualTo(qos == MqttQos.AT_MOST_ONCE ? r.sent() : r.acknowledged());
    assertThat(r.latency()).isNotNull();
    assertThat(r.latency().count()).isPositive();
    assertThat(r.latency().p99()).isGreaterThanOrEqualTo(r.latency().p50());
    assertThat(r.errors()).isEmpty();
    assertThat(r.brokerCpuPercent()).isNotNull();
  }

  @Test
  void fanIn_whenTheBrokerDropsForAFullQueue_thenLostIsWhatTheBrokerCountedAsDropped()
      throws Exception {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    BrokerConfig config = BrokerConfig.defaults().withSessions(new SessionConfig(32, 50, false));
    try (MidgeBroker small = MidgeBroker.builder().config(config).port(0).meterRegistry(meters)
        .build().start()) {
      LoadResult r = new LoadGenerator(spec(Scenario.FAN_IN).port(small.port())
          .qos(MqttQos.AT_LEAST_ONCE).publishers(4).inflight(64).build()).run(p -> { });

      Counter dropped = meters.find("midge.messages.dropped").tag("cause", "queue-full")
          .counter();
      long droppedCount = dropped == null ? 0 : (long) dropped.count();
      assertThat(r.lost()).isEqualTo(droppedCount);
      assertThat(r.received() + r.lost()).isEqualTo(r.expected());
    }
  }

  @Test
  void fanOut_whenEightSubscribe_thenEachGetsEveryMessage() throws Exception {
    LoadResult r = new LoadGenerator(spec(Scenario.FAN_OUT).qos(MqttQos.AT_LEAST_ONCE)
        .subscribers(4).build()).run(p -> { });

    assertThat(r.expected()).isEqualTo(4 * r.acknowledged());
    assertThat(r.received()).isEqualTo(r.expected());
  }

  @Test
  void pairs_whenQos2_thenExactlyOncePerPair() throws Exception {
    LoadResult r = new LoadGenerator(spec(Scenario.PAIRS).qos(MqttQos.EXACTLY_ONCE).pairs(3)
        .version(MqttVersion.V5).build()).run(p -> { });

    assertThat(r.acknowledged()).isEqualTo(r.sent()).isPositive();
    assertThat(r.received()).isEqualTo(r.acknowledged());
  }

  @Test
  void pacedRun_whenRateGiven_thenSendsAboutThatRateAndReportsProgress() throws Exception {
    List<Progress> seen = new ArrayList<>();
    LoadResult r = new LoadGenerator(spec(Scenario.FAN_IN).publishers(2).rate(2000)
        .duration(Duration.ofMillis(1500)).build()).run(seen::add);

    // 2,000 msg/s for 1.7 s in all, give or take the scheduling of the first and last tick.
    assertThat(r.sent()).isBetween(2000L, 4000L);
    assertThat(r.sendRate()).isBetween(1000.0, 3000.0);
    assertThat(seen).isNotEmpty();
    assertThat(seen.get(0).line()).contains("conn");
    assertThat(r.toJson()).startsWith("{\"scenario\":\"fan-in\"").contains("\"latencyMillis\"");
  }

  @Test
  void storm_whenConnectionsOpen_thenCountsThemAndTheBrokersMemory() throws Exception {
    LoadResult r = new LoadGenerator(spec(Scenario.STORM).connections(200)
        .hold(Duration.ofMillis(100)).build()).run(p -> { });

    assertThat(r.storm()).isNotNull();
    assertThat(r.storm().connected()).isEqualTo(200);
    assertThat(r.storm().connectsPerSecond()).isPositive();
    assertThat(r.storm().rssPerConnection()).isNotNull();
    assertThat(r.toJson()).contains("\"storm\":{\"attempted\":200,\"connected\":200");
    // CPU over the storm, the broker's too (its PID is this process's here).
    assertThat(r.generatorCpuPercent()).isNotNull().isNotNegative();
    assertThat(r.brokerCpuPercent()).isNotNull().isNotNegative();
    assertThat(r.toJson()).contains("\"generatorCpuPercent\":").contains("\"brokerCpuPercent\":");
    // The warm-up (200 ms here) opened and closed the same storm at least once first.
    assertThat(r.storm().warmupConnections()).isPositive().isEqualTo(
        r.storm().warmupConnections() / 200 * 200);
    assertThat(r.errors()).isEmpty();
  }

  @Test
  void storm_whenNoWarmup_thenMeetsTheBrokerCold() throws Exception {
    LoadResult r = new LoadGenerator(spec(Scenario.STORM).connections(100).warmup(Duration.ZERO)
        .hold(Duration.ofMillis(100)).build()).run(p -> { });

    assertThat(r.storm().connected()).isEqualTo(100);
    assertThat(r.storm().warmupConnections()).isZero();
    assertThat(r.toJson()).contains("\"warmupConnections\":0");
  }

  @Test
  void keepAlive_whenClientsGoSilent_thenTheBrokerClosesThemAfterOneAndAHalfKeepAlive()
      throws Exception {
    LoadResult r = new LoadGenerator(spec(Scenario.KEEPALIVE).connections(20).keepAlive(1)
        .version(MqttVersion.V5).build()).run(p -> { });

    LoadResult.KeepAliveTimes ka = r.keepAlive();
    assertThat(ka).isNotNull();
    assertThat(ka.closedByBroker()).isEqualTo(20);
    assertThat(ka.expectedSeconds()).isEqualTo(1.5);
    assertThat(ka.minSeconds()).isGreaterThanOrEqualTo(1.5);
    assertThat(ka.disconnectReasons()).containsEntry("0x8D", 20);
  }

  @Test
  void run_whenNothingListens_thenFailsWithTheAddress() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    LoadSpec s = LoadSpec.builder(Scenario.FAN_IN).port(port).build();
    assertThatThrownBy(() -> new LoadGenerator(s).run(p -> { }))
        .isInstanceOf(LoadException.class).hasMessageContaining("127.0.0.1:" + port);
  }

  @Test
  void spec_whenPayloadTooSmall_thenRefused() {
    assertThatThrownBy(() -> LoadSpec.builder(Scenario.FAN_IN).payloadSize(8).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("payload");
  }
}
