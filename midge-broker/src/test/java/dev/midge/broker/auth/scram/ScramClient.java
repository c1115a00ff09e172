package dev.midge.broker.auth.scram;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The client side of SCRAM-SHA-256 (RFC 5802, RFC 7677) for tests, written on javax.crypto alone
 * and apart from the broker's code, so that it checks the broker's side rather than repeating it.
 * One exchange per instance: {@link #clientFirst()}, {@link #clientFinal(String)}, {@link
 * #verifyServerFinal(String)}. Not thread-safe.
 */
public final class ScramClient {
  private final String username;
  private final String password;
  private final String clientNonce;
  private String clientFirstBare = "";
  private byte[] expectedServerSignature = new byte[0];

  /** An exchange with this client nonce (RFC 7677 §3 uses {@code rOprNGfwEbeRWgbNEkqO}). */
  public ScramClient(String username, String password, String clientNonce) {
    this.username = username;
    this.password = password;
    this.clientNonce = clientNonce;
  }

  /** An exchange with a random client nonce. */
  public ScramClient(String username, String password) {
    this(username, password, randomNonce());
  }

  private static String randomNonce() {
    byte[] b = new byte[18];
    new SecureRandom().nextBytes(b);
    return Base64.getEncoder().withoutPadding().encodeToString(b);
  }

  /** client-first-message: no channel binding, no authorisation identity. */
  public String clientFirst() {
    clientFirstBare = "n=" + username.replace("=", "=3D").replace(",", "=2C") + ",r=" + clientNonce;
    return "n,," + clientFirstBare;
  }

  /** client-final-message answering {@code serverFirst}; remembers the signature to expect. */
  public String clientFinal(String serverFirst) {
    String nonce = null;
    byte[] salt = null;
    int iterations = 0;
    for (String attribute : serverFirst.split(",")) {
      if (attribute.startsWith("r=")) {
        nonce = attribute.substring(2);
      } else if (attribute.startsWith("s=")) {
        salt = Base64.getDecoder().decode(attribute.substring(2));
      } else if (attribute.startsWith("i=")) {
        iterations = Integer.parseInt(attribute.substring(2));
      }
    }
    if (nonce == null || salt == null || iterations < 1 || !nonce.startsWith(clientNonce)
        || nonce.length() == clientNonce.length()) {
      throw new IllegalArgumentException("bad server-first-message: " + serverFirst);
    }
    String withoutProof = "c=" + Base64.getEncoder().encodeToString(
        "n,,".getBytes(StandardCharsets.US_ASCII)) + ",r=" + nonce;
    byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof)
        .getBytes(StandardCharsets.UTF_8);
    try {
      byte[] saltedPassword = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
          .generateSecret(new PBEKeySpec(password.toCharArray(), salt, iterations, 256))
          .getEncoded();
      byte[] clientKey = hmac(saltedPassword, "Client Key");
      byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
      byte[] clientSignature = hmac(storedKey, authMessage);
      byte[] proof = new byte[clientKey.length];
      for (int i = 0; i < proof.length; i++) {
        proof[i] = (byte) (clientKey[i] ^ clientSignature[i]);
      }
      expectedServerSignature = hmac(hmac(saltedPassword, "Server Key"), authMessage);
      return withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether {@code serverFinal} proves the server knows the credentials. */
  public boolean verifyServerFinal(String serverFinal) {
    return serverFinal.startsWith("v=") && MessageDigest.isEqual(expectedServerSignature,
        Base64.getDecoder().decode(serverFinal.substring(2)));
  }

  private static byte[] hmac(byte[] key, String message) throws GeneralSecurityException {
    return hmac(key, message.getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] hmac(byte[] key, byte[] message) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(message);
  }
}
