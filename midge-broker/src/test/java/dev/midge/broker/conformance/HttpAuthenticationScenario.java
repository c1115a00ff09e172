package dev.midge.broker.conformance;

import static dev.midge.broker.conformance.Frames.expectHexWithoutReasonString;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.midge.broker.auth.FailureDelay;
import dev.midge.broker.config.AuthConfig;
import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.KeepAliveConfig;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.reason.ConnackReasonCode;
import dev.midge.testkit.RawMqttConnection;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * auth.http: the broker POSTs {clientId, username, password, address} to a local test server;
 * 2xx lets the client in, 401 (any 4xx but 403) refuses it with 0x86 / 0x04, 403 with 0x87 /
 * 0x05, and no answer within auth.http.timeout with 0x87 / 0x05; the wait blocks no event loop.
 */
@DisplayName("Authentication: HTTP service")
class HttpAuthenticationScenario extends ConformanceScenario {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Generous: the first requests of a test JVM on a busy machine load many classes. */
  private static final Duration TIMEOUT = Duration.ofSeconds(2);
  /** Refusals answered at once: these tests refuse many clients from 127.0.0.1. */
  private static final FailureDelay NO_DELAY = new FailureDelay(Duration.ZERO, Duration.ZERO,
      Duration.ofMinutes(1), System::nanoTime);

  private HttpServer server;
  private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
  /** Held requests (user "slow") wait on it; released after each test. */
  private final CountDownLatch release = new CountDownLatch(1);

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/auth", this::handle);
    server.start();
  }

  @AfterEach
  void stopServer() {
    release.countDown();
    server.stop(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    JsonNode body = JSON.readTree(ex.getRequestBody());
    requests.add(body);
    String user = body.path("username").asText();
    String password = body.path("password").asText();
    int status;
    if (user.equals("slow")) {
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      status = 200;
    } else if (user.equals("banned")) {
      status = 403;
    } else if (user.equals("broken")) {
      status = 500;
    } else {
      status = password.equals("pw-" + user) ? 204 : 401;
    }
    ex.sendResponseHeaders(status, -1);
    ex.close();
  }

  private BrokerConfig httpConfig() {
    String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/auth";
    // The default 10 s connect timeout rather than the scenarios' 1 s: the HTTP round trip on a
    // busy machine, not the connect timeout, is what these tests are about.
    return config(KeepAliveConfig.DEFAULTS).withAuth(AuthConfig.DEFAULTS.withHttp(url, TIMEOUT));
  }

  private static Connect login(MqttVersion version, String clientId, String user, String pw) {
    return Connect.builder(version).clientId(clientId).keepAlive(0).cleanStart(true)
        .username(user).password(pw.getBytes(StandardCharsets.UTF_8)).build();
  }

  private static String refusal(MqttVersion version, ConnackReasonCode code) {
    return version.isV5() ? String.format("20 03 00 %02x 00", code.value())
        : code == ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD ? "20 02 00 04" : "20 02 00 05";
  }

  private void assertRefused(MqttVersion version, Connect connect, ConnackReasonCode code) {
    RawMqttConnection c = open(version);
    c.send(connect);
    assertThat(expectHexWithoutReasonString(c, Connack.class, WAIT)).isEqualTo(
        refusal(version, code));
    c.expectClosed(WAIT);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(value = MqttVersion.class, names = {"V3_1_1", "V5"})
  @DisplayName("auth.http.url: a 2xx answer lets the client in; the service gets clientId,"
      + " username, password and address as JSON")
  void connect_whenServiceSays2xx_thenAccepted(MqttVersion version) {
    startBroker(httpConfig());

    client(login(version, "c1", "alice", "pw-alice")).ping(WAIT);

    assertThat(requests).hasSize(1);
    JsonNode r = requests.get(0);
    assertThat(r.path("clientId").asText()).isEqualTo("c1");
    assertThat(r.path("username").asText()).isEqualTo("alice");
    assertThat(r.path("password").asText()).isEqualTo("pw-alice");
    assertThat(r.path("address").asText()).contains("127.0.0.1");
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(value = MqttVersion.class, names = {"V3_1_1", "V5"})
  @DisplayName("MQTT-3.2.2-5 (3.1.1) / MQTT-3.2.2-7 (5.0): 401 gets CONNACK 0x86 (0x04), 403 and"
      + " 5xx get 0x87 (0x05), and the connection is closed")
  void connect_whenServiceRefuses_thenRefusedWithItsCode(MqttVersion version) {
    startBroker(httpConfig(), b -> b.failureDelay(NO_DELAY));

    assertRefused(version, login(version, "c1", "alice", "wrong"),
        ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD);
    assertRefused(version, login(version, "c2", "banned", "pw-banned"),
        ConnackReasonCode.NOT_AUTHORIZED);
    assertRefused(version, login(version, "c3", "broken", "x"), ConnackReasonCode.NOT_AUTHORIZED);
    assertThat(counter("midge.auth.refused", "reason", "bad-credentials")).isEqualTo(1);
    assertThat(counter("midge.auth.refused", "reason", "not-authorized")).isEqualTo(2);
  }

  @Test
  @DisplayName("auth.http.timeout: a service that does not answer in time refuses the client with"
      + " 0x87, while clients on every event loop keep being served")
  void connect_whenServiceHangs_thenRefusedAfterTimeoutAndNoEventLoopBlocked() {
    // No failure delay: its wait on top of the HTTP timeout would meet the 1 s connect timeout.
    startBroker(httpConfig(), b -> b.failureDelay(NO_DELAY));
    // More held clients than event loops: round-robin puts one on every loop.
    int held = 2 * Runtime.getRuntime().availableProcessors() * 2 + 1;
    List<RawMqttConnection> slow = new ArrayList<>();
    for (int i = 0; i < held; i++) {
      RawMqttConnection c = open(MqttVersion.V5);
      c.send(login(MqttVersion.V5, "slow-" + i, "slow", "x"));
      slow.add(c);
    }

    // Served meanwhile: the held ones wait on the HTTP client, not on an event loop.
    client(login(MqttVersion.V5, "fast", "bob", "pw-bob")).ping(WAIT);

    for (RawMqttConnection c : slow) {
      assertThat(c.expect(Connack.class, Duration.ofSeconds(10)).reasonCode())
          .isEqualTo(ConnackReasonCode.NOT_AUTHORIZED);
    }
  }
}
