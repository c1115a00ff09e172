package dev.midge.broker.auth.scram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.midge.broker.auth.AuthenticationContext;
import dev.midge.broker.auth.AuthenticationExchange;
import dev.midge.broker.auth.AuthenticationResult;
import dev.midge.codec.reason.ConnackReasonCode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The server side of SCRAM-SHA-256, against RFC 7677's example and malformed client messages. */
class ScramSha256MechanismTest {
  // RFC 7677 §3: user "user", password "pencil".
  private static final String CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO";
  private static final String SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  private static final String SALT = "W22ZaJ0SNY7soEsUEjb6gQ==";
  private static final String CLIENT_FIRST = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
  private static final String SERVER_FIRST =
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
  private static final String CLIENT_FINAL =
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
          + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
  private static final String SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

  private static final ScramCredentials PENCIL =
      ScramCredentials.fromPassword("pencil", Base64.getDecoder().decode(SALT), 4096);

  private final List<String> lookedUp = new ArrayList<>();

  private ScramSha256Mechanism rfcMechanism() {
    return new ScramSha256Mechanism(username -> {
      lookedUp.add(username);
      return CompletableFuture.completedFuture(username.equals("user") ? PENCIL : null);
    }, () -> SERVER_NONCE);
  }

  private static AuthenticationExchange begin(ScramSha256Mechanism m) {
    return m.begin(new AuthenticationContext(ScramSha256Mechanism.METHOD, "client", "test", null,
        null, false, null));
  }

  private static AuthenticationResult step(AuthenticationExchange e, @Nullable String data) {
    return e.step(data == null ? null : data.getBytes(StandardCharsets.UTF_8))
        .toCompletableFuture().join();
  }

  private static String continued(AuthenticationResult r) {
    assertThat(r).isInstanceOf(AuthenticationResult.Continue.class);
    byte[] d = ((AuthenticationResult.Continue) r).authenticationData();
    return d == null ? "" : new String(d, StandardCharsets.UTF_8);
  }

  private static void assertFailure(AuthenticationResult r, ConnackReasonCode code) {
    assertThat(r).isInstanceOf(AuthenticationResult.Failure.class);
    assertThat(((AuthenticationResult.Failure) r).reasonCode()).isEqualTo(code);
  }

  @Test
  @DisplayName("RFC 7677 §3: the example exchange gives the RFC's server-first and server-final")
  void exchange_whenRfc7677Example_thenServerMessagesAsInRfc() {
    AuthenticationExchange e = begin(rfcMechanism());

    assertThat(continued(step(e, CLIENT_FIRST))).isEqualTo(SERVER_FIRST);
    AuthenticationResult last = step(e, CLIENT_FINAL);

    assertThat(last).isInstanceOf(AuthenticationResult.Success.class);
    AuthenticationResult.Success s = (AuthenticationResult.Success) last;
    assertThat(new String(s.authenticationData(), StandardCharsets.UTF_8)).isEqualTo(SERVER_FINAL);
    assertThat(s.identity()).isEqualTo("user");
    assertThat(lookedUp).containsExactly("user");
  }

  @Test
  @DisplayName("RFC 7677 §3: the test client computes the RFC's client-final and accepts its"
      + " server-final")
  void client_whenRfc7677Example_thenClientFinalAsInRfc() {
    ScramClient client = new ScramClient("user", "pencil", CLIENT_NONCE);
    assertThat(client.clientFirst()).isEqualTo(CLIENT_FIRST);
    assertThat(client.clientFinal(SERVER_FIRST)).isEqualTo(CLIENT_FINAL);
    assertThat(client.verifyServerFinal(SERVER_FINAL)).isTrue();
    assertThat(client.verifyServerFinal("v=" + Base64.getEncoder().encodeToString(new byte[32])))
        .isFalse();
  }

  @Test
  @DisplayName("RFC 5802 §5: a random server nonce, and the client's own credentials, succeed")
  void exchange_whenRightPasswordAndRandomNonce_thenSuccess() {
    ScramSha256Mechanism m = new ScramSha256Mechanism(ScramCredentialStore.of(
        Map.of("alice", ScramCredentials.fromPassword("correct horse"))));
    ScramClient client = new ScramClient("alice", "correct horse");
    AuthenticationExchange e = begin(m);

    String serverFirst = continued(step(e, client.clientFirst()));
    assertThat(serverFirst).doesNotContain(SERVER_NONCE).contains(",i=4096");
    AuthenticationResult last = step(e, client.clientFinal(serverFirst));

    assertThat(last).isInstanceOf(AuthenticationResult.Success.class);
    assertThat(client.verifyServerFinal(new String(
        ((AuthenticationResult.Success) last).authenticationData(), StandardCharsets.UTF_8)))
        .isTrue();
  }

  @Test
  @DisplayName("RFC 5802 §3: a wrong password → 0x86 Bad User Name or Password")
  void exchange_whenWrongPassword_thenFailure0x86() {
    ScramClient client = new ScramClient("user", "pen", CLIENT_NONCE);
    AuthenticationExchange e = begin(rfcMechanism());
    String serverFirst = continued(step(e, client.clientFirst()));
    assertFailure(step(e, client.clientFinal(serverFirst)),
        ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD);
  }

  @Test
  @DisplayName("RFC 5802 §5.1: an unknown user gets a stable made-up salt and fails at the proof"
      + " with 0x86, as a wrong password does")
  void exchange_whenUnknownUser_thenSameFailureAsWrongPassword() {
    ScramSha256Mechanism m = rfcMechanism();
    AuthenticationExchange first = begin(m);
    String serverFirst = continued(step(first, "n,,n=mallory,r=abc"));
    String again = continued(step(begin(m), "n,,n=mallory,r=abc"));
    String other = continued(step(begin(m), "n,,n=trudy,r=abc"));

    assertThat(serverFirst).matches("r=abc" + java.util.regex.Pattern.quote(SERVER_NONCE)
        + ",s=[A-Za-z0-9+/=]{24},i=4096");
    assertThat(again).isEqualTo(serverFirst);
    assertThat(other).isNotEqualTo(serverFirst);

    ScramClient client = new ScramClient("mallory", "anything", "abc");
    client.clientFirst();
    assertFailure(step(first, client.clientFinal(serverFirst)),
        ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD);
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(strings = {
      ",", "garbage", "x,,n=user,r=abc", "p=tls-unique,,n=user,r=abc", "n,,m=ext,n=user,r=abc",
      "n,,n=us=er,r=abc", "n,,n=us=2Der,r=abc", "n,,n=,r=abc", "n,,r=abc,n=user", "n,,n=user",
      "n,,n=user,r=", "n,,n=user,r=a b", "n,a=other,n=user,r=abc", "n,other,n=user,r=abc"})
  @DisplayName("RFC 5802 §7: a malformed or unsupported client-first-message → 0x87 Not"
      + " authorized")
  void clientFirst_whenMalformed_thenFailure0x87(String message) {
    assertFailure(step(begin(rfcMechanism()), message),
        ConnackReasonCode.NOT_AUTHORIZED);
  }

  @Test
  @DisplayName("RFC 5802 §7: a client-first-message that is not UTF-8 → 0x87")
  void clientFirst_whenNotUtf8_thenFailure0x87() {
    AuthenticationResult r = begin(rfcMechanism())
        .step(new byte[] {'n', ',', ',', 'n', '=', (byte) 0xC3, ',', 'r', '=', 'a'})
        .toCompletableFuture().join();
    assertFailure(r, ConnackReasonCode.NOT_AUTHORIZED);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"y,,n=user,r=abc", "n,a=user,n=user,r=abc", "n,,n=user,r=abc,x=ext"})
  @DisplayName("RFC 5802 §6, §7: flag y, an authorisation identity equal to the user, and"
      + " extensions are accepted")
  void clientFirst_whenValidVariants_thenContinue(String message) {
    assertThat(continued(step(begin(rfcMechanism()), message))).startsWith("r=abc");
  }

  @Test
  @DisplayName("RFC 5802 §5.1: user names decode =2C and =3D before the lookup")
  void clientFirst_whenEscapedUserName_thenLookedUpDecoded() {
    ScramSha256Mechanism m = rfcMechanism();
    continued(step(begin(m), "n,,n=a=2Cb=3Dc,r=abc"));
    assertThat(lookedUp).containsExactly("a,b=c");
  }

  /** An exchange that has answered the RFC's client-first. */
  private AuthenticationExchange afterClientFirst() {
    AuthenticationExchange e = begin(rfcMechanism());
    continued(step(e, CLIENT_FIRST));
    return e;
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      // the nonce of another exchange
      "c=biws,r=rOprNGfwEbeRWgbNEkqOother,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
      // channel binding of flag y, the client-first said n
      "c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
          + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
      // no proof
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
      // a proof that is not base64, or too short
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=***",
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=AAAA",
      // attributes out of order
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,c=biws,"
          + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="})
  @DisplayName("RFC 5802 §7: a client-final-message with another nonce, channel binding, or a"
      + " malformed proof → 0x87")
  void clientFinal_whenMalformed_thenFailure0x87(String message) {
    assertFailure(step(afterClientFirst(), message), ConnackReasonCode.NOT_AUTHORIZED);
  }

  @Test
  @DisplayName("RFC 4422 §5: no initial data → an empty challenge, then the exchange as usual")
  void exchange_whenNoInitialData_thenEmptyChallengeFirst() {
    AuthenticationExchange e = begin(rfcMechanism());
    AuthenticationResult first = step(e, null);
    assertThat(first).isInstanceOf(AuthenticationResult.Continue.class);
    assertThat(((AuthenticationResult.Continue) first).authenticationData()).isNull();
    assertThat(continued(step(e, CLIENT_FIRST))).isEqualTo(SERVER_FIRST);
    assertThat(step(e, CLIENT_FINAL)).isInstanceOf(AuthenticationResult.Success.class);
  }

  @Test
  @DisplayName("A credential store that fails → 0x88 Server unavailable")
  void clientFirst_whenStoreFails_thenFailure0x88() {
    ScramSha256Mechanism m = new ScramSha256Mechanism(
        username -> CompletableFuture.failedFuture(new IllegalStateException("database down")));
    assertFailure(step(begin(m), CLIENT_FIRST), ConnackReasonCode.SERVER_UNAVAILABLE);
  }

  @Test
  @DisplayName("A nonce source that gives a comma is a fault of the setup, not of the client")
  void clientFirst_whenNonceSourceInvalid_thenThrows() {
    ScramSha256Mechanism m = new ScramSha256Mechanism(ScramCredentialStore.of(Map.of()),
        () -> "a,b");
    assertThatThrownBy(() -> step(begin(m), CLIENT_FIRST))
        .isInstanceOf(IllegalStateException.class);
  }
}
