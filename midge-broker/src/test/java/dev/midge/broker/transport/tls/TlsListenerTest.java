package dev.midge.broker.transport.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.MidgeBroker;
import dev.midge.broker.auth.AuthenticationContext;
import dev.midge.broker.auth.AuthenticationMechanism;
import dev.midge.broker.auth.AuthenticationResult;
import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.ListenerConfig;
import dev.midge.broker.config.TlsConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mqtt+tls} listeners against Eclipse Paho (v3 and v5) on the JDK's TLS: TLS, mutual TLS,
 * certificates the server does not trust and clients that do not trust the server, a reload of the
 * server's certificate while a client stays connected, and the certificate's name as user name.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsListenerTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir
  Path dir;

  private MidgeBroker broker;
  private final List<AutoCloseable> clients = new java.util.ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : clients) {
      try {
        c.close();
      } catch (Exception e) {
        // already gone
      }
    }
    if (broker != null) {
      broker.close();
    }
  }

  private TestCertificates.Ca ca = TestCertificates.ca("Midge Test CA");

  private TlsConfig serverFiles(TlsConfig.ClientAuth clientAuth) {
    Path[] files = ca.server("broker-1").write(dir, "server");
    TlsConfig tls = TlsConfig.of(files[0].toString(), files[1].toString())
        .withReloadInterval(Duration.ofMillis(100));
    if (clientAuth != TlsConfig.ClientAuth.NONE) {
      tls = tls.withClientAuth(clientAuth, ca.write(dir.resolve("ca.pem")).toString());
    }
    return tls;
  }

  private void start(TlsConfig tls) {
    start(tls, MidgeBroker.builder());
  }

  private void start(TlsConfig tls, MidgeBroker.Builder builder) {
    start(tls, builder, BrokerConfig.defaults());
  }

  private void start(TlsConfig tls, MidgeBroker.Builder builder, BrokerConfig config) {
    ListenerConfig listener = ListenerConfig.defaults().withHost("127.0.0.1").withPort(0)
        .withProtocol(ListenerConfig.Protocol.MQTT_TLS, tls);
    broker = builder.config(config.withListeners(List.of(listener))).build().start();
  }

  /** A broker config whose password file knows only {@code bob}: anonymous clients are refused. */
  private BrokerConfig withPasswordFile() throws Exception {
    Path passwd = dir.resolve("passwd");
    java.nio.file.Files.writeString(passwd, "bob:"
        + dev.midge.broker.auth.password.PasswordHash.create("secret").encode() + "\n");
    return BrokerConfig.defaults().withAuth(
        dev.midge.broker.config.AuthConfig.DEFAULTS.withPasswordFile(passwd.toString()));
  }

  private MqttClient paho(String id, SSLSocketFactory factory) throws MqttException {
    MqttClient c = new MqttClient("ssl://127.0.0.1:" + broker.port(), id, new MemoryPersistence());
    MqttConnectOptions o = new MqttConnectOptions();
    o.setSocketFactory(factory);
    o.setHttpsHostnameVerificationEnabled(true);
    o.setConnectionTimeout(10);
    o.setKeepAliveInterval(30);
    c.connect(o);
    clients.add(() -> c.disconnectForcibly(0, 1000));
    clients.add(c::close);
    return c;
  }

  private static void assertRoundTrip(MqttClient c, String topic) throws Exception {
    BlockingQueue<String> got = new LinkedBlockingQueue<>();
    c.subscribe(topic, 1, (t, m) -> got.add(new String(m.getPayload(), StandardCharsets.UTF_8)));
    c.publish(topic, "over tls".getBytes(StandardCharsets.UTF_8), 1, false);
    assertThat(got.poll(10, TimeUnit.SECONDS)).isEqualTo("over tls");
  }

  /** The certificate the server presents to a new TLS connection. */
  private X509Certificate serverCertificate() throws Exception {
    try (SSLSocket s = (SSLSocket) ca.socketFactory(null).createSocket("127.0.0.1",
        broker.port())) {
      s.startHandshake();
      return (X509Certificate) s.getSession().getPeerCertificates()[0];
    }
  }

  @Test
  @DisplayName("mqtt+tls: Paho v3 over TLS, trusting the CA and checking the host name,"
      + " subscribes and receives its own QoS 1 message")
  void tls_whenClientTrustsTheCa_thenPublishAndSubscribeWork() throws Exception {
    start(serverFiles(TlsConfig.ClientAuth.NONE));
    MqttClient c = paho("tls-1", ca.socketFactory(null));
    assertRoundTrip(c, "tls/round-trip");
    assertThat(serverCertificate().getSubjectX500Principal().getName()).contains("CN=broker-1");
  }

  @Test
  @DisplayName("mqtt+tls: a client that trusts another CA refuses the server; the broker counts"
      + " the failed handshake and stays up")
  void tls_whenClientTrustsAnotherCa_thenHandshakeFailsAndCounted() throws Exception {
    start(serverFiles(TlsConfig.ClientAuth.NONE));
    TestCertificates.Ca other = TestCertificates.ca("Another CA");
    assertThatThrownBy(() -> paho("tls-wrong-ca", other.socketFactory(null)))
        .isInstanceOf(MqttException.class);
    // Paho tries MQTT 3.1.1, then 3.1: one failed handshake each.
    await().atMost(WAIT).until(() -> handshakeFailures() >= 1.0);
    assertRoundTrip(paho("tls-after", ca.socketFactory(null)), "tls/after");
  }

  @Test
  @DisplayName("mTLS, client-auth required: a client with a certificate from the CA connects;"
      + " one without a certificate, and one whose certificate another CA signed, are refused")
  void mtls_whenRequired_thenOnlyClientsWithCertificatesFromTheCaConnect() throws Exception {
    start(serverFiles(TlsConfig.ClientAuth.REQUIRED));
    assertRoundTrip(paho("mtls-alice", ca.socketFactory(ca.client("alice"))), "mtls/ok");

    assertThatThrownBy(() -> paho("mtls-none", ca.socketFactory(null)))
        .isInstanceOf(MqttException.class);
    TestCertificates.Ca rogue = TestCertificates.ca("Rogue CA");
    TestCertificates.Issued mallory = rogue.client("mallory");
    assertThatThrownBy(() -> paho("mtls-rogue", ca.socketFactory(mallory)))
        .isInstanceOf(MqttException.class);
    await().atMost(WAIT).until(() -> handshakeFailures() >= 2.0);
  }

  @Test
  @DisplayName("use-subject-as-username with a password file: the verified certificate"
      + " authenticates the client as its CN, with no password (Mosquitto's"
      + " use_identity_as_username)")
  void subjectAsUsername_whenPasswordFileSet_thenCertificateAuthenticatesWithoutPassword()
      throws Exception {
    start(serverFiles(TlsConfig.ClientAuth.REQUIRED).withUseSubjectAsUsername(true),
        MidgeBroker.builder(), withPasswordFile());
    assertRoundTrip(paho("cert-only", ca.socketFactory(ca.client("alice"))), "cert/ok");
  }

  @Test
  @DisplayName("mTLS without use-subject-as-username and a password file: a certificate alone is"
      + " not a login; a client without user name and password is refused (CONNACK 0x05)")
  void mtls_whenPasswordFileSetAndNoSubjectAsUsername_thenCertificateAloneRefused()
      throws Exception {
    start(serverFiles(TlsConfig.ClientAuth.REQUIRED), MidgeBroker.builder(), withPasswordFile());
    assertThatThrownBy(() -> paho("cert-no-login", ca.socketFactory(ca.client("alice"))))
        .isInstanceOf(MqttException.class)
        .satisfies(e -> assertThat(((MqttException) e).getReasonCode())
            .isEqualTo(MqttException.REASON_CODE_NOT_AUTHORIZED));
  }

  @Test
  @DisplayName("mTLS, client-auth optional: a client without a certificate connects, and so"
      + " does one with a certificate from the CA")
  void mtls_whenOptional_thenWithAndWithoutCertificateConnect() throws Exception {
    start(serverFiles(TlsConfig.ClientAuth.OPTIONAL));
    assertRoundTrip(paho("opt-none", ca.socketFactory(null)), "opt/none");
    assertRoundTrip(paho("opt-alice", ca.socketFactory(ca.client("alice"))), "opt/alice");
  }

  @Test
  @DisplayName("Reload: new certificate files are picked up for new connections; a client"
      + " connected before keeps publishing and receiving on its old session")
  void reload_whenCertificateFilesChange_thenNewClientsGetTheNewOneAndOldClientStays()
      throws Exception {
    start(serverFiles(TlsConfig.ClientAuth.NONE));
    MqttClient old = paho("reload-old", ca.socketFactory(null));
    assertRoundTrip(old, "reload/before");
    assertThat(serverCertificate().getSubjectX500Principal().getName()).contains("CN=broker-1");

    ca.server("broker-2").write(dir, "server");

    await().atMost(WAIT).until(() -> serverCertificate().getSubjectX500Principal().getName()
        .contains("CN=broker-2"));
    assertThat(old.isConnected()).isTrue();
    assertRoundTrip(old, "reload/after");
    assertRoundTrip(paho("reload-new", ca.socketFactory(null)), "reload/new");
  }

  @Test
  @DisplayName("Reload: a key that does not match the new certificate is refused and the old"
      + " certificate stays in use")
  void reload_whenNewKeyDoesNotMatch_thenOldCertificateStays() throws Exception {
    TlsConfig tls = serverFiles(TlsConfig.ClientAuth.NONE);
    try (ReloadingSslContext context = new ReloadingSslContext("reload-test", tls)) {
      TestCertificates.Issued next = ca.server("broker-3");
      next.writeCertificate(Path.of(tls.certificate())); // the key file is still broker-1's

      assertThat(context.checkForChanges()).isFalse();
      assertThat(context.certificate().getSubjectX500Principal().getName())
          .contains("CN=broker-1");

      next.writeKey(Path.of(tls.key()));
      assertThat(context.checkForChanges()).isTrue();
      assertThat(context.certificate().getSubjectX500Principal().getName())
          .contains("CN=broker-3");
      assertThat(context.checkForChanges()).as("unchanged files").isFalse();
    }
  }

  @Test
  @DisplayName("use-subject-as-username: the CN of the client's certificate is the user name"
      + " the broker sees, whatever CONNECT said")
  void subjectAsUsername_whenClientPresentsCertificate_thenCnIsTheUserName() throws Exception {
    CompletableFuture<String> seen = new CompletableFuture<>();
    AuthenticationMechanism capture = new AuthenticationMechanism() {
      @Override
      public String method() {
        return "capture";
      }

      @Override
      public dev.midge.broker.auth.AuthenticationExchange begin(AuthenticationContext context) {
        seen.complete(String.valueOf(context.userName()));
        return data -> AuthenticationResult.success(null, context.userName());
      }
    };
    start(serverFiles(TlsConfig.ClientAuth.REQUIRED).withUseSubjectAsUsername(true),
        MidgeBroker.builder().enhancedAuthentication(capture));
    org.eclipse.paho.mqttv5.client.MqttClient c = new org.eclipse.paho.mqttv5.client.MqttClient(
        "ssl://127.0.0.1:" + broker.port(), "cn-user",
        new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
    clients.add(c::close);
    MqttConnectionOptions o = new MqttConnectionOptions();
    o.setSocketFactory(ca.socketFactory(ca.client("alice")));
    o.setUserName("claimed-name");
    o.setAuthMethod("capture");
    o.setAuthData(new byte[] {1});
    c.connect(o);
    clients.add(0, () -> c.disconnect());
    assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo("alice");
  }

  @Test
  @DisplayName("use-subject-as-username: a certificate without CN and without an email, DNS or"
      + " URI alternative name gives no name, and the connection is closed")
  void subjectAsUsername_whenCertificateGivesNoName_thenConnectionClosed() throws Exception {
    start(serverFiles(TlsConfig.ClientAuth.REQUIRED).withUseSubjectAsUsername(true));
    TestCertificates.Issued nameless = ca.client("O=Example,OU=devices", null);
    assertThatThrownBy(() -> paho("nameless", ca.socketFactory(nameless)))
        .isInstanceOf(MqttException.class);
    assertThat(broker.services().connectedClients().size()).isZero();
    assertRoundTrip(paho("named", ca.socketFactory(ca.client("carol"))), "names/carol");
  }

  @Test
  @DisplayName("use-subject-as-username: the rule is the subject's CN, else the first email, DNS"
      + " or URI subject alternative name")
  void nameOf_whenNoCn_thenFirstAlternativeName() {
    assertThat(CertificateUsername.nameOf(ca.client("CN=bob,OU=ops,O=Example", null).certificate()))
        .isEqualTo("bob");
    assertThat(CertificateUsername.nameOf(
        ca.client("O=Example,OU=devices", "dev-7@example.com").certificate()))
        .isEqualTo("dev-7@example.com");
    assertThat(CertificateUsername.nameOf(ca.client("O=Example", null).certificate())).isNull();
  }

  private double handshakeFailures() {
    var c = broker.prometheusRegistry().find("midge.tls.handshakes.failed").counter();
    return c == null ? 0 : c.count();
  }
}
