package dev.midge.broker.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.MidgeBroker;
import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.SessionConfig;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.property.Properties;
import dev.midge.testkit.RawMqttConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code GET /metrics}: the broker's meters in Prometheus' text format, against a running broker. */
class MetricsEndpointTest {
  private MidgeBroker broker;
  private AdminHttp http;
  private final List<RawMqttConnection> clients = new ArrayList<>();

  private void start(BrokerConfig config) {
    broker = MidgeBroker.builder().config(config).host("127.0.0.1").port(0).httpPort(0).build()
        .start();
    http = new AdminHttp(broker.httpPort());
  }

  @AfterEach
  void stop() {
    clients.forEach(RawMqttConnection::close);
    if (broker != null) {
      broker.close();
    }
  }

  private RawMqttConnection connect(String clientId, int keepAlive, boolean cleanStart) {
    RawMqttConnection c = RawMqttConnection.open("127.0.0.1", broker.port(), MqttVersion.V3_1_1);
    clients.add(c);
    c.connect(clientId, keepAlive, cleanStart);
    return c;
  }

  private String scrape() {
    HttpResponse<String> r = http.get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
        t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
    return r.body();
  }

  /** The value of the sample {@code name{labels}}, where labels are given in Prometheus' order. */
  private static double value(String scrape, String sample) {
    Matcher m = Pattern.compile("^" + Pattern.quote(sample) + " (\\S+)$", Pattern.MULTILINE)
        .matcher(scrape);
    assertThat(m.find()).as("%s in%n%s", sample, scrape).isTrue();
    return Double.parseDouble(m.group(1));
  }

  @Test
  void metrics_whenClientsConnectPingAndPublish_thenCountedByQos() {
    start(BrokerConfig.defaults());
    RawMqttConnection sub = connect("sub", 60, true);
    sub.subscribe(1, "t", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = connect("pub", 60, true);
    pub.ping(Duration.ofSeconds(5));
    pub.send(new Publish("t", MqttQos.AT_LEAST_ONCE, false, false, 1, new byte[10],
        Properties.EMPTY));
    pub.expect(Puback.class);
    sub.expect(Publish.class);
    pub.send(Publish.atMostOnce("t", new byte[5]));
    sub.expect(Publish.class);

    String s = scrape();

    assertThat(value(s, "midge_connections")).isEqualTo(2);
    assertThat(value(s, "midge_connects_total")).isEqualTo(2);
    assertThat(value(s, "midge_pings_total")).isEqualTo(1);
    assertThat(value(s, "midge_messages_in_total{qos=\"1\"}")).isEqualTo(1);
    assertThat(value(s, "midge_messages_in_total{qos=\"0\"}")).isEqualTo(1);
    assertThat(value(s, "midge_messages_out_total{qos=\"1\"}")).isEqualTo(1);
    assertThat(value(s, "midge_messages_in_bytes_total{qos=\"1\"}")).isEqualTo(10);
    assertThat(value(s, "midge_messages_in_bytes_total{qos=\"0\"}")).isEqualTo(5);
    assertThat(value(s, "midge_messages_out_bytes_total{qos=\"1\"}")).isEqualTo(10);
    assertThat(value(s, "midge_subscriptions")).isEqualTo(1);
    assertThat(value(s, "midge_packets_in_total")).isGreaterThanOrEqualTo(6);
    assertThat(s).contains("# HELP midge_connections ", "# TYPE midge_connects_total counter");
  }

  @Test
  void metrics_whenScraped_thenJvmAndEventLoopLagAreThere() {
    start(BrokerConfig.defaults());
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(value(scrape(), "midge_eventloop_lag_seconds_count")).isPositive());
    String s = scrape();
    assertThat(s).contains("jvm_memory_used_bytes{", "jvm_threads_live_threads",
        "process_uptime_seconds", "midge_eventloop_lag_seconds_bucket{le=");
  }

  @Test
  @DisplayName("MQTT-3.1.2-24: a keep-alive timeout is counted by cause and its detection"
      + " lateness goes into the histogram")
  void metrics_whenClientTimesOut_thenDisconnectCauseAndLatenessHistogram() {
    start(BrokerConfig.defaults());
    RawMqttConnection silent = connect("silent", 1, true);
    silent.expectClosed(Duration.ofSeconds(5));
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
        value(scrape(), "midge_disconnects_total{cause=\"keep-alive-timeout\"}")).isEqualTo(1));

    String s = scrape();

    assertThat(value(s, "midge_keepalive_detection_lateness_seconds_count")).isEqualTo(1);
    assertThat(s).contains("midge_keepalive_detection_lateness_seconds_bucket{le=");
    assertThat(value(s, "midge_connections")).isZero();
  }

  @Test
  void metrics_whenClientDisconnects_thenCountedAsClientDisconnect() {
    start(BrokerConfig.defaults());
    connect("polite", 60, true).disconnect();
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
        value(scrape(), "midge_disconnects_total{cause=\"client-disconnect\"}")).isEqualTo(1));
  }

  @Test
  void metrics_whenMessagesWaitForAnOfflineSession_thenQueuedAndDroppedByCause() {
    start(BrokerConfig.defaults().withSessions(new SessionConfig(10, 2, false)));
    RawMqttConnection s = connect("offline", 60, false);
    s.subscribe(1, "q", MqttQos.AT_LEAST_ONCE);
    s.disconnect();
    await().atMost(Duration.ofSeconds(5)).until(() -> broker.services().metrics().connections()
        == 0);
    RawMqttConnection pub = connect("pub", 60, true);
    for (int id = 1; id <= 3; id++) {
      pub.send(new Publish("q", MqttQos.AT_LEAST_ONCE, false, false, id, new byte[1],
          Properties.EMPTY));
      pub.expect(Puback.class);
    }

    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      String m = scrape();
      assertThat(value(m, "midge_messages_queued")).isEqualTo(2); // sampled every 5 s
      assertThat(value(m, "midge_messages_dropped_total{cause=\"queue-full\"}")).isEqualTo(1);
      assertThat(value(m, "midge_messages_queued_offline_total")).isEqualTo(2);
    });
  }

  @Test
  void meterRegistry_whenOneIsGiven_thenMetersGoThereAndToMetrics() {
    SimpleMeterRegistry mine = new SimpleMeterRegistry();
    broker = MidgeBroker.builder().meterRegistry(mine).host("127.0.0.1").port(0).httpPort(0)
        .build().start();
    http = new AdminHttp(broker.httpPort());
    connect("x", 60, true);

    assertThat(mine.get("midge.connects").counter().count()).isEqualTo(1);
    assertThat(value(scrape(), "midge_connects_total")).isEqualTo(1);
  }
}
