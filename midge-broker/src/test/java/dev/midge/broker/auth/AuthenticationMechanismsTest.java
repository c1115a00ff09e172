package dev.midge.broker.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.midge.broker.MidgeBroker;
import dev.midge.broker.auth.scram.ScramCredentialStore;
import dev.midge.broker.auth.scram.ScramSha256Mechanism;
import dev.midge.codec.reason.ConnackReasonCode;
import dev.midge.codec.reason.DisconnectReasonCode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The registry of mechanisms, its use by the broker's builder, and the results' rules. */
class AuthenticationMechanismsTest {
  private static final AuthenticationMechanism SCRAM =
      new ScramSha256Mechanism(ScramCredentialStore.of(Map.of()));
  private static final AuthenticationMechanism TEST =
      new ChallengeResponseMechanism(Map.of(), 1, false);

  @Test
  void of_whenMechanisms_thenFoundByExactMethod() {
    AuthenticationMechanisms m = AuthenticationMechanisms.of(List.of(SCRAM, TEST));
    assertThat(m.find("SCRAM-SHA-256")).isSameAs(SCRAM);
    assertThat(m.find(ChallengeResponseMechanism.METHOD)).isSameAs(TEST);
    assertThat(m.find("scram-sha-256")).isNull();
    assertThat(m.methods()).containsExactlyInAnyOrder("SCRAM-SHA-256",
        ChallengeResponseMechanism.METHOD);
    assertThat(AuthenticationMechanisms.of(List.of())).isSameAs(AuthenticationMechanisms.NONE);
  }

  @Test
  void of_whenTwoMechanismsForOneMethod_thenRejected() {
    assertThatThrownBy(() -> AuthenticationMechanisms.of(List.of(SCRAM,
        new ScramSha256Mechanism(ScramCredentialStore.of(Map.of())))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SCRAM-SHA-256");
  }

  @Test
  void builder_whenSameMethodTwice_thenBuildFails() {
    MidgeBroker.Builder b = MidgeBroker.builder().enhancedAuthentication(SCRAM)
        .enhancedAuthentication(new ScramSha256Mechanism(ScramCredentialStore.of(Map.of())));
    assertThatThrownBy(b::build).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void of_whenEmptyMethod_thenRejected() {
    AuthenticationMechanism empty = new AuthenticationMechanism() {
      @Override
      public String method() {
        return "";
      }

      @Override
      public AuthenticationExchange begin(AuthenticationContext context) {
        // Never reached: registration refuses a mechanism without a method before any CONNECT.
        throw new UnsupportedOperationException();
      }
    };
    assertThatThrownBy(() -> AuthenticationMechanisms.of(List.of(empty)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(ConnackReasonCode.class)
  void failure_whenReasonCode_thenOnlyAuthenticationCodesAllowed(ConnackReasonCode code) {
    if (AuthenticationResult.Failure.REASON_CODES.contains(code)) {
      assertThat(new AuthenticationResult.Failure(code, null).reasonCode()).isEqualTo(code);
    } else {
      assertThatThrownBy(() -> new AuthenticationResult.Failure(code, null))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void failure_whenReauthentication_thenDisconnectCodeDisconnectHas() {
    assertThat(disconnect(ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD))
        .isEqualTo(DisconnectReasonCode.NOT_AUTHORIZED);
    assertThat(disconnect(ConnackReasonCode.NOT_AUTHORIZED))
        .isEqualTo(DisconnectReasonCode.NOT_AUTHORIZED);
    assertThat(disconnect(ConnackReasonCode.BAD_AUTHENTICATION_METHOD))
        .isEqualTo(DisconnectReasonCode.NOT_AUTHORIZED);
    assertThat(disconnect(ConnackReasonCode.BANNED)).isEqualTo(DisconnectReasonCode.NOT_AUTHORIZED);
    assertThat(disconnect(ConnackReasonCode.SERVER_BUSY))
        .isEqualTo(DisconnectReasonCode.SERVER_BUSY);
    assertThat(disconnect(ConnackReasonCode.SERVER_UNAVAILABLE))
        .isEqualTo(DisconnectReasonCode.UNSPECIFIED_ERROR);
    assertThat(disconnect(ConnackReasonCode.UNSPECIFIED_ERROR))
        .isEqualTo(DisconnectReasonCode.UNSPECIFIED_ERROR);
  }

  private static DisconnectReasonCode disconnect(ConnackReasonCode code) {
    return new AuthenticationResult.Failure(code, null).disconnectReasonCode();
  }
}
