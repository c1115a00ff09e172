package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.auth.AuthenticationContext;
import dev.midge.broker.auth.AuthenticationResult;
import dev.midge.broker.auth.ChallengeResponseMechanism;
import dev.midge.broker.config.KeepAliveConfig;
import dev.midge.broker.metrics.DisconnectCause;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Auth;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.MqttPacket;
import dev.midge.codec.packet.Pingreq;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Subscribe;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.packet.Will;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.AuthReasonCode;
import dev.midge.codec.reason.ConnackReasonCode;
import dev.midge.codec.reason.DisconnectReasonCode;
import dev.midge.testkit.Frame;
import dev.midge.testkit.RawMqttConnection;
import dev.midge.testkit.RawPackets;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * MQTT 5 enhanced authentication (§4.12) and the AUTH packet (§3.15), against a broker with the
 * test mechanism {@link ChallengeResponseMechanism} (method {@value #METHOD}; users alice and bob;
 * results completed on another thread than the connection's, so every result crosses back to the
 * event loop). A CONNECT naming the method gets AUTH 0x18 challenges until the mechanism decides;
 * success is CONNACK 0x00 with the method, and only then is the session claimed; failure is a
 * CONNACK error and close. After CONNACK, AUTH 0x19 re-authenticates while other packets flow;
 * failure there is DISCONNECT. AUTH exists in MQTT 5 only, so every test is MQTT 5.
 */
@DisplayName("Enhanced authentication (MQTT 5 §4.12, AUTH §3.15)")
class AuthScenario extends ConformanceScenario {
  private static final MqttVersion V5 = MqttVersion.V5;
  private static final String METHOD = ChallengeResponseMechanism.METHOD;
  private static final Will WILL =
      new Will("will/authenticated", bytes("gone"), MqttQos.AT_LEAST_ONCE, false);

  private ChallengeResponseMechanism mechanism;

  /**
   * A broker whose mechanism asks {@code rounds} challenges of a client sending only its name, with
   * the default connect timeout (10 s), so that no exchange runs into it on a slow machine.
   */
  private void start(int rounds) {
    start(rounds, KeepAliveConfig.DEFAULTS.connectTimeout());
  }

  /** As {@link #start(int)}, with this connect timeout, which bounds every exchange. */
  private void start(int rounds, Duration connectTimeout) {
    start(rounds, connectTimeout, true);
  }

  /**
   * As {@link #start(int, Duration)}; with {@code async} false, results complete at once, on the
   * connection's event loop.
   */
  private void start(int rounds, Duration connectTimeout, boolean async) {
    KeepAliveConfig d = KeepAliveConfig.DEFAULTS;
    mechanism = new ChallengeResponseMechanism(Map.of("alice", "s3cret", "bob", "hunter2"), rounds,
        async);
    startBroker(config(new KeepAliveConfig(d.minimum(), d.maximum(), d.outOfRange(),
            d.allowZero(), d.counting(), d.maxPacketArrival(), connectTimeout)),
        b -> b.enhancedAuthentication(mechanism));
  }

  private static Properties authProperties(@Nullable String method, @Nullable String data) {
    Properties.Builder b = Properties.builder();
    if (method != null) {
      b.authenticationMethod(method);
    }
    if (data != null) {
      b.authenticationData(bytes(data));
    }
    return b.build();
  }

  /** A clean-start CONNECT with {@link #METHOD} and this Authentication Data. */
  private static Connect.Builder authConnect(String clientId, @Nullable String data) {
    return Connect.builder(V5).clientId(clientId).keepAlive(0).cleanStart(true)
        .properties(authProperties(METHOD, data));
  }

  private static Auth auth(AuthReasonCode code, @Nullable String method, @Nullable String data) {
    return new Auth(code, authProperties(method, data));
  }

  /** AUTH written byte by byte: reason code, then the method and the data properties. */
  private static byte[] rawAuth(int reasonCode, String method, String data) {
    byte[] properties = RawPackets.concat(RawPackets.bytes(0x15), RawPackets.utf8(method),
        RawPackets.bytes(0x16), RawPackets.utf8(data));
    return RawPackets.frame(0xF0, RawPackets.bytes(reasonCode),
        RawPackets.remainingLength(properties.length), properties);
  }

  private static String data(Properties p) {
    byte[] d = p.authenticationData();
    return d == null ? "<none>" : new String(d, StandardCharsets.UTF_8);
  }

  /** Expects the broker's AUTH 0x18 challenge with the method; returns its data. */
  private static String expectChallenge(RawMqttConnection c) {
    Auth a = c.expect(Auth.class, WAIT);
    assertThat(a.reasonCode()).isEqualTo(AuthReasonCode.CONTINUE_AUTHENTICATION);
    assertThat(a.properties().authenticationMethod()).isEqualTo(METHOD);
    return data(a.properties());
  }

  /** Answers challenges as alice until CONNACK; returns it. */
  private static Connack answerAsAlice(RawMqttConnection c, int rounds) {
    for (int i = 0; i < rounds; i++) {
      String challenge = expectChallenge(c);
      c.send(auth(AuthReasonCode.CONTINUE_AUTHENTICATION, METHOD, "s3cret:" + challenge));
    }
    return c.expect(Connack.class, WAIT);
  }

  /** A client authenticated as alice in one challenge. */
  private RawMqttConnection authenticated(Connect connect) {
    RawMqttConnection c = open(V5);
    c.send(connect);
    assertAccepted(answerAsAlice(c, 1));
    return c;
  }

  /** Expects CONNACK {@code code} and the connection closed. */
  private static Connack assertRefused(RawMqttConnection c, ConnackReasonCode code) {
    Connack ack = c.expect(Connack.class, WAIT);
    assertThat(ack.reasonCode()).isEqualTo(code);
    c.expectClosed(WAIT);
    return ack;
  }

  private static void assertDisconnected(RawMqttConnection c, DisconnectReasonCode code) {
    assertThat(c.expect(Disconnect.class, WAIT).reasonCode()).isEqualTo(code);
    c.expectClosed(WAIT);
  }

  private double authentications(String phase, String outcome) {
    return counter("midge.authentications", "method", METHOD, "phase", phase, "outcome", outcome);
  }

  // ---- the exchange of the CONNECT ----

  @Test
  @DisplayName("MQTT-4.12.0-1: an Authentication Method no mechanism serves → CONNACK 0x8C, close")
  void connect_whenMethodUnsupported_thenConnack0x8CAndClose() {
    start(1);
    RawMqttConnection c = open(V5);
    c.send(Connect.builder(V5).clientId("unsupported").keepAlive(0)
        .properties(authProperties("KERBEROS-OR-SOMETHING", "x")).build());
    assertRefused(c, ConnackReasonCode.BAD_AUTHENTICATION_METHOD);
    assertThat(counter("midge.authentications", "method", "unsupported", "outcome",
        "unsupported-method")).isEqualTo(1);
    assertThat(broker.services().sessions().get("unsupported")).isNull();
  }

  @Test
  @DisplayName("MQTT-4.12.0-1: without any mechanism, every Authentication Method → CONNACK 0x8C")
  void connect_whenNoMechanismRegistered_thenConnack0x8C() {
    startBroker();
    RawMqttConnection c = open(V5);
    c.send(authConnect("no-mechanisms", "alice").build());
    assertRefused(c, ConnackReasonCode.BAD_AUTHENTICATION_METHOD);
  }

  @Test
  @DisplayName("MQTT-4.12.0-2, MQTT-4.12.0-5: the broker's challenge is AUTH 0x18 carrying the"
      + " method of the CONNECT and the mechanism's data, byte for byte")
  void connect_whenMechanismChallenges_thenAuth0x18WithMethodAndData() {
    start(1);
    RawMqttConnection c = open(V5);
    c.send(authConnect("challenged", "alice").build());
    Frame f = c.receiveFrame(WAIT);
    assertThat(f).isNotNull();
    assertThat(f.bytes()).isEqualTo(rawAuth(0x18, METHOD, "challenge-1"));
    c.expectNothing(QUIET); // no CONNACK until the client answers
  }

  @Test
  @DisplayName("MQTT-4.12.0-3, MQTT-4.12.0-5: AUTH 0x18 answers, two rounds, then CONNACK 0x00"
      + " with the method and the mechanism's data; the client then works as any other")
  void exchange_whenAnswersRight_thenConnackSuccessWithMethodAndData() {
    start(2);
    RawMqttConnection c = open(V5);
    c.send(authConnect("two-rounds", "alice").username("alice-name").password(bytes("pw")).build());
    assertThat(expectChallenge(c)).isEqualTo("challenge-1");
    c.sendRaw(rawAuth(0x18, METHOD, "s3cret:challenge-1")); // by hand: reason 0x18, method, data
    assertThat(expectChallenge(c)).isEqualTo("challenge-2");
    c.send(auth(AuthReasonCode.CONTINUE_AUTHENTICATION, METHOD, "s3cret:challenge-2"));
    Connack ack = c.expect(Connack.class, WAIT);
    assertAccepted(ack);
    assertThat(ack.properties().authenticationMethod()).isEqualTo(METHOD);
    assertThat(data(ack.properties())).isEqualTo("welcome alice");

    RawMqttConnection sub = subscriber(V5, "auth-watcher", "auth/#", MqttQos.AT_LEAST_ONCE);
    publishFully(c, publish("auth/a", MqttQos.AT_LEAST_ONCE, 1, "hello"));
    assertThat(payloads(drain(sub))).containsExactly("hello");

    AuthenticationContext context = mechanism.contexts.get(0);
    assertThat(context.clientId()).isEqualTo("two-rounds");
    assertThat(context.userName()).isEqualTo("alice-name");
    assertThat(context.password()).isEqualTo(bytes("pw"));
    assertThat(context.reauthentication()).isFalse();
    assertThat(connectionOf("two-rounds").authenticatedIdentity()).isEqualTo("alice");
    assertThat(authentications("connect", "success")).isEqualTo(1);
  }

  @Test
  @DisplayName("MQTT-4.12.0-5: a mechanism that decides at once → CONNACK 0x00 with method and"
      + " data, no AUTH")
  void connect_whenMechanismSucceedsAtOnce_thenConnackWithMethodAndData() {
    start(1);
    RawMqttConnection c = open(V5);
    c.send(authConnect("one-step", "alice:s3cret").build());
    Connack ack = c.expect(Connack.class, WAIT);
    assertAccepted(ack);
    assertThat(ack.properties().authenticationMethod()).isEqualTo(METHOD);
    assertThat(data(ack.properties())).isEqualTo("welcome alice");
    c.ping(WAIT);
  }

  @Test
  @DisplayName("MQTT-4.12.0-4: the mechanism refuses → CONNACK with its code (0x87) and reason"
      + " string, close; no session, no will")
  void exchange_whenAnswerWrong_thenConnack0x87AndNoSession() {
    start(1);
    RawMqttConnection watcher = subscriber(V5, "watcher", "will/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection c = open(V5);
    c.send(authConnect("wrong-answer", "alice").will(WILL).build());
    expectChallenge(c);
    c.send(auth(AuthReasonCode.CONTINUE_AUTHENTICATION, METHOD, "guess:challenge-1"));
    Connack ack = assertRefused(c, ConnackReasonCode.NOT_AUTHORIZED);
    assertThat(ack.properties().reasonString()).isEqualTo("wrong secret");
    assertThat(ack.properties().authenticationMethod()).isNull();
    assertThat(broker.services().sessions().get("wrong-answer")).isNull();
    assertThat(drain(watcher)).isEmpty();
    awaitDisconnects(DisconnectCause.CONNECT_REFUSED, 1);
    assertThat(authentications("connect", "rejected")).isEqualTo(1);
  }

  @Test
  @DisplayName("MQTT-4.12.0-4: a mechanism that throws → CONNACK 0x80 (Unspecified error), close")
  void exchange_whenMechanismThrows_thenConnack0x80() {
    start(1);
    RawMqttConnection c = open(V5);
    c.send(authConnect("faulty", "throw").build());
    assertRefused(c, ConnackReasonCode.UNSPECIFIED_ERROR);
    assertThat(authentications("connect", "error")).isEqualTo(1);
    assertBrokerStillServes(V5);
  }

  static Stream<AuthReasonCode> notContinue() {
    return Stream.of(AuthReasonCode.RE_AUTHENTICATE, AuthReasonCode.SUCCESS);
  }

  @ParameterizedTest(name = "answer AUTH {0}")
  @MethodSource("notContinue")
  @DisplayName("MQTT-4.12.0-3: the client's answer to AUTH 0x18 other than AUTH 0x18 → CONNACK"
      + " 0x82, close")
  void exchange_whenAnswerNotContinue_thenConnack0x82(AuthReasonCode code) {
    start(1);
    RawMqttConnection c = open(V5);
    c.send(authConnect("bad-answer", "alice").build());
    expectChallenge(c);
    c.send(auth(code, METHOD, "s3cret:challenge-1"));
    assertRefused(c, ConnackReasonCode.PROTOCOL_ERROR);
    awaitDisconnects(DisconnectCause.PROTOCOL_ERROR, 1);
    assertThat(authentications("connect", "protocol-error")).isEqualTo(1);
    assertThat(mechanism.abandoned).hasValue(1);
  }

  @Test
  @DisplayName("MQTT-4.12.0-5: AUTH with another Authentication Method than the CONNECT's →"
      + " CONNACK 0x82, close")
  void exchange_whenAuthWithOtherMethod_thenConnack0x82() {
    start(1);
    RawMqttConnection c = open(V5);
    c.send(authConnect("other-method", "alice").build());
    expectChallenge(c);
    c.send(auth(AuthReasonCode.CONTINUE_AUTHENTICATION, "SCRAM-SHA-256", "s3cret:challenge-1"));
    assertRefused(c, ConnackReasonCode.PROTOCOL_ERROR);
  }

  @Test
  @DisplayName("MQTT-4.12.0-5, §3.15.2.2.2: AUTH without an Authentication Method → CONNACK 0x82")
  void exchange_whenAuthWithoutMethod_thenConnack0x82() {
    start(1);
    RawMqttConnection c = open(V5);
    c.send(authConnect("no-method", "alice").build());
    expectChallenge(c);
    c.send(auth(AuthReasonCode.CONTINUE_AUTHENTICATION, null, null));
    assertRefused(c, ConnackReasonCode.PROTOCOL_ERROR);
  }

  static Stream<MqttPacket> notAuthOrDisconnect() {
    return Stream.of(
        publish("auth/early", MqttQos.AT_LEAST_ONCE, 1, "too soon"),
        new Subscribe(1, List.of(new Subscription("auth/#", MqttQos.AT_MOST_ONCE)),
            Properties.EMPTY),
        Pingreq.INSTANCE);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("notAuthOrDisconnect")
  @DisplayName("MQTT-3.1.2-30: a packet other than AUTH or DISCONNECT before CONNACK → CONNACK"
      + " 0x82, close")
  void exchange_whenOtherPacketBeforeConnack_thenConnack0x82(MqttPacket packet) {
    start(1);
    RawMqttConnection c = open(V5);
    c.send(authConnect("impatient", "alice").build());
    expectChallenge(c);
    c.send(packet);
    assertRefused(c, ConnackReasonCode.PROTOCOL_ERROR);
    assertThat(broker.services().sessions().get("impatient")).isNull();
  }

  @ParameterizedTest(name = "results async: {0}")
  @ValueSource(booleans = {true, false})
  @DisplayName("MQTT-3.1.2-30: a PUBLISH sent right behind the CONNECT, before CONNACK → CONNACK"
      + " 0x82, even when the mechanism succeeds at once")
  void connect_whenPublishPipelinedBehindConnect_thenConnack0x82(boolean async) {
    start(1, KeepAliveConfig.DEFAULTS.connectTimeout(), async);
    RawMqttConnection c = open(V5);
    c.sendRaw(RawPackets.concat(
        RawMqttConnection.encode(authConnect("pipelined", "alice:s3cret").build(), V5),
        RawMqttConnection.encode(publish("auth/early", MqttQos.AT_MOST_ONCE, 0, "x"), V5)));
    assertRefused(c, ConnackReasonCode.PROTOCOL_ERROR);
    await().atMost(WAIT).untilAsserted(
        () -> assertThat(broker.services().sessions().get("pipelined")).isNull());
  }

  @Test
  @DisplayName("MQTT-3.1.2-24: a challenge larger than the client's Maximum Packet Size is not"
      + " sent → CONNACK 0x80; MQTT-3.2.2-19: a refusal leaves out a Reason String that would"
      + " not fit")
  void exchange_whenClientMaximumPacketSizeTooSmall_thenNoAuthAndConnack0x80() {
    start(1);
    RawMqttConnection small = open(V5);
    small.send(authConnect("small", "alice")
        .properties(authProperties(METHOD, "alice").toBuilder().maximumPacketSize(30).build())
        .build());
    Connack ack = assertRefused(small, ConnackReasonCode.UNSPECIFIED_ERROR);
    assertThat(small.received()).hasSize(1); // no AUTH before it

    RawMqttConnection tiny = open(V5);
    tiny.send(authConnect("tiny", "alice:wrong")
        .properties(authProperties(METHOD, "alice:wrong").toBuilder().maximumPacketSize(10).build())
        .build());
    assertThat(assertRefused(tiny, ConnackReasonCode.NOT_AUTHORIZED).properties().reasonString())
        .isNull();
    assertThat(ack.properties().reasonString()).isNull();
  }

  @Test
  @DisplayName("MQTT-4.12.0-3: an AUTH the broker did not ask for (before its AUTH 0x18) →"
      + " CONNACK 0x82; the mechanism's late result is ignored")
  void exchange_whenAuthBeforeChallenge_thenConnack0x82AndLateResultIgnored() {
    start(1);
    RawMqttConnection c = open(V5);
    c.send(authConnect("unasked", "hang").build());
    c.send(auth(AuthReasonCode.CONTINUE_AUTHENTICATION, METHOD, "anything"));
    assertRefused(c, ConnackReasonCode.PROTOCOL_ERROR);
    await().atMost(WAIT).untilAsserted(() -> assertThat(mechanism.abandoned).hasValue(1));

    mechanism.hung.complete(new AuthenticationResult.Success(null, "alice"));
    assertThat(broker.services().sessions().get("unasked")).isNull();
    assertBrokerStillServes(V5);
  }

  @Test
  @DisplayName("§4.12: the client may give up with DISCONNECT: closed, no CONNACK, no will")
  void exchange_whenClientDisconnects_thenClosedWithoutConnackOrWill() {
    start(1);
    RawMqttConnection watcher = subscriber(V5, "watcher", "will/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection c = open(V5);
    c.send(authConnect("quitter", "alice").will(WILL).build());
    expectChallenge(c);
    c.disconnect();
    c.expectClosed(WAIT);
    assertThat(c.received()).hasSize(1); // the challenge only
    awaitDisconnects(DisconnectCause.CLIENT_DISCONNECT, 1);
    assertThat(drain(watcher)).isEmpty();
    assertThat(mechanism.abandoned).hasValue(1);
  }

  @Test
  @DisplayName("MQTT 5 §3.1.4, §4.12: the connect timeout bounds the whole exchange; an"
      + " unanswered challenge → closed")
  void exchange_whenClientNeverAnswers_thenClosedAtConnectTimeout() {
    start(1, CONNECT_TIMEOUT);
    RawMqttConnection c = open(V5);
    c.send(authConnect("silent", "alice").build());
    expectChallenge(c);
    c.expectClosed(CONNECT_TIMEOUT.plus(WAIT));
    assertThat(c.closedAfter(c.openedNanos())).isLessThan(CONNECT_TIMEOUT.plus(SLACK));
    awaitDisconnects(DisconnectCause.CONNECT_TIMEOUT, 1);
    assertThat(authentications("connect", "timeout")).isEqualTo(1);
    assertThat(mechanism.abandoned).hasValue(1);
  }

  @Test
  @DisplayName("MQTT-3.1.4-2 after authentication only: an exchange running or failed never"
      + " takes the session over; a successful one does")
  void takeover_whenAuthenticationPendingOrFailed_thenExistingConnectionKept() {
    start(1);
    RawMqttConnection first = authenticated(authConnect("contested", "alice").build());

    RawMqttConnection intruder = open(V5);
    intruder.send(authConnect("contested", "alice").build());
    expectChallenge(intruder);
    first.ping(WAIT); // still connected while the intruder authenticates
    intruder.send(auth(AuthReasonCode.CONTINUE_AUTHENTICATION, METHOD, "guess:challenge-1"));
    assertRefused(intruder, ConnackReasonCode.NOT_AUTHORIZED);
    first.ping(WAIT);
    assertThat(metrics().disconnects(DisconnectCause.TAKEOVER)).isZero();

    authenticated(authConnect("contested", "alice").build());
    assertDisconnected(first, DisconnectReasonCode.SESSION_TAKEN_OVER);
  }

  @Test
  @DisplayName("MQTT-4.12.0-6: no Authentication Method in CONNECT → no AUTH, none in CONNACK")
  void connect_whenNoMethod_thenNoAuthAndNoMethodInConnack() {
    start(1);
    RawMqttConnection c = open(V5);
    Connack ack = c.connect("plain", 0, true);
    assertAccepted(ack);
    assertThat(ack.properties().authenticationMethod()).isNull();
    assertThat(ack.properties().authenticationData()).isNull();
    c.expectNothing(QUIET);
  }

  @Test
  @DisplayName("MQTT-4.12.0-7: AUTH from a client whose CONNECT named no method → DISCONNECT"
      + " 0x82")
  void auth_whenNoMethodInConnect_thenDisconnect0x82() {
    start(1);
    RawMqttConnection c = client(V5, "plain-auth");
    c.sendRaw(rawAuth(0x19, METHOD, "alice"));
    assertDisconnected(c, DisconnectReasonCode.PROTOCOL_ERROR);
    awaitDisconnects(DisconnectCause.PROTOCOL_ERROR, 1);
  }

  // ---- re-authentication (§4.12.1) ----

  @Test
  @DisplayName("§4.12.1: AUTH 0x19 re-authenticates; other packets flow meanwhile; AUTH 0x00"
      + " with the method ends it")
  void reauthenticate_whenAnswersRight_thenAuthSuccessAndPublishesContinue() {
    start(1);
    RawMqttConnection c = authenticated(authConnect("reauth", "alice").build());

    c.send(auth(AuthReasonCode.RE_AUTHENTICATE, METHOD, "alice"));
    assertThat(expectChallenge(c)).isEqualTo("challenge-1");
    // MQTT 5 §4.12.1: the previous authentication still holds for other packets.
    c.send(publish("auth/during", MqttQos.AT_LEAST_ONCE, 7, "still working"));
    assertThat(c.expect(Puback.class, WAIT).packetId()).isEqualTo(7);
    c.send(auth(AuthReasonCode.CONTINUE_AUTHENTICATION, METHOD, "s3cret:challenge-1"));
    Auth done = c.expect(Auth.class, WAIT);
    assertThat(done.reasonCode()).isEqualTo(AuthReasonCode.SUCCESS);
    assertThat(done.properties().authenticationMethod()).isEqualTo(METHOD);
    assertThat(data(done.properties())).isEqualTo("welcome alice");

    AuthenticationContext context = mechanism.contexts.get(1);
    assertThat(context.reauthentication()).isTrue();
    assertThat(context.identity()).isEqualTo("alice");
    assertThat(authentications("reauthenticate", "success")).isEqualTo(1);

    c.send(auth(AuthReasonCode.RE_AUTHENTICATE, METHOD, "alice:s3cret")); // and again, at once
    assertThat(c.expect(Auth.class, WAIT).reasonCode()).isEqualTo(AuthReasonCode.SUCCESS);
    c.ping(WAIT);
  }

  @Test
  @DisplayName("MQTT-4.12.1-1: AUTH 0x19 with another Authentication Method → DISCONNECT 0x82")
  void reauthenticate_whenOtherMethod_thenDisconnect0x82() {
    start(1);
    RawMqttConnection c = authenticated(authConnect("reauth-method", "alice").build());
    c.send(auth(AuthReasonCode.RE_AUTHENTICATE, "SCRAM-SHA-256", "n,,n=alice,r=abc"));
    assertDisconnected(c, DisconnectReasonCode.PROTOCOL_ERROR);
    assertThat(authentications("reauthenticate", "protocol-error")).isEqualTo(1);
  }

  @Test
  @DisplayName("MQTT-4.12.1-2: a failed re-authentication → DISCONNECT 0x87 and close; the will"
      + " is published and the session kept")
  void reauthenticate_whenWrong_thenDisconnect0x87WillPublishedSessionKept() {
    start(1);
    RawMqttConnection watcher = subscriber(V5, "watcher", "will/#", MqttQos.AT_LEAST_ONCE);
    Connect persistent = authConnect("reauth-wrong", "alice").cleanStart(false).will(WILL)
        .properties(authProperties(METHOD, "alice").toBuilder().sessionExpiryInterval(300).build())
        .build();
    RawMqttConnection c = authenticated(persistent);

    c.send(auth(AuthReasonCode.RE_AUTHENTICATE, METHOD, "alice:wrong"));
    Disconnect d = c.expect(Disconnect.class, WAIT);
    assertThat(d.reasonCode()).isEqualTo(DisconnectReasonCode.NOT_AUTHORIZED);
    assertThat(d.properties().reasonString()).isEqualTo("wrong secret");
    c.expectClosed(WAIT);
    awaitDisconnects(DisconnectCause.AUTHENTICATION_FAILED, 1);
    assertThat(payloads(drain(watcher))).containsExactly("gone");
    assertThat(authentications("reauthenticate", "rejected")).isEqualTo(1);

    RawMqttConnection again = open(V5);
    again.send(persistent);
    Connack ack = answerAsAlice(again, 1);
    assertAccepted(ack);
    assertThat(ack.sessionPresent()).isTrue();
  }

  @Test
  @DisplayName("§4.12.1: a re-authentication as another identity → DISCONNECT 0x87")
  void reauthenticate_whenOtherIdentity_thenDisconnect0x87() {
    start(1);
    RawMqttConnection c = authenticated(authConnect("identity", "alice").build());
    c.send(auth(AuthReasonCode.RE_AUTHENTICATE, METHOD, "bob:hunter2"));
    assertDisconnected(c, DisconnectReasonCode.NOT_AUTHORIZED);
  }

  @Test
  @DisplayName("§4.12.1: after CONNACK, AUTH 0x18 with no re-authentication running → DISCONNECT"
      + " 0x82")
  void auth_whenContinueWithoutExchange_thenDisconnect0x82() {
    start(1);
    RawMqttConnection c = authenticated(authConnect("unasked-continue", "alice").build());
    c.send(auth(AuthReasonCode.CONTINUE_AUTHENTICATION, METHOD, "s3cret:challenge-1"));
    assertDisconnected(c, DisconnectReasonCode.PROTOCOL_ERROR);
  }

  @Test
  @DisplayName("§4.12.1: AUTH 0x19 while a re-authentication runs → DISCONNECT 0x82")
  void reauthenticate_whenAnotherStartsDuringIt_thenDisconnect0x82() {
    start(1);
    RawMqttConnection c = authenticated(authConnect("twice", "alice").build());
    c.send(auth(AuthReasonCode.RE_AUTHENTICATE, METHOD, "alice"));
    expectChallenge(c);
    c.send(auth(AuthReasonCode.RE_AUTHENTICATE, METHOD, "alice"));
    assertDisconnected(c, DisconnectReasonCode.PROTOCOL_ERROR);
    assertThat(mechanism.abandoned).hasValue(1);
  }

  @Test
  @DisplayName("MQTT-4.12.1-2: a re-authentication not finished within the connect timeout →"
      + " DISCONNECT 0x87")
  void reauthenticate_whenNeverAnswered_thenDisconnect0x87AfterTimeout() {
    start(1, CONNECT_TIMEOUT);
    RawMqttConnection c = authenticated(authConnect("slow-reauth", "alice").build());
    c.send(auth(AuthReasonCode.RE_AUTHENTICATE, METHOD, "alice"));
    expectChallenge(c);
    long started = System.nanoTime();
    assertThat(c.expect(Disconnect.class, CONNECT_TIMEOUT.plus(WAIT)).reasonCode())
        .isEqualTo(DisconnectReasonCode.NOT_AUTHORIZED);
    assertThat(millis((System.nanoTime() - started) / 1_000_000))
        .isLessThan(CONNECT_TIMEOUT.plus(SLACK));
    c.expectClosed(WAIT);
    assertThat(authentications("reauthenticate", "timeout")).isEqualTo(1);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(value = MqttVersion.class, names = {"V3_1", "V3_1_1"})
  @DisplayName("MQTT-4.12.0-6: 3.x has no enhanced authentication: its clients are served as"
      + " before on a broker with mechanisms")
  void connect_whenV3_thenUnaffectedByMechanisms(MqttVersion version) {
    start(1);
    Connack ack = open(version).connect("v3-client", 0, true);
    assertAccepted(ack);
    assertThat(ack.properties().authenticationMethod()).isNull();
  }
}
