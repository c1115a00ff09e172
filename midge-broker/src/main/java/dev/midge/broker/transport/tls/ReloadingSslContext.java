package dev.midge.broker.transport.tls;

import dev.midge.broker.config.TlsConfig;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server-side TLS of one listener, following its PEM files: every {@link
 * TlsConfig#reloadInterval()} the files are read, and when their bytes differ from those in use
 * they are parsed and checked ({@link TlsFiles}) and a new context replaces the old one. New
 * handshakes use the new context; connections already up keep the session they negotiated, so
 * nobody is disconnected. Files that do not load (a certificate written before its key) are
 * logged once at WARN and the old context stays, until the files change again.
 *
 * <p>TLS 1.3 and 1.2 only. The engine is OpenSSL through netty-tcnative when that is on the class
 * path ({@link OpenSsl#isAvailable()}), the JDK's otherwise.
 *
 * <p>Thread-safe: {@link #newHandler} is called on any event loop; the checks run on the executor
 * given to {@link #startWatching}.
 */
public final class ReloadingSslContext implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReloadingSslContext.class);
  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private final String listener;
  private final TlsConfig config;
  private final SslProvider provider;
  private volatile Loaded current;
  private TlsFiles.@Nullable Bytes lastRefused;
  private @Nullable String lastProblem;
  private @Nullable ScheduledFuture<?> watch;

  private record Loaded(SslContext context, TlsFiles.Material material) {}

  /**
   * Loads the files now.
   *
   * @param listener the listener's name, for logs
   * @throws TlsFiles.Problem when a file cannot be used
   * @throws IllegalStateException when the TLS engine refuses the material
   */
  public ReloadingSslContext(String listener, TlsConfig config) {
    this.listener = listener;
    this.config = config;
    this.provider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    TlsFiles.Material material = TlsFiles.load(config);
    this.current = new Loaded(build(material), material);
  }

  /** The TLS engine in use: OPENSSL (netty-tcnative) or JDK. */
  public SslProvider provider() {
    return provider;
  }

  /** The server's certificate now in use. */
  public X509Certificate certificate() {
    return current.material().chain().get(0);
  }

  /** A handler for a new connection, with the context in use now. */
  public SslHandler newHandler(ByteBufAllocator alloc) {
    return current.context().newHandler(alloc);
  }

  /** Checks the files every reload interval on {@code executor}, until {@link #close()}. */
  public synchronized void startWatching(EventExecutor executor) {
    long every = config.reloadInterval().toNanos();
    watch = executor.scheduleWithFixedDelay(this::checkForChanges, every, every,
        TimeUnit.NANOSECONDS);
  }

  /**
   * Reads the files and switches to them if they changed and load.
   *
   * @return whether a new context is now in use
   */
  public synchronized boolean checkForChanges() {
    TlsFiles.Bytes bytes;
    TlsFiles.Material material;
    try {
      bytes = TlsFiles.read(config);
      if (bytes.equals(current.material().bytes())) {
        lastProblem = null;
        return false;
      }
      if (bytes.equals(lastRefused)) {
        return false;
      }
      material = TlsFiles.parse(config, bytes);
    } catch (TlsFiles.Problem p) {
      // A missing file repeats every interval until it is back: log the first time only.
      if (!Objects.equals(p.getMessage(), lastProblem)) {
        lastProblem = p.getMessage();
        LOG.warn("listener {}: the TLS files changed but cannot be used; the previous"
            + " certificate stays in use: tls.{}", listener, p.getMessage());
      }
      return false;
    }
    SslContext context;
    try {
      context = build(material);
    } catch (RuntimeException e) {
      lastRefused = bytes;
      LOG.warn("listener {}: the changed TLS files do not load; the previous certificate stays"
          + " in use: {}", listener, e.toString());
      return false;
    }
    Loaded old = current;
    current = new Loaded(context, material);
    lastRefused = null;
    lastProblem = null;
    ReferenceCountUtil.release(old.context());
    X509Certificate c = material.chain().get(0);
    LOG.info("listener {}: TLS files reloaded; new connections get {} (serial {}, valid until"
        + " {})", listener, TlsFiles.subject(c), c.getSerialNumber().toString(16),
        c.getNotAfter().toInstant());
    return true;
  }

  private SslContext build(TlsFiles.Material m) {
    try {
      SslContextBuilder b = SslContextBuilder
          .forServer(m.key(), m.chain().toArray(X509Certificate[]::new))
          .sslProvider(provider)
          .protocols(PROTOCOLS)
          .clientAuth(switch (config.clientAuth()) {
            case NONE -> ClientAuth.NONE;
            case OPTIONAL -> ClientAuth.OPTIONAL;
            case REQUIRED -> ClientAuth.REQUIRE;
          });
      if (!m.authorities().isEmpty()) {
        b.trustManager(m.authorities().toArray(X509Certificate[]::new));
      }
      return b.build();
    } catch (SSLException e) {
      throw new IllegalStateException("the TLS engine (" + provider + ") refused the files: "
          + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void close() {
    ScheduledFuture<?> w = watch;
    if (w != null) {
      w.cancel(false);
    }
    ReferenceCountUtil.release(current.context());
  }
}
