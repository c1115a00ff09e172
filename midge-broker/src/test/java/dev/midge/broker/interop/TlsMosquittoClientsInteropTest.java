package dev.midge.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.MidgeBroker;
import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.ListenerConfig;
import dev.midge.broker.config.TlsConfig;
import dev.midge.broker.transport.tls.TestCertificates;
import dev.midge.testkit.ChildProcess;
import dev.midge.testkit.ExternalTools;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mosquitto's command line clients (OpenSSL underneath) against {@code mqtt+tls} listeners: TLS
 * with {@code --cafile}, mutual TLS with {@code --cert} and {@code --key}, a CA the client does not
 * know, and a reload of the server's certificate while {@code mosquitto_sub} stays connected.
 * Certificates come from {@link TestCertificates} (EC P-256, keys in PKCS#8 PEM). Missing binaries
 * skip the class locally and fail it on CI.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TlsMosquittoClientsInteropTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir
  Path dir;

  private final TestCertificates.Ca ca = TestCertificates.ca("Mosquitto test CA");
  private final List<ChildProcess> processes = new ArrayList<>();
  private MidgeBroker broker;
  private Path caFile;
  private Path[] alice;

  @BeforeEach
  void requireMosquittoClients() {
    ExternalTools.require(
        ExternalTools.onPath("mosquitto_pub").isPresent()
            && ExternalTools.onPath("mosquitto_sub").isPresent()
            && ExternalTools.onPath("stdbuf").isPresent(),
        "mosquitto_pub / mosquitto_sub (or coreutils' stdbuf)",
        "installed mosquitto-clients (apt-get install -y mosquitto-clients)",
        "apt-get install mosquitto-clients");
    caFile = ca.write(dir.resolve("ca.pem"));
    alice = ca.client("alice").write(dir, "alice");
  }

  @AfterEach
  void stop() {
    for (ChildProcess p : processes) {
      p.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  private TlsConfig start(TlsConfig.ClientAuth clientAuth) {
    Path[] server = ca.server("midge-1").write(dir, "server");
    TlsConfig tls = TlsConfig.of(server[0].toString(), server[1].toString())
        .withReloadInterval(Duration.ofMillis(200));
    if (clientAuth != TlsConfig.ClientAuth.NONE) {
      tls = tls.withClientAuth(clientAuth, caFile.toString());
    }
    ListenerConfig listener = ListenerConfig.defaults().withHost("127.0.0.1").withPort(0)
        .withProtocol(ListenerConfig.Protocol.MQTT_TLS, tls);
    broker = MidgeBroker.builder()
        .config(BrokerConfig.defaults().withListeners(List.of(listener))).build().start();
    return tls;
  }

  private List<String> tlsArgs(Path cafile, boolean withCert) {
    List<String> args = new ArrayList<>(List.of("-h", "localhost",
        "-p", Integer.toString(broker.port()), "--cafile", cafile.toString()));
    if (withCert) {
      args.addAll(List.of("--cert", alice[0].toString(), "--key", alice[1].toString()));
    }
    return args;
  }

  private ChildProcess subscribed(String id, String topic, boolean withCert) {
    List<String> cmd = new ArrayList<>(List.of("stdbuf", "-oL", "mosquitto_sub", "-i", id,
        "-d", "-v", "-k", "5", "-t", topic, "-q", "1"));
    cmd.addAll(tlsArgs(caFile, withCert));
    ChildProcess p = start("mosquitto_sub " + id, cmd);
    await().atMost(WAIT)
        .failFast("mosquitto_sub exited:\n" + p.output(), () -> !p.isAlive())
        .until(() -> p.hasLine(l -> l.contains("received SUBACK")));
    return p;
  }

  /** Runs mosquitto_pub; returns its exit code and output. */
  private ChildProcess publish(String id, String topic, String message, Path cafile,
      boolean withCert) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("mosquitto_pub", "-i", id, "-d", "-t", topic,
        "-m", message, "-q", "1"));
    cmd.addAll(tlsArgs(cafile, withCert));
    ChildProcess p = start("mosquitto_pub " + id, cmd);
    p.awaitExit(WAIT);
    return p;
  }

  private ChildProcess start(String name, List<String> cmd) {
    try {
      ChildProcess p = ChildProcess.start(name, cmd, null);
      processes.add(p);
      return p;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void awaitMessage(ChildProcess sub, String line) {
    await().atMost(WAIT).until(() -> sub.hasLine(l -> l.equals(line)));
  }

  @Test
  @DisplayName("TLS: mosquitto_sub and mosquitto_pub with --cafile exchange a QoS 1 message")
  void tls_whenClientsTrustTheCa_thenMessageDelivered() throws Exception {
    start(TlsConfig.ClientAuth.NONE);
    ChildProcess sub = subscribed("tls-sub", "mosq/tls", false);
    ChildProcess pub = publish("tls-pub", "mosq/tls", "over tls", caFile, false);
    assertThat(pub.awaitExit(WAIT)).as(pub.output()).isZero();
    awaitMessage(sub, "mosq/tls over tls");
  }

  @Test
  @DisplayName("mTLS: with --cert and --key from the CA the clients connect; mosquitto_pub"
      + " without a certificate is refused")
  void mtls_whenRequired_thenCertificateNeeded() throws Exception {
    start(TlsConfig.ClientAuth.REQUIRED);
    ChildProcess sub = subscribed("mtls-sub", "mosq/mtls", true);
    ChildProcess pub = publish("mtls-pub", "mosq/mtls", "over mtls", caFile, true);
    assertThat(pub.awaitExit(WAIT)).as(pub.output()).isZero();
    awaitMessage(sub, "mosq/mtls over mtls");

    ChildProcess refused = publish("mtls-nocert", "mosq/mtls", "x", caFile, false);
    assertThat(refused.awaitExit(WAIT)).as(refused.output()).isNotZero();
  }

  @Test
  @DisplayName("Wrong CA: mosquitto_pub with --cafile of another CA refuses the server")
  void tls_whenClientHasAnotherCa_thenRefused() throws Exception {
    start(TlsConfig.ClientAuth.NONE);
    Path other = TestCertificates.ca("Another CA").write(dir.resolve("other-ca.pem"));
    ChildProcess pub = publish("wrong-ca", "mosq/wrong", "x", other, false);
    assertThat(pub.awaitExit(WAIT)).as(pub.output()).isNotZero();
    assertThat(pub.output()).contains("TLS");
  }

  @Test
  @DisplayName("Reload: a new server certificate while mosquitto_sub stays connected; the old"
      + " subscriber still receives, and a new mosquitto_pub connects against the new one")
  void reload_whenCertificateChanges_thenConnectedSubscriberStays() throws Exception {
    TlsConfig tls = start(TlsConfig.ClientAuth.REQUIRED);
    ChildProcess sub = subscribed("reload-sub", "mosq/reload", true);
    ChildProcess before = publish("reload-pub-1", "mosq/reload", "before", caFile, true);
    assertThat(before.awaitExit(WAIT)).as(before.output()).isZero();
    awaitMessage(sub, "mosq/reload before");

    TestCertificates.Issued renewed = ca.server("midge-2");
    renewed.writeKey(Path.of(tls.key()));
    renewed.writeCertificate(Path.of(tls.certificate()));
    await().atMost(WAIT).until(() -> serverSubject().contains("CN=midge-2"));

    ChildProcess after = publish("reload-pub-2", "mosq/reload", "after", caFile, true);
    assertThat(after.awaitExit(WAIT)).as(after.output()).isZero();
    awaitMessage(sub, "mosq/reload after");
    assertThat(sub.isAlive()).isTrue();
  }

  private String serverSubject() throws Exception {
    try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) ca.socketFactory(
        ca.client("probe")).createSocket("127.0.0.1", broker.port())) {
      s.startHandshake();
      return ((java.security.cert.X509Certificate) s.getSession().getPeerCertificates()[0])
          .getSubjectX500Principal().getName();
    }
  }
}
