package dev.midge.broker.transport.tls;

import dev.midge.broker.config.TlsConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads and checks the PEM files of a {@link TlsConfig}: the certificate chain parses, the key is
 * unencrypted PKCS#8 and belongs to the first certificate, the CA file holds certificates. What is
 * wrong is a {@link Problem} naming the key at fault ({@code certificate}, {@code key}, {@code ca})
 * and the fix, which the config loader and the broker turn into a config error.
 *
 * <p>Stateless; reads the files on the calling thread.
 */
public final class TlsFiles {
  private static final Pattern PEM = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");

  private TlsFiles() {}

  /**
   * The content of the files, parsed and checked.
   *
   * @param bytes the raw bytes of certificate, key and ca, to tell later whether they changed
   */
  public record Material(List<X509Certificate> chain, PrivateKey key,
      List<X509Certificate> authorities, Bytes bytes) {}

  /** The bytes of the three files as last read; equal when no file changed. */
  public record Bytes(byte[] certificate, byte[] key, byte[] ca) {
    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof Bytes b && Arrays.equals(certificate, b.certificate)
          && Arrays.equals(key, b.key) && Arrays.equals(ca, b.ca);
    }

    @Override
    public int hashCode() {
      return 31 * (31 * Arrays.hashCode(certificate) + Arrays.hashCode(key)) + Arrays.hashCode(ca);
    }

    @Override
    public String toString() {
      return "Bytes[" + certificate.length + ", " + key.length + ", " + ca.length + "]";
    }
  }

  /** A file that cannot be used: which key names it, what is wrong, and the fix. */
  public static final class Problem extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String key;
    private final String problem;
    private final String fix;

    Problem(String key, String problem, String fix) {
      super(key + ": " + problem + ". Fix: " + fix, null, false, false);
      this.key = key;
      this.problem = problem;
      this.fix = fix;
    }

    /** The key under {@code tls} at fault: {@code certificate}, {@code key} or {@code ca}. */
    public String key() {
      return key;
    }

    public String problem() {
      return problem;
    }

    public String fix() {
      return fix;
    }
  }

  /** Reads the bytes of the files, without parsing them. */
  public static Bytes read(TlsConfig tls) {
    return new Bytes(bytes("certificate", tls.certificate()), bytes("key", tls.key()),
        tls.ca().isEmpty() ? new byte[0] : bytes("ca", tls.ca()));
  }

  /**
   * Reads, parses and checks the files.
   *
   * @throws Problem when one of them cannot be used
   */
  public static Material load(TlsConfig tls) {
    return parse(tls, read(tls));
  }

  /**
   * Parses and checks bytes read by {@link #read}.
   *
   * @throws Problem when one of them cannot be used
   */
  public static Material parse(TlsConfig tls, Bytes bytes) {
    List<X509Certificate> chain = certificates("certificate", tls.certificate(),
        bytes.certificate());
    PrivateKey key = privateKey(tls.key(), bytes.key());
    if (!belongsTo(key, chain.get(0).getPublicKey())) {
      throw new Problem("key", "the key in " + tls.key() + " does not belong to the first"
              + " certificate in " + tls.certificate() + " (" + subject(chain.get(0)) + ")",
          "give the key the certificate was issued for, or put the server's own certificate"
              + " first in the certificate file");
    }
    List<X509Certificate> authorities = tls.ca().isEmpty() ? List.of()
        : certificates("ca", tls.ca(), bytes.ca());
    return new Material(List.copyOf(chain), key, List.copyOf(authorities), bytes);
  }

  /** The subject of a certificate, for logs: {@code CN=broker.example}. */
  public static String subject(X509Certificate c) {
    return c.getSubjectX500Principal().getName();
  }

  private static byte[] bytes(String key, String file) {
    Path path = Path.of(file);
    try {
      return Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw new Problem(key, "no such file: " + file,
          "check the path (relative paths start from " + Path.of("").toAbsolutePath() + ")");
    } catch (AccessDeniedException e) {
      throw new Problem(key, file + " is not readable (permission denied)",
          "make it readable by the user the broker runs as");
    } catch (IOException e) {
      String why = Files.isDirectory(path) ? "a directory, not a file" : e.toString();
      throw new Problem(key, file + " cannot be read: " + why, "give the path of a PEM file");
    }
  }

  private static List<X509Certificate> certificates(String key, String file, byte[] pem) {
    String text = new String(pem, StandardCharsets.US_ASCII);
    if (!text.contains("-----BEGIN CERTIFICATE-----")) {
      throw new Problem(key, file + " holds no PEM certificate (no -----BEGIN CERTIFICATE-----"
          + " line)", "give a PEM file of certificates; convert DER with openssl x509 -inform der"
          + " -in cert.der -out cert.pem");
    }
    Collection<? extends Certificate> parsed;
    try {
      parsed = CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem));
    } catch (CertificateException e) {
      throw new Problem(key, file + " holds a certificate that cannot be parsed ("
          + e.getMessage() + ")", "check the file, for instance with openssl x509 -in " + file
          + " -noout -text");
    }
    List<X509Certificate> result = new ArrayList<>();
    for (Certificate c : parsed) {
      result.add((X509Certificate) c);
    }
    if (result.isEmpty()) {
      throw new Problem(key, file + " holds no certificate", "give a PEM file of certificates");
    }
    return result;
  }

  private static PrivateKey privateKey(String file, byte[] pem) {
    String text = new String(pem, StandardCharsets.US_ASCII);
    Matcher m = PEM.matcher(text);
    while (m.find()) {
      String type = m.group(1);
      switch (type) {
        case "PRIVATE KEY" -> {
          return pkcs8(file, m.group(2));
        }
        case "ENCRYPTED PRIVATE KEY" -> throw new Problem("key", file + " holds an encrypted key",
            "decrypt it: openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pem, and keep"
                + " that file readable by the broker only");
        case "RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY" -> throw new Problem("key",
            file + " holds a key in PKCS#1 or SEC 1 form (BEGIN " + type + "), not PKCS#8",
            "convert it: openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pem");
        default -> {
          // EC PARAMETERS and the like come before the key: look further.
        }
      }
    }
    throw new Problem("key", file + " holds no PEM private key (no -----BEGIN PRIVATE KEY-----"
        + " line)", "give the PEM file of the certificate's private key");
  }

  private static PrivateKey pkcs8(String file, String base64) {
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new Problem("key", file + " holds a damaged PEM block (" + e.getMessage() + ")",
          "give the PEM file of the certificate's private key");
    }
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS", "DSA"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // not this algorithm
      }
    }
    throw new Problem("key", file + " holds a private key of an algorithm Java cannot read",
        "use an RSA, EC or Ed25519 key");
  }

  /** Whether {@code key} signs what {@code publicKey} verifies. */
  private static boolean belongsTo(PrivateKey key, PublicKey publicKey) {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "DSA" -> "SHA256withDSA";
      case "RSASSA-PSS" -> null;
      default -> key.getAlgorithm(); // Ed25519, Ed448, EdDSA
    };
    if (algorithm == null) {
      return true; // PSS needs parameters; the handshake will tell
    }
    byte[] probe = "midge: does this key belong to this certificate?"
        .getBytes(StandardCharsets.US_ASCII);
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false; // of another algorithm than the certificate's key
    }
  }
}
