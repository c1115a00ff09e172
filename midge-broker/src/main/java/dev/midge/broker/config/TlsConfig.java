package dev.midge.broker.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The TLS of a listener whose protocol is {@code mqtt+tls} or {@code wss}: PEM files and how client
 * certificates are treated. Paths are kept as written (relative to the working directory unless
 * absolute); the files are read when the broker starts, and again whenever their content changes.
 *
 * @param certificate the PEM file of the server's certificate chain, the server's own certificate
 *     first; {@code ""} when the listener has no TLS
 * @param key the PEM file of the certificate's private key, unencrypted PKCS#8 ({@code BEGIN
 *     PRIVATE KEY}); {@code ""} when the listener has no TLS
 * @param ca the PEM file of the certificate authorities that client certificates are checked
 *     against; {@code ""} for none, allowed only with {@link ClientAuth#NONE}
 * @param clientAuth whether clients must, may or may not present a certificate
 * @param useSubjectAsUsername whether the verified client certificate names the client: its
 *     subject's CN, or when it has none its first subject alternative name (email, DNS name or
 *     URI), replaces the user name of CONNECT
 * @param reloadInterval how often the files are checked for new content
 */
public record TlsConfig(
    String certificate,
    String key,
    String ca,
    ClientAuth clientAuth,
    boolean useSubjectAsUsername,
    Duration reloadInterval) {

  /** No files: the TLS keys of a listener without TLS. */
  public static final TlsConfig DEFAULTS =
      new TlsConfig("", "", "", ClientAuth.NONE, false, Duration.ofSeconds(10));

  /** Whether clients present a certificate (TLS's CertificateRequest). */
  public enum ClientAuth {
    /** No client certificate is asked for. */
    NONE,
    /** One is asked for; a client without one is let in, one with a bad one is refused. */
    OPTIONAL,
    /** Every client must present a certificate the CA signed; the handshake fails otherwise. */
    REQUIRED
  }

  public TlsConfig {
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(ca, "ca");
    Objects.requireNonNull(clientAuth, "clientAuth");
    Objects.requireNonNull(reloadInterval, "reloadInterval");
    if (reloadInterval.isNegative() || reloadInterval.isZero()) {
      throw new IllegalArgumentException("reload-interval must be positive");
    }
  }

  /** A server certificate and key, no client certificates, the default reload interval. */
  public static TlsConfig of(String certificate, String key) {
    return new TlsConfig(certificate, key, "", ClientAuth.NONE, false,
        DEFAULTS.reloadInterval());
  }

  public TlsConfig withClientAuth(ClientAuth newClientAuth, String newCa) {
    return new TlsConfig(certificate, key, newCa, newClientAuth, useSubjectAsUsername,
        reloadInterval);
  }

  public TlsConfig withUseSubjectAsUsername(boolean use) {
    return new TlsConfig(certificate, key, ca, clientAuth, use, reloadInterval);
  }

  public TlsConfig withReloadInterval(Duration interval) {
    return new TlsConfig(certificate, key, ca, clientAuth, useSubjectAsUsername, interval);
  }
}
