package dev.midge.broker.auth;

/**
 * A way of authenticating MQTT 5 clients by enhanced authentication (MQTT 5 §4.12), serving one
 * Authentication Method: a SASL mechanism such as {@code SCRAM-SHA-256} or {@code GS2-KRB5}, an
 * OAuth token exchange, or any challenge-response scheme the clients and the mechanism agree on.
 * Register it with {@code MidgeBroker.builder().enhancedAuthentication(mechanism)}; a CONNECT
 * naming its {@link #method()} is then authenticated by it, and a CONNECT naming a method no
 * mechanism serves is refused with CONNACK 0x8C (MQTT-4.12.0-1).
 *
 * <p>The mechanism is a factory: each CONNECT, and each re-authentication the client starts
 * afterwards (AUTH 0x19, §4.12.1), gets a new {@link AuthenticationExchange} from {@link #begin},
 * which keeps that exchange's state (nonces, the user looked up, the step reached). The broker
 * drives the exchange with the Authentication Data the client sends and turns each {@link
 * AuthenticationResult} into the packet the protocol asks for: AUTH 0x18, CONNACK, AUTH 0x00 or
 * DISCONNECT.
 *
 * <pre>{@code
 * final class TokenMechanism implements AuthenticationMechanism {
 *   public String method() { return "EXAMPLE-TOKEN"; }
 *
 *   public AuthenticationExchange begin(AuthenticationContext context) {
 *     return data -> tokenService.verify(data)          // an asynchronous call, no blocking
 *         .thenApply(user -> user == null
 *             ? AuthenticationResult.failure(ConnackReasonCode.NOT_AUTHORIZED, "invalid token")
 *             : AuthenticationResult.success(null, user));
 *   }
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> {@link #begin} is called on the event loop of the client's connection, and
 * many connections (on many event loops) call it at once: it must be thread-safe and must not
 * block. It should do no more than create the exchange; the work belongs in its steps.
 */
public interface AuthenticationMechanism {
  /**
   * The Authentication Method this mechanism serves, compared exactly (case-sensitive) with the
   * one in CONNECT. Not empty; one mechanism per method in a broker. Called once, when the broker
   * is built.
   */
  String method();

  /**
   * Starts an exchange for one connection: its first authentication, or a re-authentication
   * ({@link AuthenticationContext#reauthentication()}). Called on the connection's event loop;
   * must not block. Throwing fails the exchange with reason code 0x80 (Unspecified error), and is
   * logged as a fault of the mechanism.
   */
  AuthenticationExchange begin(AuthenticationContext context);
}
