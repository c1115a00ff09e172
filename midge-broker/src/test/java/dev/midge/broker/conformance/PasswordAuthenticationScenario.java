package dev.midge.broker.conformance;

import static dev.midge.broker.conformance.Frames.expectHexWithoutReasonString;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.midge.broker.auth.FailureDelay;
import dev.midge.broker.auth.password.PasswordHash;
import dev.midge.broker.config.AuthConfig;
import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.ListenerConfig;
import dev.midge.broker.config.ListenerConfig.Anonymous;
import dev.midge.broker.connection.MqttConnection;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Suback;
import dev.midge.codec.packet.Subscribe;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.ConnackReasonCode;
import dev.midge.testkit.RawMqttConnection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

/**
 * User names and passwords (auth.password-file, listeners[].allow-anonymous): the right password
 * lets a client in, a wrong one or an unknown user gets CONNACK 0x86 (MQTT 3.x: 0x04 Bad user
 * name or password), a client without a user name where anonymous clients are not allowed gets
 * 0x87 (0x05 Not authorised); each refusal is counted in {@code midge.auth.refused} and followed by
 * the close (MQTT-3.2.2-5 in 3.1.1, MQTT-3.2.2-7 in 5.0), and repeated failures from one address
 * are answered later and later.
 */
@DisplayName("Authentication: password file and anonymous clients")
class PasswordAuthenticationScenario extends ConformanceScenario {
  /** alice:secret, written by mosquitto_passwd 2.0.11 ($7$, PBKDF2-SHA512, 101 iterations). */
  static final String ALICE = "alice:$7$101$xSvi7JzGFXsKn8W0$85JHYHkE4NZ+eH3Yo+/oYYVJ5gcnt2ofC2BVzh"
      + "cGd6Cyie01znMmHUsFYyajJWCEP4UpoXNUCe+1gpJfsRreBQ==";
  /** bob:pw2, written by mosquitto_passwd -H sha512 ($6$, Mosquitto 1.6's format). */
  static final String BOB = "bob:$6$gDW7VPiubJsQj4rb$e19nLqRvHkGY4AIkfStJ8Gxa5w1VpAbTBWHSJnmjcPa"
      + "Hc93SEeZA/Yn5Sa9ObG0B/fXF4bX20A5La3ALhZRy5Q==";

  @TempDir Path dir;

  private Path passwordFile(String... lines) throws IOException {
    Path f = dir.resolve("passwords");
    Files.write(f, List.of(lines));
    return f;
  }

  private static BrokerConfig withPasswords(Path file, Anonymous anonymous) {
    BrokerConfig c = config().withAuth(AuthConfig.DEFAULTS.withPasswordFile(file.toString()));
    return withAnonymous(c, anonymous);
  }

  private static BrokerConfig withAnonymous(BrokerConfig c, Anonymous anonymous) {
    ListenerConfig l = c.listeners().get(0).withAllowAnonymous(anonymous);
    return c.withListeners(List.of(l));
  }

  private static Connect login(MqttVersion version, String clientId, @Nullable String user,
      @Nullable String password) {
    return Connect.builder(version).clientId(clientId).keepAlive(0).cleanStart(true)
        .username(user)
        .password(password == null ? null : password.getBytes(StandardCharsets.UTF_8)).build();
  }

  private double refused(String reason) {
    return counter("midge.auth.refused", "reason", reason);
  }

  private static String refusalHex(MqttVersion version, ConnackReasonCode code) {
    return version.isV5()
        ? String.format("20 03 00 %02x 00", code.value())
        : code == ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD ? "20 02 00 04" : "20 02 00 05";
  }

  // ---- the password file ----

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(value = MqttVersion.class, names = {"V3_1_1", "V5"})
  @DisplayName("auth.password-file: users hashed by mosquitto_passwd ($7$ PBKDF2-SHA512 and $6$"
      + " SHA-512) are let in with their passwords")
  void connect_whenRightPassword_thenAccepted(MqttVersion version) throws IOException {
    startBroker(withPasswords(passwordFile(ALICE, BOB), Anonymous.AUTO));

    client(login(version, "a", "alice", "secret")).ping(WAIT);
    client(login(version, "b", "bob", "pw2")).ping(WAIT);
    assertThat(refused("bad-credentials")).isZero();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(value = MqttVersion.class, names = {"V3_1_1", "V5"})
  @DisplayName("MQTT-3.2.2-5 (3.1.1) / MQTT-3.2.2-7 (5.0): a wrong password, a missing one or an"
      + " unknown user gets CONNACK 0x86 (3.1.1: return code 0x04) and the connection is closed")
  void connect_whenWrongPassword_thenBadUserNameOrPassword(MqttVersion version)
      throws IOException {
    startBroker(withPasswords(passwordFile(ALICE, BOB), Anonymous.AUTO));
    String expected = refusalHex(version, ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD);

    for (Connect c : List.of(login(version, "x1", "alice", "wrong"),
        login(version, "x2", "mallory", "secret"), login(version, "x3", "bob", null))) {
      RawMqttConnection conn = open(version);
      conn.send(c);
      assertThat(expectHexWithoutReasonString(conn, Connack.class, WAIT)).as(c.toString())
          .isEqualTo(expected);
      conn.expectClosed(WAIT);
    }
    assertThat(refused("bad-credentials")).isEqualTo(3);
    assertThat(broker.services().sessions().get("x1")).as("no session for a refused client")
        .isNull();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(value = MqttVersion.class, names = {"V3_1_1", "V5"})
  @DisplayName("MQTT-3.2.2-5 (3.1.1) / MQTT-3.2.2-7 (5.0): with a password file and"
      + " allow-anonymous auto, a client without a user name gets CONNACK 0x87 (3.1.1: 0x05 not"
      + " authorised) and is closed")
  void connect_whenAnonymousAndPasswordFile_thenNotAuthorized(MqttVersion version)
      throws IOException {
    startBroker(withPasswords(passwordFile(ALICE), Anonymous.AUTO));

    RawMqttConnection conn = open(version);
    conn.send(login(version, "anon", null, null));

    assertThat(expectHexWithoutReasonString(conn, Connack.class, WAIT))
        .isEqualTo(refusalHex(version, ConnackReasonCode.NOT_AUTHORIZED));
    conn.expectClosed(WAIT);
    assertThat(refused("anonymous")).isEqualTo(1);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(value = MqttVersion.class, names = {"V3_1_1", "V5"})
  @DisplayName("listeners[].allow-anonymous true: a client without a user name gets in beside"
      + " the password file's users, and a user in the file still needs the right password")
  void connect_whenAnonymousAllowed_thenAcceptedBesideUsers(MqttVersion version)
      throws IOException {
    startBroker(withPasswords(passwordFile(ALICE), Anonymous.TRUE));

    client(login(version, "anon", null, null)).ping(WAIT);
    RawMqttConnection wrong = open(version);
    assertThat(wrong.connect(login(version, "x", "alice", "nope")).reasonCode())
        .isEqualTo(ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("No auth section: allow-anonymous auto lets every client in, with or without a"
      + " user name (./midge broker with no configuration)")
  void connect_whenNoAuthConfigured_thenEveryoneAccepted(MqttVersion version) {
    startBroker(config());

    client(login(version, "anon", null, null)).ping(WAIT);
    client(login(version, "named", "whoever", "whatever")).ping(WAIT);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(value = MqttVersion.class, names = {"V3_1_1", "V5"})
  @DisplayName("MQTT-3.2.2-5 (3.1.1) / MQTT-3.2.2-7 (5.0): allow-anonymous false without a"
      + " password file refuses every client with CONNACK 0x87 (3.1.1: 0x05)")
  void connect_whenAnonymousForbiddenWithoutUsers_thenNotAuthorized(MqttVersion version) {
    startBroker(withAnonymous(config(), Anonymous.FALSE));

    RawMqttConnection conn = open(version);
    conn.send(login(version, "anon", "someone", "pw"));

    assertThat(expectHexWithoutReasonString(conn, Connack.class, WAIT))
        .isEqualTo(refusalHex(version, ConnackReasonCode.NOT_AUTHORIZED));
    conn.expectClosed(WAIT);
  }

  @Test
  @DisplayName("MQTT-3.1.4-5 (5.0): packets sent after CONNECT, before the CONNACK of a checked"
      + " password, are handled once the client is let in")
  void connect_whenSubscribeFollowsConnectAtOnce_thenHandledAfterAcceptance() throws IOException {
    startBroker(withPasswords(passwordFile(ALICE), Anonymous.AUTO));
    RawMqttConnection conn = open(MqttVersion.V5);

    conn.send(login(MqttVersion.V5, "eager", "alice", "secret"));
    conn.send(new Subscribe(1, List.of(new Subscription("a/b", MqttQos.AT_MOST_ONCE)),
        Properties.EMPTY));

    assertAccepted(conn.expect(Connack.class, WAIT));
    assertThat(conn.expect(Suback.class, WAIT).packetId()).isEqualTo(1);
  }

  @Test
  @DisplayName("A refusal is logged at INFO with the client, address and user name, never the"
      + " password")
  void connect_whenRefused_thenLoggedWithoutThePassword() throws IOException {
    Logger logger = (Logger) LoggerFactory.getLogger(MqttConnection.class);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    Level before = logger.getLevel();
    logger.setLevel(Level.INFO);
    logger.addAppender(appender);
    try {
      startBroker(withPasswords(passwordFile(ALICE), Anonymous.AUTO));
      String password = "hunter2-" + System.nanoTime();
      RawMqttConnection conn = open(MqttVersion.V5);
      assertThat(conn.connect(login(MqttVersion.V5, "logged", "alice", password)).reasonCode())
          .isEqualTo(ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD);

      await().atMost(WAIT).until(() -> appender.list.stream()
          .anyMatch(e -> e.getFormattedMessage().contains("client logged")));
      List<String> lines = appender.list.stream().map(ILoggingEvent::getFormattedMessage)
          .toList();
      assertThat(lines).filteredOn(l -> l.contains("client logged")).singleElement()
          .satisfies(l -> assertThat(l).contains("user alice", "127.0.0.1", "CONNACK 0x86"));
      assertThat(lines).noneMatch(l -> l.contains(password));
    } finally {
      logger.detachAppender(appender);
      logger.setLevel(before);
    }
  }

  // ---- slowing down ----

  @Test
  @DisplayName("Repeated failures from one address: the first refusal comes at once, the next"
      + " ones after the failure delay, without holding up other clients")
  void connect_whenRepeatedFailures_thenRefusalDelayed() throws IOException {
    Duration base = Duration.ofMillis(300);
    BrokerConfig c = withPasswords(passwordFile(ALICE), Anonymous.AUTO);
    startBroker(c, b -> b.failureDelay(new FailureDelay(base, Duration.ofSeconds(2),
        Duration.ofMinutes(1), System::nanoTime)));

    RawMqttConnection first = open(MqttVersion.V5);
    assertThat(first.connect(login(MqttVersion.V5, "g1", "alice", "guess1")).reasonCode())
        .isEqualTo(ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD);

    RawMqttConnection second = open(MqttVersion.V5);
    long sent = System.nanoTime();
    second.send(login(MqttVersion.V5, "g2", "alice", "guess2"));
    // Meanwhile the right password is let in at once (its CONNACK is not delayed).
    client(login(MqttVersion.V5, "ok", "alice", "secret")).ping(WAIT);
    assertThat(second.expect(Connack.class, WAIT).reasonCode())
        .isEqualTo(ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD);
    // A lower bound only: the refusal must not come before the delay.
    assertThat(Duration.ofNanos(System.nanoTime() - sent)).isGreaterThanOrEqualTo(base);
    second.expectClosed(WAIT);
    await().atMost(WAIT).until(() -> refused("bad-credentials") == 2);
  }
}
