package dev.midge.broker.auth.password;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A password's hash as Mosquitto 2 writes it after {@code user:} in a password file:
 *
 * <ul>
 *   <li>{@code $7$<iterations>$<base64 salt>$<base64 hash>}: PBKDF2-HMAC-SHA512 of the password
 *       with the salt, a 64-byte result; what {@code mosquitto_passwd} writes by default (101
 *       iterations, 12 bytes of salt) and what {@link #create} writes;
 *   <li>{@code $6$<base64 salt>$<base64 hash>}: SHA-512 of the password followed by the salt;
 *       Mosquitto 1.6's format, still read by Mosquitto 2 ({@code mosquitto_passwd -H sha512}).
 * </ul>
 *
 * <p>Immutable and thread-safe. {@link #matches} costs one SHA-512 for {@code $6$} and two
 * HMAC-SHA512 per iteration for {@code $7$}: at Mosquitto's 101 iterations, tens of microseconds.
 *
 * @param iterations PBKDF2 iterations; 0 for {@code $6$}
 */
public record PasswordHash(int iterations, byte[] salt, byte[] hash) {
  /** Mosquitto's default PBKDF2 iterations, which {@link #create} uses too. */
  public static final int DEFAULT_ITERATIONS = 101;
  /** Mosquitto's salt length, in bytes. */
  public static final int SALT_LENGTH = 12;
  private static final int HASH_LENGTH = 64;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Why a hash could not be read: what to say about the line it is on. */
  public static final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;

    Malformed(String problem) {
      super(problem, null, false, false);
    }
  }

  /** Whether this is a {@code $7$} (PBKDF2) hash rather than a {@code $6$} one. */
  public boolean pbkdf2() {
    return iterations > 0;
  }

  /** A new {@code $7$} hash of {@code password}, with 101 iterations and a random salt. */
  public static PasswordHash create(String password) {
    byte[] salt = new byte[SALT_LENGTH];
    RANDOM.nextBytes(salt);
    byte[] pw = password.getBytes(StandardCharsets.UTF_8);
    return new PasswordHash(DEFAULT_ITERATIONS, salt, pbkdf2(pw, salt, DEFAULT_ITERATIONS));
  }

  /**
   * Reads the part of a password file line after {@code user:}.
   *
   * @throws Malformed when it is not a {@code $6$} or {@code $7$} hash, saying why
   */
  public static PasswordHash parse(String text) throws Malformed {
    String[] parts = text.split("\\$", -1);
    // "$7$101$salt$hash" splits into "", "7", "101", salt, hash.
    if (parts.length < 2 || !parts[0].isEmpty()) {
      throw new Malformed("the password is not hashed (a hash starts with $7$ or $6$)");
    }
    Base64.Decoder b64 = Base64.getDecoder();
    try {
      switch (parts[1]) {
        case "7" -> {
          if (parts.length != 5) {
            throw new Malformed("a $7$ hash has the form $7$iterations$salt$hash");
          }
          int iterations;
          try {
            iterations = Integer.parseInt(parts[2]);
          } catch (NumberFormatException e) {
            throw new Malformed("the iterations of a $7$ hash are not a number: " + parts[2]);
          }
          if (iterations < 1) {
            throw new Malformed("a $7$ hash needs 1 iteration or more, has " + iterations);
          }
          return checked(iterations, b64.decode(parts[3]), b64.decode(parts[4]));
        }
        case "6" -> {
          if (parts.length != 4) {
            throw new Malformed("a $6$ hash has the form $6$salt$hash");
          }
          return checked(0, b64.decode(parts[2]), b64.decode(parts[3]));
        }
        default -> throw new Malformed("unknown hash type $" + parts[1]
            + "$; Mosquitto 2 and Midge read $7$ (PBKDF2-SHA512) and $6$ (SHA-512)");
      }
    } catch (IllegalArgumentException e) {
      throw new Malformed("the salt or hash is not valid base64");
    }
  }

  private static PasswordHash checked(int iterations, byte[] salt, byte[] hash)
      throws Malformed {
    if (salt.length == 0) {
      throw new Malformed("the salt is empty");
    }
    if (hash.length != HASH_LENGTH) {
      throw new Malformed("the hash is " + hash.length + " bytes, SHA-512 gives 64");
    }
    return new PasswordHash(iterations, salt, hash);
  }

  /** Whether {@code password} is the one hashed, compared in constant time. */
  public boolean matches(byte[] password) {
    byte[] computed = pbkdf2() ? pbkdf2(password, salt, iterations) : sha512(password, salt);
    return MessageDigest.isEqual(computed, hash);
  }

  /** As written in a password file after {@code user:}. */
  public String encode() {
    Base64.Encoder b64 = Base64.getEncoder();
    return pbkdf2()
        ? "$7$" + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash)
        : "$6$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
  }

  @Override
  public String toString() {
    return pbkdf2() ? "PasswordHash[$7$, " + iterations + " iterations]" : "PasswordHash[$6$]";
  }

  private static byte[] sha512(byte[] password, byte[] salt) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-512");
      md.update(password);
      md.update(salt);
      return md.digest();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-512 is missing from this JVM", e);
    }
  }

  /**
   * PBKDF2-HMAC-SHA512 (RFC 8018 §5.2) for one 64-byte block, on the password's bytes as they
   * are (the JDK's PBEKeySpec takes chars, which not every MQTT password is).
   */
  static byte[] pbkdf2(byte[] password, byte[] salt, int iterations) {
    try {
      Mac mac = Mac.getInstance("HmacSHA512");
      // SecretKeySpec refuses an empty key; HMAC pads a key shorter than its 128-byte block with
      // zeros (RFC 2104), so 128 zero bytes are the same key.
      mac.init(new SecretKeySpec(password.length == 0 ? new byte[128] : password, "HmacSHA512"));
      mac.update(salt);
      mac.update(new byte[] {0, 0, 0, 1});
      byte[] u = mac.doFinal();
      byte[] result = u.clone();
      for (int i = 1; i < iterations; i++) {
        u = mac.doFinal(u);
        for (int j = 0; j < result.length; j++) {
          result[j] ^= u[j];
        }
      }
      return result;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA512 is missing from this JVM", e);
    }
  }
}
