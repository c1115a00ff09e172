package dev.midge.broker.auth.scram;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Where {@link ScramSha256Mechanism} finds a user's {@link ScramCredentials}: implement it over
 * your user database, directory or file, or use {@link #of(Map)} for a fixed set.
 *
 * <pre>{@code
 * ScramCredentialStore users = username -> userDao.findScramCredentials(username); // async
 * }</pre>
 *
 * <p><b>Threads.</b> Called on the event loops of the connections authenticating, many at once:
 * thread-safe, and it must not block. A lookup that does I/O runs elsewhere and completes the
 * stage from there. A stage that completes exceptionally refuses the client with 0x88 (Server
 * unavailable) and is logged as a WARN.
 */
@FunctionalInterface
public interface ScramCredentialStore {
  /**
   * The credentials of this user, or a stage completing with null when there is no such user.
   *
   * @param username the user name of the client's SCRAM message, with its {@code =2C} and {@code
   *     =3D} escapes decoded
   */
  CompletionStage<@Nullable ScramCredentials> credentials(String username);

  /** A store of these users (user name → credentials), copied. */
  static ScramCredentialStore of(Map<String, ScramCredentials> users) {
    Map<String, ScramCredentials> copy = Map.copyOf(users);
    return username -> CompletableFuture.completedFuture(copy.get(username));
  }
}
