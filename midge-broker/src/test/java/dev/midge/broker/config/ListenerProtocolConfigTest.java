package dev.midge.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.midge.broker.transport.tls.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The listener keys of TLS and WebSocket: protocol, websocket-path and the tls section, and the
 * config errors for files that cannot be used, each naming the key and the fix.
 */
class ListenerProtocolConfigTest {
  @TempDir
  Path dir;

  private String crt;
  private String key;
  private String ca;
  private TestCertificates.Ca authority;

  @BeforeEach
  void files() {
    authority = TestCertificates.ca("Config CA");
    Path[] f = authority.server("broker").write(dir, "server");
    crt = f[0].toString();
    key = f[1].toString();
    ca = authority.write(dir.resolve("ca.pem")).toString();
  }

  private static ConfigException refused(String yaml) {
    try {
      ConfigLoader.parse(yaml, "midge.yaml");
    } catch (ConfigException e) {
      return e;
    }
    throw new AssertionError("accepted:\n" + yaml);
  }

  @Test
  void protocols_whenWritten_thenRead() {
    BrokerConfig c = ConfigLoader.parse("""
        listeners:
          - port: 1883
          - port: 8883
            protocol: mqtt+tls
            tls:
              certificate: %s
              key: %s
              ca: %s
              client-auth: required
              use-subject-as-username: true
              reload-interval: 2s
          - port: 8080
            protocol: ws
          - port: 8443
            protocol: wss
            websocket-path: /ws/mqtt
            tls:
              certificate: %s
              key: %s
        """.formatted(crt, key, ca, crt, key));
    assertThat(c.listeners()).extracting(ListenerConfig::protocol).containsExactly(
        ListenerConfig.Protocol.MQTT, ListenerConfig.Protocol.MQTT_TLS,
        ListenerConfig.Protocol.WS, ListenerConfig.Protocol.WSS);
    ListenerConfig tls = c.listeners().get(1);
    assertThat(tls.tls()).isEqualTo(new TlsConfig(crt, key, ca, TlsConfig.ClientAuth.REQUIRED,
        true, Duration.ofSeconds(2)));
    assertThat(c.listeners().get(2).websocketPath()).isEqualTo("/mqtt");
    assertThat(c.listeners().get(2).tls()).isEqualTo(TlsConfig.DEFAULTS);
    assertThat(c.listeners().get(3).websocketPath()).isEqualTo("/ws/mqtt");
  }

  /** The complete configuration of docs/security.md loads, its paths pointing at real files. */
  @Test
  void securityMd_completeConfiguration_loadsWithRealFiles() throws Exception {
    Path doc = dev.midge.testkit.ExternalTools.repositoryRoot().resolve("docs/security.md");
    String text = Files.readString(doc);
    int start = text.indexOf("```yaml\n") + "```yaml\n".length();
    String yaml = text.substring(start, text.indexOf("```", start));
    // The files of files() are already called server.crt and server.key in dir.
    Files.copy(Path.of(ca), dir.resolve("clients-ca.pem"));

    BrokerConfig c = ConfigLoader.parse(yaml.replace("/etc/midge/tls/", dir + "/"), "security.md");

    assertThat(c.listeners()).extracting(ListenerConfig::protocol).containsExactly(
        ListenerConfig.Protocol.MQTT, ListenerConfig.Protocol.MQTT_TLS,
        ListenerConfig.Protocol.WSS, ListenerConfig.Protocol.WS);
    assertThat(c.listeners().get(1).tls().clientAuth()).isEqualTo(TlsConfig.ClientAuth.REQUIRED);
    assertThat(c.listeners().get(1).tls().useSubjectAsUsername()).isTrue();
    assertThat(c.listeners().get(1).maxConnections()).isEqualTo(20000);
    assertThat(c.limits().maxSubscriptionsPerClient()).isEqualTo(100);
    assertThat(c.limits().connectRatePerAddress()).isEqualTo(10);
    assertThat(c.limits().publishRatePerClient()).isEqualTo(100);
  }

  @Test
  void protocol_whenMisspelt_thenSuggestion() {
    ConfigException e = refused("listeners:\n  - protocol: mqtt-tls\n");
    assertThat(e.key()).isEqualTo("listeners[0].protocol");
    assertThat(e.getMessage()).contains("allowed: mqtt, mqtt+tls, ws, wss")
        .contains("did you mean mqtt+tls?");
  }

  @Test
  void tls_whenCertificateMissing_thenKeyNamed() {
    ConfigException e = refused("listeners:\n  - protocol: mqtt+tls\n");
    assertThat(e.key()).isEqualTo("listeners[0].tls.certificate");
    assertThat(e.fix()).contains("PEM file");
  }

  @Test
  void tls_whenFileDoesNotExist_thenKeyAndLineNamed() {
    ConfigException e = refused("""
        listeners:
          - protocol: mqtt+tls
            tls:
              certificate: %s
              key: %s
        """.formatted(crt, dir.resolve("nope.key")));
    assertThat(e.key()).isEqualTo("listeners[0].tls.key");
    assertThat(e.line()).isEqualTo(5);
    assertThat(e.problem()).contains("no such file");
  }

  @Test
  void tls_whenKeyIsPkcs1_thenFixSaysHowToConvert() throws Exception {
    Path rsa = dir.resolve("rsa.key");
    Files.writeString(rsa,
        "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
    ConfigException e = refused("""
        listeners:
          - protocol: mqtt+tls
            tls:
              certificate: %s
              key: %s
        """.formatted(crt, rsa));
    assertThat(e.key()).isEqualTo("listeners[0].tls.key");
    assertThat(e.fix()).contains("openssl pkcs8 -topk8 -nocrypt");
  }

  @Test
  void tls_whenKeyBelongsToAnotherCertificate_thenRefused() {
    Path otherKey = authority.server("other").write(dir, "other")[1];
    ConfigException e = refused("""
        listeners:
          - protocol: wss
            tls:
              certificate: %s
              key: %s
        """.formatted(crt, otherKey));
    assertThat(e.key()).isEqualTo("listeners[0].tls.key");
    assertThat(e.problem()).contains("does not belong to the first certificate");
  }

  @Test
  void tls_whenCertificateIsNotPem_thenRefused() throws Exception {
    Path junk = Files.writeString(dir.resolve("junk.crt"), "hello\n");
    ConfigException e = refused("""
        listeners:
          - protocol: mqtt+tls
            tls:
              certificate: %s
              key: %s
        """.formatted(junk, key));
    assertThat(e.key()).isEqualTo("listeners[0].tls.certificate");
    assertThat(e.problem()).contains("no PEM certificate");
  }

  @Test
  void tls_whenClientAuthRequiredWithoutCa_thenCaNamed() {
    ConfigException e = refused("""
        listeners:
          - protocol: mqtt+tls
            tls:
              certificate: %s
              key: %s
              client-auth: required
        """.formatted(crt, key));
    assertThat(e.key()).isEqualTo("listeners[0].tls.ca");
    assertThat(e.problem()).contains("client-auth is required");
  }

  @Test
  void tls_whenCaWithoutClientAuth_thenRefusedRatherThanIgnored() {
    ConfigException e = refused("""
        listeners:
          - protocol: mqtt+tls
            tls:
              certificate: %s
              key: %s
              ca: %s
        """.formatted(crt, key, ca));
    assertThat(e.key()).isEqualTo("listeners[0].tls.ca");
    assertThat(e.fix()).contains("client-auth to optional or required");
  }

  @Test
  void tls_whenSubjectAsUsernameWithoutClientAuth_thenRefused() {
    ConfigException e = refused("""
        listeners:
          - protocol: mqtt+tls
            tls:
              certificate: %s
              key: %s
              use-subject-as-username: true
        """.formatted(crt, key));
    assertThat(e.key()).isEqualTo("listeners[0].tls.use-subject-as-username");
  }

  @Test
  void tls_whenGivenToAPlainListener_thenRefusedRatherThanIgnored() {
    ConfigException e = refused("""
        listeners:
          - protocol: ws
            tls:
              certificate: %s
        """.formatted(crt));
    assertThat(e.key()).isEqualTo("listeners[0].tls.certificate");
    assertThat(e.fix()).contains("mqtt+tls or wss");
  }

  @Test
  void websocketPath_whenGivenToAnMqttListener_thenRefused() {
    ConfigException e = refused("listeners:\n  - websocket-path: /ws\n");
    assertThat(e.key()).isEqualTo("listeners[0].websocket-path");
    assertThat(e.fix()).contains("ws or wss");
  }

  @Test
  void websocketPath_whenNotStartingWithSlash_thenRefused() {
    ConfigException e = refused("listeners:\n  - protocol: ws\n    websocket-path: mqtt\n");
    assertThat(e.key()).isEqualTo("listeners[0].websocket-path");
    assertThat(e.fix()).contains("/mqtt");
  }
}
