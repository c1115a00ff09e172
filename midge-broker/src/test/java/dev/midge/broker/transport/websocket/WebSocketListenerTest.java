package dev.midge.broker.transport.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.midge.broker.MidgeBroker;
import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.ListenerConfig;
import dev.midge.broker.config.TlsConfig;
import dev.midge.broker.transport.tls.TestCertificates;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connect;
import dev.midge.testkit.RawMqttConnection;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ws} and {@code wss} listeners, driven with the JDK's WebSocket client and raw MQTT bytes:
 * the upgrade and its subprotocol, MQTT across frame boundaries, text frames refused, other paths
 * 404, and keep alive as on TCP. mqtt.js and the browser are in {@code WebSocketInteropTest} and
 * {@code WebSocketBrowserTest}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebSocketListenerTest {
  /** CONNACK of MQTT 3.1.1, session not present, accepted. */
  private static final byte[] CONNACK_ACCEPTED = {0x20, 0x02, 0x00, 0x00};

  @TempDir
  Path dir;

  private MidgeBroker broker;

  @AfterEach
  void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  private void start(ListenerConfig.Protocol protocol, TlsConfig tls) {
    ListenerConfig ws = ListenerConfig.defaults().withHost("127.0.0.1").withPort(0)
        .withProtocol(protocol, tls);
    broker = MidgeBroker.builder().config(BrokerConfig.defaults().withListeners(List.of(ws)))
        .build().start();
  }

  /** Collects binary messages and the close of one WebSocket. */
  private static final class Recorder implements WebSocket.Listener {
    final ByteArrayOutputStream binary = new ByteArrayOutputStream();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();

    @Override
    public synchronized CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
      byte[] b = new byte[data.remaining()];
      data.get(b);
      binary.writeBytes(b);
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
      closed.complete(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      closed.completeExceptionally(error);
    }

    synchronized byte[] received() {
      return binary.toByteArray();
    }
  }

  private WebSocket open(HttpClient http, String scheme, String path, Recorder recorder,
      String... subprotocols) {
    WebSocket.Builder b = http.newWebSocketBuilder();
    if (subprotocols.length > 0) {
      b.subprotocols(subprotocols[0], Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
    }
    return b.buildAsync(URI.create(scheme + "://127.0.0.1:" + broker.port() + path), recorder)
        .join();
  }

  private static byte[] connect(String clientId, int keepAlive) {
    return RawMqttConnection.encode(Connect.builder(MqttVersion.V3_1_1).clientId(clientId)
        .keepAlive(keepAlive).cleanStart(true).build(), MqttVersion.V3_1_1);
  }

  private static void awaitBytes(Recorder r, byte[] expected) {
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> r.received().length >= expected.length);
    assertThat(Arrays.copyOf(r.received(), expected.length)).containsExactly(expected);
  }

  @Test
  @DisplayName("MQTT-6.0.0-4: the server selects subprotocol mqtt, and a CONNECT in one binary"
      + " frame gets CONNACK in a binary frame")
  void upgrade_whenClientOffersMqtt_thenMqttSelectedAndConnackInBinaryFrame() {
    start(ListenerConfig.Protocol.WS, TlsConfig.DEFAULTS);
    Recorder r = new Recorder();
    WebSocket ws = open(HttpClient.newHttpClient(), "ws", "/mqtt", r, "mqtt");
    assertThat(ws.getSubprotocol()).isEqualTo("mqtt");
    ws.sendBinary(ByteBuffer.wrap(connect("ws-1", 30)), true).join();
    awaitBytes(r, CONNACK_ACCEPTED);
  }

  @Test
  @DisplayName("The MQTT 3.1 subprotocol name mqttv3.1 is accepted too")
  void upgrade_whenClientOffersMqttv31_thenAccepted() {
    start(ListenerConfig.Protocol.WS, TlsConfig.DEFAULTS);
    Recorder r = new Recorder();
    WebSocket ws = open(HttpClient.newHttpClient(), "ws", "/mqtt", r, "mqttv3.1");
    assertThat(ws.getSubprotocol()).isEqualTo("mqttv3.1");
  }

  @Test
  @DisplayName("MQTT-6.0.0-2: a CONNECT split over three binary frames, and two packets in one"
      + " frame, are read as one byte stream")
  void frames_whenPacketsAreNotAlignedOnFrames_thenStillDecoded() {
    start(ListenerConfig.Protocol.WS, TlsConfig.DEFAULTS);
    Recorder r = new Recorder();
    WebSocket ws = open(HttpClient.newHttpClient(), "ws", "/mqtt", r, "mqtt");
    byte[] c = connect("ws-split", 30);
    ws.sendBinary(ByteBuffer.wrap(c, 0, 3), true).join();
    ws.sendBinary(ByteBuffer.wrap(c, 3, 5), true).join();
    // The rest of CONNECT and a PINGREQ in one frame.
    byte[] rest = Arrays.copyOfRange(c, 8, c.length + 2);
    rest[rest.length - 2] = (byte) 0xC0;
    rest[rest.length - 1] = 0x00;
    ws.sendBinary(ByteBuffer.wrap(rest), true).join();
    awaitBytes(r, new byte[] {0x20, 0x02, 0x00, 0x00, (byte) 0xD0, 0x00}); // CONNACK, PINGRESP
  }

  @Test
  @DisplayName("MQTT-6.0.0-1: a text frame closes the connection (WebSocket close 1003)")
  void frames_whenTextFrameArrives_thenConnectionClosed() throws Exception {
    start(ListenerConfig.Protocol.WS, TlsConfig.DEFAULTS);
    Recorder r = new Recorder();
    WebSocket ws = open(HttpClient.newHttpClient(), "ws", "/mqtt", r, "mqtt");
    ws.sendBinary(ByteBuffer.wrap(connect("ws-text", 30)), true).join();
    awaitBytes(r, CONNACK_ACCEPTED);
    ws.sendText("not mqtt", true).join();
    assertThat(r.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1003);
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> broker.services().connectedClients().size() == 0);
  }

  @Test
  @DisplayName("MQTT-3.1.2-24 over WebSocket: a client silent for 1.5 x its keep alive of 1 s is"
      + " disconnected, as on TCP")
  void keepAlive_whenClientGoesSilent_thenDisconnected() throws Exception {
    start(ListenerConfig.Protocol.WS, TlsConfig.DEFAULTS);
    Recorder r = new Recorder();
    WebSocket ws = open(HttpClient.newHttpClient(), "ws", "/mqtt", r, "mqtt");
    ws.sendBinary(ByteBuffer.wrap(connect("ws-silent", 1)), true).join();
    awaitBytes(r, CONNACK_ACCEPTED);
    long connected = System.nanoTime();
    r.closed.handle((code, error) -> null).get(10, TimeUnit.SECONDS);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connected))
        .as("closed no earlier than 1.5 x keep alive").isGreaterThanOrEqualTo(1400);
  }

  @Test
  @DisplayName("A frame larger than max-packet-size + 5 bytes (at least 64 KiB) closes the"
      + " connection with WebSocket status 1009")
  void frames_whenFrameIsTooLarge_thenClosedWith1009() throws Exception {
    ListenerConfig ws = ListenerConfig.defaults().withHost("127.0.0.1").withPort(0)
        .withProtocol(ListenerConfig.Protocol.WS, TlsConfig.DEFAULTS);
    BrokerConfig config = BrokerConfig.defaults().withListeners(List.of(ws));
    broker = MidgeBroker.builder().config(config).build().start();
    Recorder r = new Recorder();
    WebSocket socket = open(HttpClient.newHttpClient(), "ws", "/mqtt", r, "mqtt");
    int limit = Math.max(65536, config.limits().maxPacketSize() + 5);
    socket.sendBinary(ByteBuffer.allocate(limit + 1), true);
    assertThat(r.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1009);
  }

  @Test
  @DisplayName("Another path than websocket-path gets HTTP 404")
  void upgrade_whenPathIsNotTheListeners_then404() throws Exception {
    start(ListenerConfig.Protocol.WS, TlsConfig.DEFAULTS);
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + broker.port() + "/other")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(404);
    Recorder r = new Recorder();
    assertThatThrownBy(() -> open(HttpClient.newHttpClient(), "ws", "/other", r, "mqtt"))
        .isInstanceOf(CompletionException.class);
  }

  @Test
  @DisplayName("wss: the upgrade over TLS, trusting the test CA, and MQTT in binary frames")
  void wss_whenClientTrustsTheCa_thenConnack() throws Exception {
    TestCertificates.Ca ca = TestCertificates.ca("WSS CA");
    Path[] files = ca.server("broker").write(dir, "server");
    start(ListenerConfig.Protocol.WSS, TlsConfig.of(files[0].toString(), files[1].toString()));
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, trustOnly(ca), null);
    HttpClient http = HttpClient.newBuilder().sslContext(tls).build();
    Recorder r = new Recorder();
    WebSocket ws = open(http, "wss", "/mqtt", r, "mqtt");
    assertThat(ws.getSubprotocol()).isEqualTo("mqtt");
    ws.sendBinary(ByteBuffer.wrap(connect("wss-1", 30)), true).join();
    awaitBytes(r, CONNACK_ACCEPTED);
  }

  private static javax.net.ssl.TrustManager[] trustOnly(TestCertificates.Ca ca) throws Exception {
    java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setCertificateEntry("ca", ca.certificate());
    javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
        javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    return tmf.getTrustManagers();
  }
}
