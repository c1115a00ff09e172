package dev.midge.broker.auth;

import java.util.concurrent.CompletionStage;

/**
 * A source of users that checks the User Name and Password of a CONNECT: a password file ({@link
 * dev.midge.broker.auth.password.PasswordFileAuthenticator}), an HTTP service ({@link
 * dev.midge.broker.auth.http.HttpAuthenticator}), or one of your own (a database, a JWT check).
 * Clients that name an MQTT 5 Authentication Method are authenticated by an {@link
 * AuthenticationMechanism} instead.
 *
 * <p>The broker asks the authenticators in order; the first that knows the user answers, one
 * that answers {@link Verdict#UNKNOWN_USER} passes the question on, and a user no authenticator
 * knows is refused with Bad User Name or Password. Clients without a user name never reach an
 * authenticator: the listener's {@code allow-anonymous} decides for them.
 *
 * <pre>{@code
 * final class TokenUsers implements PasswordAuthenticator {
 *   public CompletionStage<Verdict> authenticate(Credentials c) {
 *     return tokenService.verify(c.userName(), c.password())   // asynchronous, no blocking
 *         .thenApply(ok -> ok ? Verdict.ALLOW : Verdict.BAD_USER_NAME_OR_PASSWORD);
 *   }
 * }
 * MidgeBroker.builder().passwordAuthenticator(new TokenUsers()).build();
 * }</pre>
 *
 * <p><b>Threads.</b> {@link #authenticate} is called on the event loop of the client's
 * connection, by many connections at once: it must be thread-safe, and it must not block (no I/O,
 * no waiting on a future, no hashing with many iterations): return a stage that another thread
 * completes. The broker takes the verdict back to the connection's event loop. A stage that
 * completes exceptionally or with null, or a call that throws, refuses the client with Not
 * authorized, and is logged as a fault of the authenticator.
 */
@FunctionalInterface
public interface PasswordAuthenticator {
  /** What an authenticator says of one client's credentials. */
  enum Verdict {
    /** The user is known and the password is right: let the client in. */
    ALLOW,
    /** The user is known and the password is wrong: CONNACK 0x86 (MQTT 3.x: 0x04). */
    BAD_USER_NAME_OR_PASSWORD,
    /** The user may not connect: CONNACK 0x87 (MQTT 3.x: 0x05). */
    NOT_AUTHORIZED,
    /** This authenticator does not know the user: ask the next one. */
    UNKNOWN_USER
  }

  /**
   * Checks a client's credentials; {@link Credentials#userName()} is never null here.
   *
   * @return the verdict, never null; it may complete on any thread
   */
  CompletionStage<Verdict> authenticate(Credentials credentials);
}
