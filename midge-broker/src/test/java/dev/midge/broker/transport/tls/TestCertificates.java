package dev.midge.broker.transport.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.jspecify.annotations.Nullable;

/**
 * Certificates for TLS tests, made on the spot with BouncyCastle: a CA, server certificates for
 * {@code localhost} / {@code 127.0.0.1}, and client certificates, as PEM files (keys unencrypted
 * PKCS#8) and as Java {@link SSLSocketFactory}s for Java clients. EC P-256 keys, quick to make.
 *
 * <pre>{@code
 * TestCertificates.Ca ca = TestCertificates.ca("Test CA");
 * TestCertificates.Issued server = ca.server("localhost");
 * server.write(dir, "server");                     // dir/server.crt, dir/server.key
 * ca.write(dir.resolve("ca.pem"));
 * SSLSocketFactory f = ca.socketFactory(ca.client("alice")); // trusts ca, presents alice
 * }</pre>
 */
public final class TestCertificates {
  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  private TestCertificates() {}

  /** A certificate and its key. */
  public record Issued(X509Certificate certificate, PrivateKey key) {
    /** Writes {@code dir/name.crt} and {@code dir/name.key}; returns the two paths. */
    public Path[] write(Path dir, String name) {
      Path crt = dir.resolve(name + ".crt");
      Path key = dir.resolve(name + ".key");
      writeCertificate(crt);
      writeKey(key);
      return new Path[] {crt, key};
    }

    public void writeCertificate(Path file) {
      writePem(file, certificate);
    }

    public void writeKey(Path file) {
      try {
        writePem(file, new JcaPKCS8Generator(key, null).generate());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** A certificate authority that issues server and client certificates. */
  public static final class Ca {
    private final Issued self;

    private Ca(Issued self) {
      this.self = self;
    }

    public X509Certificate certificate() {
      return self.certificate();
    }

    /** Writes the CA's certificate as PEM. */
    public Path write(Path file) {
      self.writeCertificate(file);
      return file;
    }

    /** A server certificate for {@code cn}, valid for localhost and 127.0.0.1. */
    public Issued server(String cn) {
      return issue("CN=" + cn + ",O=Midge tests", true,
          new GeneralNames(new GeneralName[] {
              new GeneralName(GeneralName.dNSName, "localhost"),
              new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
    }

    /** A client certificate with subject {@code CN=cn}. */
    public Issued client(String cn) {
      return issue("CN=" + cn + ",O=Midge tests", false, null);
    }

    /** A client certificate with {@code subject} and, if given, one email alternative name. */
    public Issued client(String subject, @Nullable String email) {
      return issue(subject, false, email == null ? null
          : new GeneralNames(new GeneralName(GeneralName.rfc822Name, email)));
    }

    private Issued issue(String subject, boolean server, @Nullable GeneralNames names) {
      try {
        KeyPair pair = keyPair();
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
            X500Name.getInstance(self.certificate().getSubjectX500Principal().getEncoded()),
            BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(now.minus(Duration.ofHours(1))),
            Date.from(now.plus(Duration.ofDays(2))), new X500Name(subject), pair.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true,
            new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
            server ? KeyPurposeId.id_kp_serverAuth : KeyPurposeId.id_kp_clientAuth));
        if (names != null) {
          b.addExtension(Extension.subjectAlternativeName, false, names);
        }
        return new Issued(sign(b, self.key()), pair.getPrivate());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    /**
     * An SSL socket factory that trusts this CA (TLS 1.2 and 1.3) and presents {@code client} when
     * asked, unless null.
     */
    public SSLSocketFactory socketFactory(@Nullable Issued client) {
      try {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", self.certificate());
        TrustManagerFactory tmf =
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (client != null) {
          KeyStore keys = KeyStore.getInstance("PKCS12");
          keys.load(null, null);
          keys.setKeyEntry("client", client.key(), "x".toCharArray(),
              new X509Certificate[] {client.certificate()});
          kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
          kmf.init(keys, "x".toCharArray());
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return context.getSocketFactory();
      } catch (GeneralSecurityException | IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** A new self-signed CA. */
  public static Ca ca(String cn) {
    try {
      KeyPair pair = keyPair();
      Instant now = Instant.now();
      X500Name name = new X500Name("CN=" + cn + ",O=Midge tests");
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name,
          BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(now.minus(Duration.ofHours(1))),
          Date.from(now.plus(Duration.ofDays(2))), name, pair.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
      return new Ca(new Issued(sign(b, pair.getPrivate()), pair.getPrivate()));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair keyPair() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key)
      throws Exception {
    ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(key);
    return new JcaX509CertificateConverter().getCertificate(b.build(signer));
  }

  private static void writePem(Path file, Object object) {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(text)) {
      w.writeObject(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      // Write beside and move, as a deployment tool would, so a reload never sees half a file.
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, text.toString());
      Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
