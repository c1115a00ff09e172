package dev.midge.broker.auth;

import dev.midge.codec.reason.ConnackReasonCode;
import dev.midge.codec.reason.DisconnectReasonCode;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of one {@link AuthenticationExchange#step}: go on with a challenge, succeed, or
 * fail. Byte arrays given to a result are owned by it and sent as they are; do not change them
 * afterwards.
 */
public sealed interface AuthenticationResult {

  /**
   * More is needed from the client: the broker sends AUTH 0x18 (Continue authentication) with the
   * Authentication Method and this data (MQTT-4.12.0-2, MQTT-4.12.0-5), and the client's AUTH 0x18
   * answer comes to the next step.
   *
   * @param authenticationData the challenge, or null to send none
   */
  record Continue(byte @Nullable [] authenticationData) implements AuthenticationResult {
    @Override
    public String toString() {
      return "Continue[" + length(authenticationData) + "]";
    }
  }

  /**
   * The client is authenticated. After CONNECT the broker sends CONNACK 0x00 with the
   * Authentication Method and this data (MQTT-4.12.0-5) and then sets the session up; after a
   * re-authentication it sends AUTH 0x00 (Success) with them.
   *
   * @param authenticationData data for the client (SCRAM's server signature, for example), or null
   * @param identity who the client proved to be (a user name, a principal), or null; kept with the
   *     connection, given to later re-authentications in {@link AuthenticationContext#identity()},
   *     and compared: a re-authentication that reports another identity is refused
   */
  record Success(byte @Nullable [] authenticationData, @Nullable String identity)
      implements AuthenticationResult {
    @Override
    public String toString() {
      return "Success[" + length(authenticationData) + ", identity=" + identity + "]";
    }
  }

  /**
   * The client is not authenticated. After CONNECT the broker sends CONNACK with this reason code
   * (and the reason string, where it fits the client's Maximum Packet Size) and closes
   * (MQTT-4.12.0-4); during a re-authentication it sends DISCONNECT and closes (MQTT-4.12.1-2),
   * with {@link #disconnectReasonCode()}, since DISCONNECT has no codes for some of CONNACK's.
   *
   * @param reasonCode one of {@link #REASON_CODES}: 0x86 Bad User Name or Password (the client's
   *     credentials are wrong), 0x87 Not authorized (it may not connect, or sent data the
   *     mechanism cannot accept), 0x8C Bad authentication method, 0x8A Banned, 0x88 Server
   *     unavailable or 0x89 Server busy (what the mechanism relies on is down or overloaded), 0x80
   *     Unspecified error
   * @param reasonString a human-readable reason for the client, or null; it is sent, so it must
   *     not tell an attacker more than the reason code does (for example, whether a user exists)
   */
  record Failure(ConnackReasonCode reasonCode, @Nullable String reasonString)
      implements AuthenticationResult {
    /** The CONNACK reason codes a failure may carry. */
    public static final Set<ConnackReasonCode> REASON_CODES = EnumSet.of(
        ConnackReasonCode.UNSPECIFIED_ERROR,
        ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD,
        ConnackReasonCode.NOT_AUTHORIZED,
        ConnackReasonCode.SERVER_UNAVAILABLE,
        ConnackReasonCode.SERVER_BUSY,
        ConnackReasonCode.BANNED,
        ConnackReasonCode.BAD_AUTHENTICATION_METHOD);

    /** @throws IllegalArgumentException for a reason code not in {@link #REASON_CODES} */
    public Failure {
      Objects.requireNonNull(reasonCode, "reasonCode");
      if (!REASON_CODES.contains(reasonCode)) {
        throw new IllegalArgumentException("an authentication failure has one of " + REASON_CODES
            + ", not " + reasonCode);
      }
    }

    /**
     * The code of the DISCONNECT that ends a failed re-authentication: the same where DISCONNECT
     * has it (0x80, 0x87, 0x89; MQTT 5 §3.14.2.1), otherwise 0x87 Not authorized, except 0x88
     * Server unavailable, which becomes 0x80 Unspecified error.
     */
    public DisconnectReasonCode disconnectReasonCode() {
      return switch (reasonCode) {
        case UNSPECIFIED_ERROR, SERVER_UNAVAILABLE -> DisconnectReasonCode.UNSPECIFIED_ERROR;
        case SERVER_BUSY -> DisconnectReasonCode.SERVER_BUSY;
        default -> DisconnectReasonCode.NOT_AUTHORIZED;
      };
    }
  }

  /** {@link Continue} with this challenge, as a completed stage. */
  static CompletionStage<AuthenticationResult> continueWith(byte @Nullable [] authenticationData) {
    return CompletableFuture.completedFuture(new Continue(authenticationData));
  }

  /** {@link Success}, as a completed stage. */
  static CompletionStage<AuthenticationResult> success(byte @Nullable [] authenticationData,
      @Nullable String identity) {
    return CompletableFuture.completedFuture(new Success(authenticationData, identity));
  }

  /** {@link Failure}, as a completed stage. */
  static CompletionStage<AuthenticationResult> failure(ConnackReasonCode reasonCode,
      @Nullable String reasonString) {
    return CompletableFuture.completedFuture(new Failure(reasonCode, reasonString));
  }

  private static String length(byte @Nullable [] data) {
    return data == null ? "no data" : data.length + " bytes";
  }
}
