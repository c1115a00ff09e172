package dev.midge.broker.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.midge.broker.MidgeBroker;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.packet.RetainHandling;
import dev.midge.codec.reason.DisconnectReasonCode;
import dev.midge.codec.property.Properties;
import dev.midge.testkit.RawMqttConnection;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The admin API under /api/v1 against a running broker, with raw MQTT clients. */
class AdminApiTest {
  private MidgeBroker broker;
  private AdminHttp http;
  private final List<RawMqttConnection> clients = new ArrayList<>();

  @BeforeEach
  void start() {
    broker = MidgeBroker.builder().host("127.0.0.1").port(0).httpPort(0).build().start();
    http = new AdminHttp(broker.httpPort());
  }

  @AfterEach
  void stop() {
    clients.forEach(RawMqttConnection::close);
    broker.close();
  }

  private RawMqttConnection connect(String clientId, MqttVersion version, int keepAlive,
      boolean cleanStart) {
    RawMqttConnection c = RawMqttConnection.open("127.0.0.1", broker.port(), version);
    clients.add(c);
    c.connect(clientId, keepAlive, cleanStart);
    return c;
  }

  @Test
  void httpListener_whenAskedForPortZero_thenBindsLoopbackOnAFreePort() {
    assertThat(broker.httpAddress()).isNotNull();
    assertThat(broker.httpAddress().getAddress().isLoopbackAddress()).isTrue();
    assertThat(broker.httpPort()).isPositive().isNotEqualTo(18080);
  }

  @Test
  void embeddedBroker_whenHttpNotAsked_thenHasNoHttpListener() {
    try (MidgeBroker plain = MidgeBroker.builder().port(0).build().start()) {
      assertThat(plain.httpAddress()).isNull();
    }
  }

  @Test
  void clients_whenTwoAreConnected_thenListsBothWithLivenessInClientIdOrder() {
    connect("bravo", MqttVersion.V3_1_1, 30, true);
    RawMqttConnection alpha = connect("alpha", MqttVersion.V5, 10, true);
    alpha.ping(Duration.ofSeconds(5));

    JsonNode page = http.json("/api/v1/clients", 200);

    assertThat(page.path("total").asInt()).isEqualTo(2);
    assertThat(page.path("next").isNull()).isTrue();
    JsonNode list = page.path("clients");
    assertThat(list).hasSize(2);
    JsonNode a = list.get(0);
    assertThat(a.path("clientId").asText()).isEqualTo("alpha");
    assertThat(list.get(1).path("clientId").asText()).isEqualTo("bravo");
    assertThat(a.path("protocolVersion").asText()).isEqualTo("5.0");
    assertThat(list.get(1).path("protocolVersion").asText()).isEqualTo("3.1.1");
    assertThat(a.path("address").asText()).contains("127.0.0.1");
    assertThat(a.path("keepAliveRequested").asInt()).isEqualTo(10);
    assertThat(a.path("keepAliveEffective").asInt()).isEqualTo(10);
    long now = System.currentTimeMillis();
    assertThat(a.path("connectedSince").asLong()).isBetween(now - 60_000, now + 1000);
    assertThat(a.path("lastPacketIn").asLong())
        .isGreaterThanOrEqualTo(a.path("connectedSince").asLong());
    assertThat(a.path("lastPacketOut").asLong()).isPositive();
    // 1.5 x 10 s after the last packet in (MQTT-3.1.2-24), so at most 15 s away.
    assertThat(a.path("millisToDeadline").asLong()).isBetween(1L, 15_000L);
    assertThat(a.path("nextDeadline").asLong() - a.path("lastPacketIn").asLong())
        .isBetween(14_000L, 15_100L);
    assertThat(a.path("lastPingAt").asLong()).isPositive();
    assertThat(a.path("lastPingResponseMicros").isNumber()).as(a.toString()).isTrue();
    assertThat(a.path("lastPingResponseMicros").asLong()).isNotNegative();
    assertThat(a.path("inflight").asInt()).isZero();
    assertThat(a.path("queued").asInt()).isZero();
    assertThat(list.get(1).path("lastPingAt").isNull()).isTrue();
  }

  @Test
  @DisplayName("MQTT-3.1.4-2: after a takeover the client is listed once, with its new connection")
  void clients_whenTakenOver_thenListedOnceWithTheNewConnection() {
    RawMqttConnection old = connect("twin", MqttVersion.V3_1_1, 60, true);
    RawMqttConnection newer = connect("twin", MqttVersion.V5, 20, true);
    old.expectClosed(Duration.ofSeconds(5));

    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      JsonNode page = http.json("/api/v1/clients", 200);
      assertThat(page.path("total").asInt()).isEqualTo(1);
      assertThat(page.path("clients").get(0).path("protocolVersion").asText()).isEqualTo("5.0");
      assertThat(page.path("clients").get(0).path("keepAliveRequested").asInt()).isEqualTo(20);
    });
    assertThat(newer.isClosed()).isFalse();
  }

  @Test
  void clients_whenKeepAliveIsZero_thenNoDeadline() {
    connect("idle", MqttVersion.V3_1_1, 0, true);

    JsonNode c = http.json("/api/v1/clients/idle", 200);

    assertThat(c.path("keepAliveEffective").asInt()).isZero();
    assertThat(c.path("nextDeadline").isNull()).isTrue();
    assertThat(c.path("millisToDeadline").isNull()).isTrue();
  }

  @Test
  void clients_whenMoreThanOnePage_thenNextLeadsThroughAllInOrder() {
    for (int i = 0; i < 5; i++) {
      connect("c" + i, MqttVersion.V3_1_1, 60, true);
    }
    List<String> seen = new ArrayList<>();
    String after = null;
    int pages = 0;
    do {
      JsonNode page = http.json("/api/v1/clients?limit=2"
          + (after == null ? "" : "&after=" + after), 200);
      assertThat(page.path("total").asInt()).isEqualTo(5);
      page.path("clients").forEach(c -> seen.add(c.path("clientId").asText()));
      after = page.path("next").isNull() ? null : page.path("next").asText();
      pages++;
    } while (after != null);
    assertThat(pages).isEqualTo(3);
    assertThat(seen).containsExactly("c0", "c1", "c2", "c3", "c4");
  }

  @Test
  void clients_whenLimitIsOutOfRange_thenBadRequest() {
    assertThat(http.json("/api/v1/clients?limit=0", 400).path("error").asText())
        .contains("limit");
    http.json("/api/v1/clients?limit=abc", 400);
    http.json("/api/v1/clients?limit=1001", 400);
  }

  @Test
  void client_whenIdHasSlashesAndPlus_thenFoundByItsPercentEncodedId() {
    connect("a/b+c d", MqttVersion.V3_1_1, 60, true);

    JsonNode c = http.json("/api/v1/clients/a%2Fb+c%20d", 200);

    assertThat(c.path("clientId").asText()).isEqualTo("a/b+c d");
  }

  @Test
  void client_whenNotConnected_then404() {
    assertThat(http.json("/api/v1/clients/nobody", 404).path("error").asText())
        .contains("nobody");
  }

  @Test
  @DisplayName("DELETE /api/v1/clients/{id}: an MQTT 5 client gets DISCONNECT 0x98"
      + " Administrative action and the connection closes")
  void delete_whenMqtt5Client_thenDisconnect0x98AndGone() {
    RawMqttConnection c = connect("v5-client", MqttVersion.V5, 60, true);

    JsonNode r = http.json("DELETE", "/api/v1/clients/v5-client", 202);

    assertThat(r.path("clientId").asText()).isEqualTo("v5-client");
    Disconnect d = c.expect(Disconnect.class);
    assertThat(d.reasonCode()).isEqualTo(DisconnectReasonCode.ADMINISTRATIVE_ACTION);
    c.expectClosed(Duration.ofSeconds(5));
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(http.json("/api/v1/clients", 200).path("total").asInt()).isZero());
    http.json("/api/v1/clients/v5-client", 404);
  }

  @Test
  void delete_whenMqtt311Client_thenClosedWithoutDisconnect() {
    RawMqttConnection c = connect("v3-client", MqttVersion.V3_1_1, 60, true);

    http.json("DELETE", "/api/v1/clients/v3-client", 202);

    c.expectClosed(Duration.ofSeconds(5));
    assertThat(c.received()).noneMatch(f -> f.packet() instanceof Disconnect);
  }

  @Test
  void delete_whenNotConnected_then404() {
    http.json("DELETE", "/api/v1/clients/nobody", 404);
  }

  @Test
  void wrongMethod_then405WithAllow() {
    HttpResponse<String> r = http.request("POST", "/api/v1/clients");
    assertThat(r.statusCode()).isEqualTo(405);
    assertThat(r.headers().firstValue("Allow")).hasValue("GET");
    HttpResponse<String> one = http.request("PUT", "/api/v1/clients/x");
    assertThat(one.statusCode()).isEqualTo(405);
    assertThat(one.headers().firstValue("Allow")).hasValue("GET, DELETE");
  }

  @Test
  void unknownPath_then404() {
    http.json("/api/v2/nothing", 404);
  }

  @Test
  void sessions_whenOnePersistentIsOffline_thenListedWithItsQueue() {
    RawMqttConnection s = connect("sleeper", MqttVersion.V3_1_1, 60, false);
    s.subscribe(1, "news/#", MqttQos.AT_LEAST_ONCE);
    s.disconnect();
    await().atMost(Duration.ofSeconds(5)).until(() ->
        http.json("/api/v1/clients", 200).path("total").asInt() == 0);
    RawMqttConnection publisher = connect("publisher", MqttVersion.V3_1_1, 60, true);
    publisher.send(new dev.midge.codec.packet.Publish("news/today", MqttQos.AT_LEAST_ONCE, false,
        false, 7, new byte[] {1, 2, 3}, Properties.EMPTY));
    publisher.expect(dev.midge.codec.packet.Puback.class);

    JsonNode page = http.json("/api/v1/sessions", 200);

    assertThat(page.path("total").asInt()).isEqualTo(2);
    JsonNode publisherSession = page.path("sessions").get(0);
    JsonNode sleeper = page.path("sessions").get(1);
    assertThat(publisherSession.path("clientId").asText()).isEqualTo("publisher");
    assertThat(publisherSession.path("connected").asBoolean()).isTrue();
    assertThat(sleeper.path("clientId").asText()).isEqualTo("sleeper");
    assertThat(sleeper.path("connected").asBoolean()).isFalse();
    assertThat(sleeper.path("subscriptions").asInt()).isEqualTo(1);
    assertThat(sleeper.path("queued").asInt()).isEqualTo(1);
    assertThat(sleeper.path("expiryInterval").asLong()).isEqualTo(4294967295L);
  }

  @Test
  void subscriptions_whenClientsSubscribe_thenListsEachWithItsOptions() {
    RawMqttConnection a = connect("a", MqttVersion.V5, 60, true);
    a.subscribe(1, new Subscription("x/+", MqttQos.AT_LEAST_ONCE, true, true,
        RetainHandling.SEND_IF_NEW_SUBSCRIPTION));
    RawMqttConnection b = connect("b", MqttVersion.V3_1_1, 60, true);
    b.subscribe(1, "$share/g/y/#", MqttQos.AT_MOST_ONCE);
    b.subscribe(2, "z", MqttQos.EXACTLY_ONCE);

    JsonNode page = http.json("/api/v1/subscriptions", 200);

    JsonNode subs = page.path("subscriptions");
    assertThat(subs).hasSize(3);
    JsonNode x = subs.get(0);
    assertThat(x.path("clientId").asText()).isEqualTo("a");
    assertThat(x.path("topicFilter").asText()).isEqualTo("x/+");
    assertThat(x.path("qos").asInt()).isEqualTo(1);
    assertThat(x.path("noLocal").asBoolean()).isTrue();
    assertThat(x.path("retainAsPublished").asBoolean()).isTrue();
    assertThat(x.path("retainHandling").asInt()).isEqualTo(1);
    assertThat(x.path("shared").asBoolean()).isFalse();
    List<String> bFilters = new ArrayList<>();
    for (int i = 1; i < 3; i++) {
      assertThat(subs.get(i).path("clientId").asText()).isEqualTo("b");
      bFilters.add(subs.get(i).path("topicFilter").asText());
    }
    assertThat(bFilters).containsExactlyInAnyOrder("$share/g/y/#", "z");
    assertThat(page.path("next").isNull()).isTrue();

    JsonNode first = http.json("/api/v1/subscriptions?limit=1", 200);
    assertThat(first.path("subscriptions")).hasSize(1);
    assertThat(first.path("next").asText()).isEqualTo("a");
    JsonNode second = http.json("/api/v1/subscriptions?limit=1&after=a", 200);
    assertThat(second.path("subscriptions")).hasSize(2); // a session's are never split
    assertThat(second.path("next").isNull()).isTrue();
  }

  @Test
  void stats_whenAsked_thenCountersNowAndAHistory() {
    connect("one", MqttVersion.V3_1_1, 60, true);

    JsonNode stats = http.json("/api/v1/stats", 200);

    assertThat(stats.path("now").path("connections").asInt()).isEqualTo(1);
    assertThat(stats.path("now").path("connects").asInt()).isEqualTo(1);
    assertThat(stats.path("sessions").asInt()).isEqualTo(1);
    assertThat(stats.path("history").isArray()).isTrue();
  }

  @Test
  void dashboard_whenRootIsAsked_thenHtmlWithItsScriptAndStyle() {
    HttpResponse<String> page = http.get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(page.body()).contains("<title>Midge</title>", "dashboard.js", "dashboard.css");
    assertThat(http.get("/dashboard.js").statusCode()).isEqualTo(200);
    assertThat(http.get("/dashboard.css").statusCode()).isEqualTo(200);
  }

  @Test
  void badHttp_whenGarbageIsSent_thenBrokerKeepsServing() throws Exception {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", broker.httpPort())) {
      s.setSoTimeout(5000);
      s.getOutputStream().write("\u0001\u0002 nonsense\r\n\r\n".getBytes());
      s.getOutputStream().flush();
      byte[] answer = s.getInputStream().readNBytes(12);
      assertThat(new String(answer)).startsWith("HTTP/1.1 400");
    }
    http.json("/api/v1/clients", 200);
  }
}
