package dev.midge.broker.auth.scram;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * What a SCRAM-SHA-256 server keeps of one user's password (RFC 5802 §3, RFC 7677): the salt, the
 * iteration count, StoredKey = SHA-256(HMAC(SaltedPassword, "Client Key")) and ServerKey =
 * HMAC(SaltedPassword, "Server Key"), where SaltedPassword = PBKDF2-HMAC-SHA-256(password, salt,
 * iterations). The password itself is not kept and cannot be recovered from them; whoever holds
 * them can, however, pose as the server to that user, so store them as secrets.
 *
 * <pre>{@code
 * ScramCredentials alice = ScramCredentials.fromPassword("correct horse battery staple");
 * // store alice.salt(), alice.iterations(), alice.storedKey(), alice.serverKey()
 * }</pre>
 *
 * <p>Passwords are used as given, encoded in UTF-8, without SASLprep (RFC 4013): clients that
 * normalise a password differently derive other keys. ASCII passwords are unaffected.
 *
 * <p>Immutable: arrays are copied in and out.
 *
 * @param salt the salt, at least 1 byte (16 random bytes from {@link #fromPassword(String)})
 * @param iterations the iteration count of PBKDF2, at least 1; RFC 7677 asks for 4096 at least
 * @param storedKey StoredKey, 32 bytes
 * @param serverKey ServerKey, 32 bytes
 */
public record ScramCredentials(byte[] salt, int iterations, byte[] storedKey, byte[] serverKey) {
  /** The iteration count {@link #fromPassword(String)} uses: RFC 7677's minimum. */
  public static final int DEFAULT_ITERATIONS = 4096;

  private static final int KEY_LENGTH = 32;
  private static final int SALT_LENGTH = 16;
  private static final SecureRandom RANDOM = new SecureRandom();

  public ScramCredentials {
    Objects.requireNonNull(salt, "salt");
    Objects.requireNonNull(storedKey, "storedKey");
    Objects.requireNonNull(serverKey, "serverKey");
    if (salt.length == 0) {
      throw new IllegalArgumentException("the salt is empty");
    }
    if (iterations < 1) {
      throw new IllegalArgumentException("iterations must be at least 1, was " + iterations);
    }
    if (storedKey.length != KEY_LENGTH || serverKey.length != KEY_LENGTH) {
      throw new IllegalArgumentException("StoredKey and ServerKey are " + KEY_LENGTH
          + " bytes (SHA-256), were " + storedKey.length + " and " + serverKey.length);
    }
    salt = salt.clone();
    storedKey = storedKey.clone();
    serverKey = serverKey.clone();
  }

  /**
   * Credentials for this password with a new random salt (16 bytes from {@link SecureRandom}) and
   * {@link #DEFAULT_ITERATIONS}. Takes some milliseconds of CPU: derive credentials when a password
   * is set, not on an event loop.
   *
   * @throws IllegalArgumentException for an empty password
   */
  public static ScramCredentials fromPassword(String password) {
    byte[] salt = new byte[SALT_LENGTH];
    RANDOM.nextBytes(salt);
    return fromPassword(password, salt, DEFAULT_ITERATIONS);
  }

  /**
   * Credentials for this password, salt and iteration count, by PBKDF2WithHmacSHA256 of the JDK.
   * Its cost grows with {@code iterations}: derive credentials when a password is set, not on an
   * event loop.
   *
   * @throws IllegalArgumentException for an empty password, an empty salt or iterations below 1
   */
  public static ScramCredentials fromPassword(String password, byte[] salt, int iterations) {
    Objects.requireNonNull(password, "password");
    if (password.isEmpty()) {
      throw new IllegalArgumentException("the password is empty");
    }
    if (salt.length == 0 || iterations < 1) {
      throw new IllegalArgumentException("need a salt and at least 1 iteration");
    }
    char[] chars = password.toCharArray();
    PBEKeySpec spec = new PBEKeySpec(chars, salt, iterations, KEY_LENGTH * 8);
    byte[] saltedPassword = null;
    try {
      // The JDK's PBKDF2 encodes the password's characters in UTF-8, as SCRAM does.
      saltedPassword = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
          .generateSecret(spec).getEncoded();
      byte[] clientKey = hmac(saltedPassword, "Client Key".getBytes(StandardCharsets.US_ASCII));
      byte[] storedKey = sha256(clientKey);
      byte[] serverKey = hmac(saltedPassword, "Server Key".getBytes(StandardCharsets.US_ASCII));
      Arrays.fill(clientKey, (byte) 0);
      return new ScramCredentials(salt, iterations, storedKey, serverKey);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA256 is missing from this JDK", e);
    } finally {
      spec.clearPassword();
      Arrays.fill(chars, '\0');
      if (saltedPassword != null) {
        Arrays.fill(saltedPassword, (byte) 0);
      }
    }
  }

  @Override
  public byte[] salt() {
    return salt.clone();
  }

  @Override
  public byte[] storedKey() {
    return storedKey.clone();
  }

  @Override
  public byte[] serverKey() {
    return serverKey.clone();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof ScramCredentials c
        && iterations == c.iterations
        && Arrays.equals(salt, c.salt)
        && MessageDigest.isEqual(storedKey, c.storedKey)
        && MessageDigest.isEqual(serverKey, c.serverKey);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(salt) + iterations;
  }

  /** The salt and the iteration count; never the keys. */
  @Override
  public String toString() {
    return "ScramCredentials[salt=" + Base64.getEncoder().encodeToString(salt) + ", iterations="
        + iterations + "]";
  }

  static byte[] hmac(byte[] key, byte[] message) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(message);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
    }
  }

  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }
}
