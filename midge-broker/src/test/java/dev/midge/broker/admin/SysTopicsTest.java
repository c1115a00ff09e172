package dev.midge.broker.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.midge.broker.MidgeBroker;
import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.SysConfig;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Publish;
import dev.midge.testkit.RawMqttConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The $SYS topics against a running broker: statistics and per-client events. */
class SysTopicsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private MidgeBroker broker;
  private final List<RawMqttConnection> clients = new ArrayList<>();

  private void start(SysConfig sys) {
    broker = MidgeBroker.builder().config(BrokerConfig.defaults().withSys(sys))
        .host("127.0.0.1").port(0).build().start();
  }

  @AfterEach
  void stop() {
    clients.forEach(RawMqttConnection::close);
    if (broker != null) {
      broker.close();
    }
  }

  private RawMqttConnection connect(String clientId, MqttVersion version, int keepAlive) {
    RawMqttConnection c = RawMqttConnection.open("127.0.0.1", broker.port(), version);
    clients.add(c);
    c.connect(clientId, keepAlive, true);
    return c;
  }

  /** The next PUBLISH, acknowledged if it is QoS 1. */
  private static Publish next(RawMqttConnection c, Duration timeout) {
    Publish p = c.expect(Publish.class, timeout);
    if (p.qos() == MqttQos.AT_LEAST_ONCE) {
      c.send(new Puback(p.packetId()));
    }
    return p;
  }

  private static String text(Publish p) {
    return new String(p.payload(), StandardCharsets.UTF_8);
  }

  @Test
  void statistics_whenSubscribedToSys_thenMosquittoNamesEveryInterval() {
    start(SysConfig.DEFAULTS.withInterval(Duration.ofSeconds(1)).withClientEvents(false));
    RawMqttConnection watcher = connect("watcher", MqttVersion.V3_1_1, 60);
    watcher.subscribe(1, "$SYS/broker/#", MqttQos.AT_MOST_ONCE);
    connect("other", MqttVersion.V3_1_1, 60);

    // Whole rounds, each ending with heap/maximum, until one after both clients connected.
    Map<String, String> seen = new HashMap<>();
    for (int rounds = 0; rounds < 10; rounds++) {
      seen.clear();
      while (!seen.containsKey("$SYS/broker/heap/maximum")) {
        Publish p = next(watcher, Duration.ofSeconds(5));
        seen.put(p.topic(), text(p));
        assertThat(p.retain()).isFalse();
      }
      if ("2".equals(seen.get("$SYS/broker/clients/connected"))) {
        break;
      }
    }

    assertThat(seen).containsKeys("$SYS/broker/version", "$SYS/broker/uptime",
        "$SYS/broker/clients/total", "$SYS/broker/clients/maximum",
        "$SYS/broker/messages/received", "$SYS/broker/messages/sent",
        "$SYS/broker/publish/messages/received", "$SYS/broker/publish/messages/sent",
        "$SYS/broker/publish/messages/dropped", "$SYS/broker/publish/bytes/received",
        "$SYS/broker/publish/bytes/sent", "$SYS/broker/retained messages/count",
        "$SYS/broker/store/messages/count", "$SYS/broker/heap/current",
        "$SYS/broker/clients/keepalive-timeouts");
    assertThat(seen.get("$SYS/broker/clients/connected")).isEqualTo("2");
    assertThat(seen.get("$SYS/broker/clients/disconnected")).isEqualTo("0");
    assertThat(seen.get("$SYS/broker/subscriptions/count")).isEqualTo("1");
    assertThat(seen.get("$SYS/broker/version")).startsWith("midge ");
    assertThat(seen.get("$SYS/broker/uptime")).matches("\\d+ seconds");
    assertThat(Long.parseLong(seen.get("$SYS/broker/messages/received"))).isGreaterThanOrEqualTo(3);
  }

  @Test
  @DisplayName("MQTT-4.7.2-1: a subscription to # does not receive $SYS topics")
  void statistics_whenSubscribedToHash_thenNoSysTopics() {
    start(SysConfig.DEFAULTS.withInterval(Duration.ofSeconds(1)));
    RawMqttConnection all = connect("all", MqttVersion.V3_1_1, 60);
    all.subscribe(1, "#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection sys = connect("sys", MqttVersion.V3_1_1, 60);
    sys.subscribe(1, "$SYS/broker/clients/connected", MqttQos.AT_MOST_ONCE);
    next(sys, Duration.ofSeconds(5)); // an interval has passed

    all.expectNothing(Duration.ofMillis(300));
  }

  @Test
  void statistics_whenDisabled_thenNonePublished() {
    start(SysConfig.DEFAULTS.withInterval(Duration.ofSeconds(1)).withEnabled(false)
        .withClientEvents(false));
    RawMqttConnection watcher = connect("watcher", MqttVersion.V3_1_1, 60);
    watcher.subscribe(1, "$SYS/#", MqttQos.AT_MOST_ONCE);
    connect("other", MqttVersion.V3_1_1, 60).disconnect();

    watcher.expectNothing(Duration.ofMillis(2500));
  }

  @Test
  void clientEvents_whenClientConnectsAndDisconnects_thenJsonEventsWithTheReason()
      throws Exception {
    start(SysConfig.DEFAULTS);
    RawMqttConnection watcher = connect("watcher", MqttVersion.V5, 60);
    watcher.subscribe(1, "$SYS/broker/clients/+/+", MqttQos.AT_LEAST_ONCE);

    RawMqttConnection phone = connect("phone", MqttVersion.V3_1_1, 30);
    Publish connected = next(watcher, Duration.ofSeconds(5));
    phone.disconnect();
    Publish disconnected = next(watcher, Duration.ofSeconds(5));

    assertThat(connected.topic()).isEqualTo("$SYS/broker/clients/phone/connected");
    assertThat(connected.qos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
    assertThat(connected.properties().contentType()).isEqualTo("application/json");
    assertThat(connected.properties().payloadFormatIndicator()).isEqualTo(1);
    JsonNode c = JSON.readTree(connected.payload());
    assertThat(c.path("event").asText()).isEqualTo("connected");
    assertThat(c.path("clientId").asText()).isEqualTo("phone");
    assertThat(c.path("protocolVersion").asText()).isEqualTo("3.1.1");
    assertThat(c.path("keepAlive").asInt()).isEqualTo(30);
    assertThat(c.path("address").asText()).contains("127.0.0.1");
    assertThat(disconnected.topic()).isEqualTo("$SYS/broker/clients/phone/disconnected");
    JsonNode d = JSON.readTree(disconnected.payload());
    assertThat(d.path("event").asText()).isEqualTo("disconnected");
    assertThat(d.path("reason").asText()).isEqualTo("client-disconnect");
    assertThat(d.path("connectedAt").asLong()).isEqualTo(c.path("connectedAt").asLong());
    assertThat(d.path("connectedMillis").asLong()).isNotNegative();
  }

  @Test
  @DisplayName("client events are built only for a matching subscription: a shared subscription"
      + " gets them, and one client's filter gets that client's alone")
  void clientEvents_whenOnlySharedOrNarrowSubscriptions_thenEachGetsWhatMatches() {
    start(SysConfig.DEFAULTS);
    RawMqttConnection shared = connect("shared", MqttVersion.V5, 60);
    shared.subscribe(1, "$share/watchers/$SYS/broker/clients/+/connected",
        MqttQos.AT_LEAST_ONCE);
    RawMqttConnection narrow = connect("narrow", MqttVersion.V3_1_1, 60);
    narrow.subscribe(1, "$SYS/broker/clients/b/+", MqttQos.AT_LEAST_ONCE);

    connect("a", MqttVersion.V3_1_1, 60);
    connect("b", MqttVersion.V3_1_1, 60);

    // The shared member saw narrow connect too, then a and b, in order.
    assertThat(next(shared, Duration.ofSeconds(5)).topic())
        .isEqualTo("$SYS/broker/clients/narrow/connected");
    assertThat(next(shared, Duration.ofSeconds(5)).topic())
        .isEqualTo("$SYS/broker/clients/a/connected");
    assertThat(next(shared, Duration.ofSeconds(5)).topic())
        .isEqualTo("$SYS/broker/clients/b/connected");
    // The narrow filter matched b's event only: a's was not built for it.
    assertThat(next(narrow, Duration.ofSeconds(5)).topic())
        .isEqualTo("$SYS/broker/clients/b/connected");
  }

  @Test
  @DisplayName("MQTT-3.1.2-24: a client silent for 1.5 x keep alive is reported disconnected"
      + " with reason keep-alive-timeout")
  void clientEvents_whenKeepAliveTimesOut_thenReasonKeepAliveTimeout() throws Exception {
    start(SysConfig.DEFAULTS);
    RawMqttConnection watcher = connect("watcher", MqttVersion.V3_1_1, 60);
    watcher.subscribe(1, "$SYS/broker/clients/silent/disconnected", MqttQos.AT_MOST_ONCE);
    connect("silent", MqttVersion.V3_1_1, 1);

    Publish p = next(watcher, Duration.ofSeconds(5));

    assertThat(JSON.readTree(p.payload()).path("reason").asText())
        .isEqualTo("keep-alive-timeout");
  }

  @Test
  @DisplayName("MQTT-3.1.4-2: a connection taken over is reported disconnected with reason"
      + " takeover, and the new one connected")
  void clientEvents_whenTakenOver_thenReasonTakeover() throws Exception {
    start(SysConfig.DEFAULTS);
    RawMqttConnection watcher = connect("watcher", MqttVersion.V3_1_1, 60);
    watcher.subscribe(1, "$SYS/broker/clients/twin/#", MqttQos.AT_MOST_ONCE);
    connect("twin", MqttVersion.V3_1_1, 60);
    assertThat(next(watcher, Duration.ofSeconds(5)).topic()).endsWith("/connected");

    connect("twin", MqttVersion.V3_1_1, 60);

    Map<String, JsonNode> events = new HashMap<>();
    for (int i = 0; i < 2; i++) {
      Publish p = next(watcher, Duration.ofSeconds(5));
      events.put(p.topic(), JSON.readTree(p.payload()));
    }
    assertThat(events.get("$SYS/broker/clients/twin/disconnected").path("reason").asText())
        .isEqualTo("takeover");
    assertThat(events).containsKey("$SYS/broker/clients/twin/connected");
  }

  @Test
  void clientEvents_whenIdHasTopicCharacters_thenEscapedToOneLevel() throws Exception {
    start(SysConfig.DEFAULTS);
    RawMqttConnection watcher = connect("watcher", MqttVersion.V3_1_1, 60);
    watcher.subscribe(1, "$SYS/broker/clients/+/connected", MqttQos.AT_MOST_ONCE);

    connect("a/b+c#d%e", MqttVersion.V3_1_1, 60);

    Publish p = next(watcher, Duration.ofSeconds(5));
    assertThat(p.topic()).isEqualTo("$SYS/broker/clients/a%2Fb%2Bc%23d%25e/connected");
    assertThat(JSON.readTree(p.payload()).path("clientId").asText()).isEqualTo("a/b+c#d%e");
  }

  @Test
  void clientEvents_whenDisabled_thenNone() {
    start(SysConfig.DEFAULTS.withClientEvents(false));
    RawMqttConnection watcher = connect("watcher", MqttVersion.V3_1_1, 60);
    watcher.subscribe(1, "$SYS/broker/clients/+/+", MqttQos.AT_MOST_ONCE);

    connect("quiet", MqttVersion.V3_1_1, 60).disconnect();

    watcher.expectNothing(Duration.ofMillis(500));
  }

  @Test
  void topicLevel_whenPlainId_thenUnchanged() {
    assertThat(SysTopics.topicLevel("sensor-17")).isSameAs("sensor-17");
    assertThat(SysTopics.topicLevel("/")).isEqualTo("%2F");
  }

}
