package dev.midge.broker.auth.password;

import dev.midge.broker.auth.Credentials;
import dev.midge.broker.auth.PasswordAuthenticator;
import dev.midge.broker.auth.ReloadableFile;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;

/**
 * Checks clients against a Mosquitto 2 password file ({@code auth.password-file}): a user in the
 * file with the right password is let in, with a wrong or missing password refused with Bad User
 * Name or Password; a user not in the file is left to the next authenticator (and refused when
 * there is none).
 *
 * <p>Hashes of up to {@value #INLINE_ITERATIONS} PBKDF2 iterations (Mosquitto's default is 101,
 * tens of microseconds) are checked on the caller's thread, costlier ones on {@code hashing},
 * so that a file written with {@code mosquitto_passwd -I 100000} does not stall an event loop.
 *
 * <p>Thread-safe. The file is read again by {@link #file()}'s reload methods.
 */
public final class PasswordFileAuthenticator implements PasswordAuthenticator {
  /** The most PBKDF2 iterations checked without leaving the caller's thread. */
  static final int INLINE_ITERATIONS = 1000;

  private final ReloadableFile<PasswordFile> file;
  private final Executor hashing;

  /**
   * Reads the password file now; costly hashes are checked on the common fork-join pool.
   *
   * @throws dev.midge.broker.auth.AuthFileException when the file cannot be used
   */
  public PasswordFileAuthenticator(Path path) {
    this(path, ForkJoinPool.commonPool());
  }

  /**
   * Reads the password file now.
   *
   * @param hashing where hashes of many iterations are checked
   * @throws dev.midge.broker.auth.AuthFileException when the file cannot be used
   */
  public PasswordFileAuthenticator(Path path, Executor hashing) {
    this.file = new ReloadableFile<>(path, "password file", PasswordFile::read);
    this.hashing = Objects.requireNonNull(hashing);
  }

  /** The file, to reload it. */
  public ReloadableFile<PasswordFile> file() {
    return file;
  }

  @Override
  public CompletionStage<Verdict> authenticate(Credentials credentials) {
    String user = credentials.userName();
    PasswordHash hash = user == null ? null : file.current().hash(user);
    if (hash == null) {
      return CompletableFuture.completedFuture(Verdict.UNKNOWN_USER);
    }
    byte[] password = credentials.password();
    if (password == null) {
      return CompletableFuture.completedFuture(Verdict.BAD_USER_NAME_OR_PASSWORD);
    }
    if (hash.iterations() <= INLINE_ITERATIONS) {
      return CompletableFuture.completedFuture(verdict(hash, password));
    }
    return CompletableFuture.supplyAsync(() -> verdict(hash, password), hashing);
  }

  private static Verdict verdict(PasswordHash hash, byte[] password) {
    return hash.matches(password) ? Verdict.ALLOW : Verdict.BAD_USER_NAME_OR_PASSWORD;
  }

  @Override
  public String toString() {
    return "PasswordFileAuthenticator[" + file.path() + "]";
  }
}
