package dev.midge.broker.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.midge.broker.MidgeBroker;
import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.WebhookConfig;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.property.Properties;
import dev.midge.testkit.RawMqttConnection;
import io.micrometer.core.instrument.Counter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The offline-push webhook against a running broker: a local HTTP server receives the POSTs and
 * answers as each test scripts it.
 */
class OfflinePushWebhookTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(10);

  /** A POST the test server received. */
  record Received(JsonNode body, String contentType, String authorization, long atNanos) {}

  private HttpServer server;
  private final BlockingQueue<Received> posts = new LinkedBlockingQueue<>();
  private final AtomicInteger requests = new AtomicInteger();
  /** The status of the n-th request (1-based). */
  private volatile IntSupplier status = () -> 200;
  private volatile CountDownLatch hold = new CountDownLatch(0);
  private MidgeBroker broker;
  private final List<RawMqttConnection> clients = new ArrayList<>();

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/push", exchange -> {
      try (exchange) {
        long at = System.nanoTime();
        byte[] body = exchange.getRequestBody().readAllBytes();
        requests.incrementAndGet();
        hold.await(20, TimeUnit.SECONDS);
        posts.add(new Received(JSON.readTree(body),
            exchange.getRequestHeaders().getFirst("Content-Type"),
            String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")), at));
        exchange.sendResponseHeaders(status.getAsInt(), -1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
  }

  @AfterEach
  void stop() {
    hold.countDown();
    clients.forEach(RawMqttConnection::close);
    if (broker != null) {
      broker.close();
    }
    server.stop(0);
  }

  private WebhookConfig hook() {
    return WebhookConfig.DEFAULTS
        .withUrl("http://127.0.0.1:" + server.getAddress().getPort() + "/push")
        .withBatching(Duration.ofMillis(100), 100)
        .withMinInterval(Duration.ZERO)
        .withRetries(3, Duration.ofMillis(100))
        .withTimeout(Duration.ofSeconds(5));
  }

  private void start(WebhookConfig webhook) {
    broker = MidgeBroker.builder().config(BrokerConfig.defaults().withWebhook(webhook))
        .host("127.0.0.1").port(0).build().start();
  }

  private RawMqttConnection connect(String clientId, boolean cleanSession) {
    RawMqttConnection c = RawMqttConnection.open("127.0.0.1", broker.port(), MqttVersion.V3_1_1);
    clients.add(c);
    c.connect(clientId, 60, cleanSession);
    return c;
  }

  /** A persistent session subscribed to {@code topic}, whose client has gone. */
  private void offline(String clientId, String topic) {
    RawMqttConnection c = connect(clientId, false);
    c.subscribe(1, topic, MqttQos.AT_LEAST_ONCE);
    c.disconnect();
    c.expectClosed(WAIT);
    await().atMost(WAIT).until(() -> broker.services().sessions().get(clientId) != null
        && broker.services().sessions().get(clientId).claimedBy() == null);
  }

  private int nextPacketId = 1;

  private void publish(RawMqttConnection publisher, String topic, MqttQos qos) {
    int id = qos == MqttQos.AT_MOST_ONCE ? 0 : nextPacketId++;
    publisher.send(new Publish(topic, qos, false, false, id, new byte[] {42}, Properties.EMPTY));
    if (qos == MqttQos.AT_LEAST_ONCE) {
      publisher.expect(Puback.class);
    }
  }

  private Received nextPost() throws InterruptedException {
    Received r = posts.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(r).as("a POST to the webhook").isNotNull();
    return r;
  }

  private double counter(String name, String... tags) {
    Counter c = broker.services().metrics().registry().find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void webhook_whenMessageIsQueuedForAnOfflinePersistentSession_thenPostsAnEvent()
      throws Exception {
    start(hook().withAuthorization("Bearer t0ken"));
    offline("phone", "chat/phone");
    RawMqttConnection publisher = connect("server", true);

    publish(publisher, "chat/phone", MqttQos.AT_LEAST_ONCE);

    Received post = nextPost();
    assertThat(post.contentType()).isEqualTo("application/json");
    assertThat(post.authorization()).isEqualTo("Bearer t0ken");
    assertThat(post.body().path("broker").asText()).isEqualTo("midge");
    JsonNode events = post.body().path("events");
    assertThat(events).hasSize(1);
    JsonNode e = events.get(0);
    assertThat(e.path("type").asText()).isEqualTo("messages-queued");
    assertThat(e.path("clientId").asText()).isEqualTo("phone");
    assertThat(e.path("messages").asInt()).isEqualTo(1);
    assertThat(e.path("maxQos").asInt()).isEqualTo(1);
    assertThat(e.path("topics")).extracting(JsonNode::asText).containsExactly("chat/phone");
    assertThat(e.path("firstQueuedAt").asLong()).isPositive();
    await().atMost(WAIT).untilAsserted(() ->
        assertThat(counter("midge.webhook.events", "outcome", "sent")).isEqualTo(1));
  }

  @Test
  void webhook_whenClientIsConnected_thenNothingIsPosted() throws Exception {
    start(hook());
    RawMqttConnection online = connect("online", false);
    online.subscribe(1, "t", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection publisher = connect("server", true);

    publish(publisher, "t", MqttQos.AT_LEAST_ONCE);
    online.expect(Publish.class);

    assertThat(posts.poll(500, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void webhook_whenSessionIsNotPersistent_thenNothingIsPosted() throws Exception {
    start(hook());
    RawMqttConnection publisher = connect("server", true);
    RawMqttConnection gone = connect("gone", true);
    gone.subscribe(1, "t", MqttQos.AT_LEAST_ONCE);
    gone.disconnect();
    gone.expectClosed(WAIT);

    publish(publisher, "t", MqttQos.AT_LEAST_ONCE);

    assertThat(posts.poll(500, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void batching_whenSeveralClientsGetMessagesWithinTheDelay_thenOnePostCarriesAllTheirEvents()
      throws Exception {
    start(hook().withBatching(Duration.ofMillis(1500), 100));
    offline("a", "news");
    offline("b", "news");
    offline("c", "other");
    RawMqttConnection publisher = connect("server", true);

    publish(publisher, "news", MqttQos.AT_LEAST_ONCE);
    publish(publisher, "other", MqttQos.AT_LEAST_ONCE);
    publish(publisher, "news", MqttQos.AT_LEAST_ONCE);

    Received post = nextPost();
    List<String> ids = new ArrayList<>();
    post.body().path("events").forEach(e -> ids.add(e.path("clientId").asText()));
    assertThat(ids).containsExactlyInAnyOrder("a", "b", "c");
    post.body().path("events").forEach(e -> assertThat(e.path("messages").asInt())
        .isEqualTo(e.path("clientId").asText().equals("c") ? 1 : 2));
    assertThat(requests.get()).isEqualTo(1);
  }

  @Test
  void batching_whenMoreClientsThanTheBatchSize_thenSeveralPosts() throws Exception {
    start(hook().withBatching(Duration.ofMillis(500), 2));
    for (String id : List.of("a", "b", "c")) {
      offline(id, "news");
    }
    RawMqttConnection publisher = connect("server", true);

    publish(publisher, "news", MqttQos.AT_LEAST_ONCE);

    int events = nextPost().body().path("events").size();
    events += nextPost().body().path("events").size();
    assertThat(events).isEqualTo(3);
    assertThat(requests.get()).isEqualTo(2);
  }

  @Test
  void rateLimit_whenMessagesKeepComingForOneClient_thenOneEventPerIntervalCountingThemAll()
      throws Exception {
    Duration interval = Duration.ofMillis(1500);
    start(hook().withMinInterval(interval));
    offline("phone", "chat");
    RawMqttConnection publisher = connect("server", true);

    publish(publisher, "chat", MqttQos.AT_LEAST_ONCE);
    Received first = nextPost();
    publish(publisher, "chat", MqttQos.AT_LEAST_ONCE);
    publish(publisher, "chat", MqttQos.AT_LEAST_ONCE);
    Received second = nextPost();

    assertThat(first.body().path("events").get(0).path("messages").asInt()).isEqualTo(1);
    assertThat(second.body().path("events").get(0).path("messages").asInt()).isEqualTo(2);
    // Without the limit it would follow within the batch delay (100 ms); the first POST's own
    // delivery time is the slack.
    assertThat(second.atNanos() - first.atNanos())
        .as("the second event waits out the client's min-interval")
        .isGreaterThanOrEqualTo(interval.toNanos() - TimeUnit.MILLISECONDS.toNanos(500));
    assertThat(requests.get()).isEqualTo(2);
  }

  @Test
  void retry_whenThePostFailsTwice_thenRetriedWithGrowingBackoffAndDelivered() throws Exception {
    status = () -> requests.get() <= 2 ? 500 : 204;
    Duration backoff = Duration.ofMillis(300);
    start(hook().withRetries(3, backoff));
    offline("phone", "chat");
    RawMqttConnection publisher = connect("server", true);

    publish(publisher, "chat", MqttQos.AT_LEAST_ONCE);

    Received one = nextPost();
    Received two = nextPost();
    Received three = nextPost();
    assertThat(two.body()).isEqualTo(one.body());
    assertThat(three.body()).isEqualTo(one.body());
    long tolerance = TimeUnit.MILLISECONDS.toNanos(50);
    assertThat(two.atNanos() - one.atNanos()).isGreaterThanOrEqualTo(backoff.toNanos() - tolerance);
    assertThat(three.atNanos() - two.atNanos())
        .isGreaterThanOrEqualTo(2 * backoff.toNanos() - tolerance);
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(counter("midge.webhook.events", "outcome", "sent")).isEqualTo(1);
      assertThat(counter("midge.webhook.requests", "outcome", "error")).isEqualTo(2);
      assertThat(counter("midge.webhook.failures")).isZero();
    });
  }

  @Test
  void failures_whenEveryAttemptFails_thenCountedAndTheEventsDropped() throws Exception {
    status = () -> 503;
    start(hook().withRetries(2, Duration.ofMillis(50)));
    offline("phone", "chat");
    RawMqttConnection publisher = connect("server", true);

    publish(publisher, "chat", MqttQos.AT_LEAST_ONCE);

    nextPost();
    nextPost();
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(counter("midge.webhook.failures")).isEqualTo(1);
      assertThat(counter("midge.webhook.events", "outcome", "failed")).isEqualTo(1);
    });
    assertThat(posts.poll(300, TimeUnit.MILLISECONDS)).isNull();
    assertThat(requests.get()).isEqualTo(2);
  }

  @Test
  void failures_whenNothingListens_thenCounted() throws Exception {
    int port = server.getAddress().getPort();
    server.stop(0);
    start(hook().withUrl("http://127.0.0.1:" + port + "/push")
        .withRetries(2, Duration.ofMillis(50)));
    offline("phone", "chat");
    RawMqttConnection publisher = connect("server", true);

    publish(publisher, "chat", MqttQos.AT_LEAST_ONCE);

    await().atMost(WAIT).untilAsserted(() ->
        assertThat(counter("midge.webhook.failures")).isEqualTo(1));
  }

  @Test
  void flow_whenTheWebhookHangs_thenMessagesStillFlow() throws Exception {
    hold = new CountDownLatch(1); // the server takes every POST and does not answer
    start(hook());
    offline("phone", "chat");
    RawMqttConnection online = connect("online", true);
    online.subscribe(1, "chat", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection publisher = connect("server", true);
    publish(publisher, "chat", MqttQos.AT_LEAST_ONCE);
    online.expect(Publish.class);
    await().atMost(WAIT).until(() -> requests.get() == 1); // stuck in the server

    for (int i = 0; i < 50; i++) {
      publish(publisher, "chat", MqttQos.AT_LEAST_ONCE);
      Publish p = online.expect(Publish.class);
      online.send(new Puback(p.packetId()));
    }
    hold.countDown();
  }

  @Test
  void pending_whenMoreClientsWaitThanAllowed_thenTheRestAreDroppedAndCounted()
      throws Exception {
    hold = new CountDownLatch(1);
    start(hook().withMaxPendingClients(1).withBatching(Duration.ofSeconds(2), 100));
    offline("a", "news");
    offline("b", "news");
    RawMqttConnection publisher = connect("server", true);

    publish(publisher, "news", MqttQos.AT_LEAST_ONCE);

    await().atMost(WAIT).untilAsserted(() ->
        assertThat(counter("midge.webhook.events", "outcome", "dropped")).isEqualTo(1));
    hold.countDown();
    assertThat(nextPost().body().path("events")).hasSize(1);
  }
}
