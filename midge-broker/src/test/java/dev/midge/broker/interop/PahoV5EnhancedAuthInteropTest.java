package dev.midge.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.midge.broker.auth.ChallengeResponseMechanism;
import dev.midge.broker.auth.scram.ScramCredentialStore;
import dev.midge.broker.auth.scram.ScramSha256Mechanism;
import dev.midge.broker.config.BrokerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Eclipse Paho's MQTT v5 client (1.2.5) with enhanced authentication against Midge, using the
 * test mechanism {@link ChallengeResponseMechanism} beside SCRAM-SHA-256 (two mechanisms in one
 * broker): the Authentication Method and Data of {@link MqttConnectionOptions}, CONNACK carrying
 * the method and data back, and a two-step re-authentication through {@code authenticate(...)}
 * and {@link MqttCallback#authPacketArrived}.
 *
 * <p>Two limits of Paho 1.2.5 shape these tests. It sends no packet before CONNACK ({@code
 * ClientComms.sendNoWait} refuses while connecting), so challenges before CONNACK cannot be
 * answered from it; after CONNACK they can. And it writes every AUTH with the reserved flag bits
 * 0001 (eclipse-paho/paho.mqtt.java#980), which MQTT-3.15.1-1 obliges the broker to treat as
 * malformed: one test checks that Midge does; the re-authentication test runs through {@link
 * AuthFlagsFix}, a proxy that clears those bits, Paho's fix in flight.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PahoV5EnhancedAuthInteropTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String METHOD = ChallengeResponseMechanism.METHOD;

  @RegisterExtension
  final InteropBroker broker = InteropBroker.started("paho-auth", BrokerConfig.defaults(),
      builder -> builder
          .enhancedAuthentication(new ChallengeResponseMechanism(Map.of("paho", "s3cret"), 1, true))
          .enhancedAuthentication(new ScramSha256Mechanism(ScramCredentialStore.of(Map.of()))));
  private final InteropClients clients = new InteropClients(broker);

  /** Records AUTH packets and messages the client receives. */
  private static final class Recorder implements MqttCallback {
    final BlockingQueue<int[]> authCodes = new LinkedBlockingQueue<>();
    final BlockingQueue<MqttProperties> authProperties = new LinkedBlockingQueue<>();
    final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    final BlockingQueue<MqttDisconnectResponse> disconnects = new LinkedBlockingQueue<>();

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {
      authProperties.add(properties);
      authCodes.add(new int[] {reasonCode});
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
      messages.add(new String(message.getPayload(), StandardCharsets.UTF_8));
    }

    @Override
    public void disconnected(MqttDisconnectResponse response) {
      disconnects.add(response);
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) { }

    @Override
    public void deliveryComplete(IMqttToken token) { }

    @Override
    public void connectComplete(boolean reconnect, String serverUri) { }

    /** The next AUTH: its reason code and its Authentication Data as text. */
    String nextAuth(int expectedCode) throws InterruptedException {
      int[] code = authCodes.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(code).as("an AUTH packet").isNotNull();
      assertThat(code[0]).isEqualTo(expectedCode);
      MqttProperties p = authProperties.take();
      assertThat(p.getAuthenticationMethod()).isEqualTo(METHOD);
      return new String(p.getAuthenticationData(), StandardCharsets.UTF_8);
    }
  }

  private MqttAsyncClient client(String id, Recorder recorder) throws MqttException {
    return client(id, recorder, broker.port());
  }

  private MqttAsyncClient client(String id, Recorder recorder, int port) throws MqttException {
    MqttAsyncClient c = clients.pahoV5(id, port);
    c.setCallback(recorder);
    return c;
  }

  private static MqttConnectionOptions options(String method, String data) {
    MqttConnectionOptions o = new MqttConnectionOptions();
    o.setCleanStart(true);
    o.setAutomaticReconnect(false);
    o.setConnectionTimeout(10);
    o.setAuthMethod(method);
    o.setAuthData(data.getBytes(StandardCharsets.UTF_8));
    return o;
  }

  private static MqttProperties auth(String data) {
    MqttProperties p = new MqttProperties();
    p.setAuthenticationMethod(METHOD);
    p.setAuthenticationData(data.getBytes(StandardCharsets.UTF_8));
    return p;
  }

  @Test
  @DisplayName("MQTT-4.12.0-5: Paho's Authentication Method and Data in CONNECT → CONNACK 0x00"
      + " carrying the method and the mechanism's data")
  void connect_whenAuthMethodAndData_thenConnackWithMethodAndData() throws Exception {
    MqttAsyncClient c = client("paho-auth", new Recorder());
    IMqttToken token = c.connect(options(METHOD, "paho:s3cret"));
    token.waitForCompletion(WAIT.toMillis());

    assertThat(c.isConnected()).isTrue();
    MqttProperties connack = token.getResponseProperties();
    assertThat(connack.getAuthenticationMethod()).isEqualTo(METHOD);
    assertThat(new String(connack.getAuthenticationData(), StandardCharsets.UTF_8))
        .isEqualTo("welcome paho");
  }

  @Test
  @DisplayName("§4.12.1: Paho re-authenticates in two steps (AUTH 0x19, AUTH 0x18 challenge,"
      + " AUTH 0x18 answer, AUTH 0x00) while its messages keep flowing")
  void reauthenticate_whenChallengeAnswered_thenAuthSuccess() throws Exception {
    AuthFlagsFix proxy = broker.closeAfterTest(new AuthFlagsFix(broker.port()));
    Recorder recorder = new Recorder();
    MqttAsyncClient c = client("paho-reauth", recorder, proxy.port());
    c.connect(options(METHOD, "paho:s3cret")).waitForCompletion(WAIT.toMillis());
    c.subscribe("paho/auth/#", 1).waitForCompletion(WAIT.toMillis());

    c.authenticate(0x19, null, auth("paho"));
    String challenge = recorder.nextAuth(0x18);
    assertThat(challenge).isEqualTo("challenge-1");
    c.publish("paho/auth/during", "during".getBytes(StandardCharsets.UTF_8), 1, false)
        .waitForCompletion(WAIT.toMillis());
    c.authenticate(0x18, null, auth("s3cret:" + challenge));
    assertThat(recorder.nextAuth(0x00)).isEqualTo("welcome paho");

    c.publish("paho/auth/after", "after".getBytes(StandardCharsets.UTF_8), 1, false)
        .waitForCompletion(WAIT.toMillis());
    assertThat(recorder.messages.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("during");
    assertThat(recorder.messages.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("after");
    assertThat(c.isConnected()).isTrue();
  }

  @Test
  @DisplayName("MQTT-4.12.0-4: a wrong secret → Paho sees CONNACK 0x87")
  void connect_whenWrongSecret_thenConnack0x87() throws Exception {
    MqttAsyncClient c = client("paho-wrong", new Recorder());
    assertThatThrownBy(() -> c.connect(options(METHOD, "paho:guess"))
        .waitForCompletion(WAIT.toMillis()))
        .isInstanceOfSatisfying(MqttException.class,
            e -> assertThat(e.getReasonCode()).isEqualTo(0x87));
    assertThat(c.isConnected()).isFalse();
  }

  @Test
  @DisplayName("MQTT-4.12.0-1: a method the broker does not serve → Paho sees CONNACK 0x8C")
  void connect_whenUnsupportedMethod_thenConnack0x8C() throws Exception {
    MqttAsyncClient c = client("paho-unsupported", new Recorder());
    assertThatThrownBy(() -> c.connect(options("GS2-KRB5", "token"))
        .waitForCompletion(WAIT.toMillis()))
        .isInstanceOfSatisfying(MqttException.class,
            e -> assertThat(e.getReasonCode()).isEqualTo(0x8C));
  }

  @Test
  @DisplayName("MQTT-3.15.1-1: Paho 1.2.5's own AUTH, reserved flags 0001, is malformed →"
      + " DISCONNECT 0x81 and close")
  void reauthenticate_whenPahoSendsReservedFlags_thenDisconnect0x81() throws Exception {
    Recorder recorder = new Recorder();
    MqttAsyncClient c = client("paho-flags", recorder);
    c.connect(options(METHOD, "paho:s3cret")).waitForCompletion(WAIT.toMillis());

    c.authenticate(0x19, null, auth("paho"));

    MqttDisconnectResponse d = recorder.disconnects.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(d).as("the broker's DISCONNECT").isNotNull();
    assertThat(d.getReturnCode()).isEqualTo(0x81);
    assertThat(recorder.authCodes).isEmpty();
  }

  /**
   * A TCP proxy that clears the reserved flag bits of the AUTH packets a client sends (the fix of
   * eclipse-paho/paho.mqtt.java#980) and passes every other byte through unchanged. It frames the
   * client's stream by fixed header and remaining length only. One thread per direction.
   */
  static final class AuthFlagsFix implements AutoCloseable {
    private final ServerSocket server;
    private final int brokerPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "auth-flags-fix");
      t.setDaemon(true);
      return t;
    });

    AuthFlagsFix(int brokerPort) throws IOException {
      this.brokerPort = brokerPort;
      this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      threads.execute(this::accept);
    }

    int port() {
      return server.getLocalPort();
    }

    private void accept() {
      try {
        while (true) {
          Socket client = server.accept();
          Socket upstream = new Socket(InetAddress.getLoopbackAddress(), brokerPort);
          sockets.add(client);
          sockets.add(upstream);
          threads.execute(() -> pump(client, upstream, true));
          threads.execute(() -> pump(upstream, client, false));
        }
      } catch (IOException closed) {
        // the proxy is closing
      }
    }

    private void pump(Socket from, Socket to, boolean fixAuth) {
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int stage = 0; // 0: first byte of a packet, 1: remaining length, 2: body
        long remaining = 0;
        int shift = 0;
        int b;
        while ((b = in.read()) >= 0) {
          if (stage == 0) {
            if (fixAuth && (b >>> 4) == 15) {
              b &= 0xF0; // MQTT-3.15.1-1: bits 3 to 0 of AUTH are 0
            }
            stage = 1;
            remaining = 0;
            shift = 0;
          } else if (stage == 1) {
            remaining |= (long) (b & 0x7F) << shift;
            shift += 7;
            if ((b & 0x80) == 0) {
              stage = remaining == 0 ? 0 : 2;
            }
          } else if (--remaining == 0) {
            stage = 0;
          }
          out.write(b);
          if (stage == 0 || in.available() == 0) {
            out.flush();
          }
        }
      } catch (IOException closed) {
        // one side closed
      } finally {
        close(from);
        close(to);
      }
    }

    private static void close(Socket s) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }

    @Override
    public void close() {
      close(server);
      for (Socket s : sockets) {
        close(s);
      }
      threads.shutdownNow();
    }

    private static void close(ServerSocket s) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }
}
