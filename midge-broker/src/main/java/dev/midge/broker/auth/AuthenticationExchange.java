package dev.midge.broker.auth;

import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * One authentication exchange of one connection, from CONNECT (or AUTH 0x19 Re-authenticate) to a
 * {@link AuthenticationResult.Success} or {@link AuthenticationResult.Failure}; the state an
 * {@link AuthenticationMechanism} keeps between steps lives here.
 *
 * <p><b>Steps.</b> The broker calls {@link #step} with the Authentication Data of the CONNECT (or
 * of the AUTH 0x19), and, after each {@link AuthenticationResult.Continue}, with the data of the
 * client's AUTH 0x18 answer. The stage returned may complete on any thread, now or later (a
 * mechanism may call another service); the broker takes the result back to the connection's event
 * loop. A stage that completes exceptionally, completes with null, or a step that throws, fails
 * the exchange with 0x80 (Unspecified error) and is logged as a fault of the mechanism: report an
 * authentication that did not succeed as a {@link AuthenticationResult.Failure}, never by
 * throwing.
 *
 * <p><b>Threads.</b> Every method is called on the connection's event loop, one call at a time:
 * the next {@link #step} only once the previous stage has completed with {@code Continue} and the
 * client has answered, so the exchange needs no locking, though a stage completed on another
 * thread must publish what it changed safely (completing a {@code CompletableFuture} does). No
 * method may block the event loop: no I/O, no waiting on a future, no password hashing with many
 * iterations; hand such work to an executor of your own and return its stage.
 *
 * <p><b>Bounds.</b> The first exchange of a connection must end within the listener's connect
 * timeout ({@code keep-alive.connect-timeout}), a re-authentication within the same duration from
 * its AUTH 0x19; past it the connection is refused or disconnected and {@link #abandon()} is
 * called. A stage still pending then is ignored when it completes.
 */
@FunctionalInterface
public interface AuthenticationExchange {
  /**
   * Takes one step of the exchange.
   *
   * @param authenticationData the client's Authentication Data, or null where its packet carried
   *     none; owned by the exchange from now on
   * @return the result: {@code Continue} to send the client a challenge (AUTH 0x18), {@code
   *     Success} or {@code Failure} to end the exchange; never null
   */
  CompletionStage<AuthenticationResult> step(byte @Nullable [] authenticationData);

  /**
   * The exchange ended before this exchange returned a {@code Success} or {@code Failure}: the
   * client closed the connection or broke the protocol, or time ran out. Release what the exchange
   * holds; no step follows, and the result of a step still pending is ignored. Called on the
   * connection's event loop, at most once, never after a {@code Success} or {@code Failure}. Does
   * nothing by default.
   */
  default void abandon() {}
}
