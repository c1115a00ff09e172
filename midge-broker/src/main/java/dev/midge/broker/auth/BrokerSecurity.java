package dev.midge.broker.auth;

import dev.midge.broker.auth.PasswordAuthenticator.Verdict;
import dev.midge.broker.auth.acl.AclAuthorizer;
import dev.midge.broker.auth.http.HttpAuthenticator;
import dev.midge.broker.auth.password.PasswordFileAuthenticator;
import dev.midge.broker.config.AuthConfig;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A broker's authentication and authorisation: the {@link PasswordAuthenticator}s asked in turn
 * for clients with a user name (the password file, then any given in code, then the HTTP
 * service), the {@link Authorizer} (the ACL file, or everything allowed), the {@link
 * FailureDelay} that slows down guessing, and the files to reload.
 *
 * <p>Built from {@link AuthConfig} by {@link #create}; the files are read then, and a broken file
 * fails the start. {@link #reload} reads them again (SIGHUP); {@link #start} looks for changes
 * every {@code auth.reload-check-interval} on a thread of its own, so that file reads never
 * happen on an event loop.
 *
 * <p>Thread-safe.
 */
public final class BrokerSecurity implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BrokerSecurity.class);

  private final List<PasswordAuthenticator> authenticators;
  private final Authorizer authorizer;
  private final List<ReloadableFile<?>> files;
  private final FailureDelay failureDelay;
  private final Duration checkInterval;
  private @Nullable ScheduledExecutorService watcher;

  private BrokerSecurity(List<PasswordAuthenticator> authenticators, Authorizer authorizer,
      List<ReloadableFile<?>> files, FailureDelay failureDelay, Duration checkInterval) {
    this.authenticators = List.copyOf(authenticators);
    this.authorizer = authorizer;
    this.files = List.copyOf(files);
    this.failureDelay = failureDelay;
    this.checkInterval = checkInterval;
  }

  /** No authentication, no ACL: what a broker without an {@code auth} section has. */
  public static BrokerSecurity open() {
    return new BrokerSecurity(List.of(), Authorizer.ALLOW_ALL, List.of(), new FailureDelay(),
        Duration.ZERO);
  }

  /**
   * The security {@code config} asks for, with authenticators and an authorizer given in code.
   *
   * @param extra authenticators asked after the password file and before the HTTP service
   * @param authorizer used instead of the ACL file when not null
   * @throws AuthFileException when the password or ACL file cannot be used
   */
  public static BrokerSecurity create(AuthConfig config, List<PasswordAuthenticator> extra,
      @Nullable Authorizer authorizer, FailureDelay failureDelay) {
    List<PasswordAuthenticator> auths = new ArrayList<>();
    List<ReloadableFile<?>> files = new ArrayList<>();
    if (!config.passwordFile().isEmpty()) {
      PasswordFileAuthenticator p = new PasswordFileAuthenticator(Path.of(config.passwordFile()));
      auths.add(p);
      files.add(p.file());
      LOG.info("password file {}: {} users", config.passwordFile(),
          p.file().current().users().size());
    }
    auths.addAll(extra);
    if (!config.httpUrl().isEmpty()) {
      auths.add(new HttpAuthenticator(URI.create(config.httpUrl()), config.httpTimeout()));
    }
    Authorizer az = authorizer;
    if (az == null && !config.aclFile().isEmpty()) {
      AclAuthorizer acl = new AclAuthorizer(Path.of(config.aclFile()));
      files.add(acl.file());
      az = acl;
      LOG.info("ACL file {}: {}", config.aclFile(), acl.file().current());
    }
    return new BrokerSecurity(auths, az == null ? Authorizer.ALLOW_ALL : az, files,
        failureDelay, config.reloadCheckInterval());
  }

  /** Whether clients with a user name are checked by any authenticator. */
  public boolean authenticates() {
    return !authenticators.isEmpty();
  }

  public Authorizer authorizer() {
    return authorizer;
  }

  public FailureDelay failureDelay() {
    return failureDelay;
  }

  /**
   * Asks the authenticators in turn about a client with a user name; the first that knows the
   * user answers. Never {@link Verdict#UNKNOWN_USER}: a user nobody knows is {@link
   * Verdict#BAD_USER_NAME_OR_PASSWORD}. The stage fails when an authenticator fails.
   */
  public CompletionStage<Verdict> authenticate(Credentials credentials) {
    return ask(0, credentials).thenApply(v ->
        v == Verdict.UNKNOWN_USER ? Verdict.BAD_USER_NAME_OR_PASSWORD : v);
  }

  private CompletionStage<Verdict> ask(int index, Credentials c) {
    if (index == authenticators.size()) {
      return CompletableFuture.completedFuture(Verdict.UNKNOWN_USER);
    }
    PasswordAuthenticator a = authenticators.get(index);
    CompletionStage<Verdict> stage;
    try {
      stage = Objects.requireNonNull(a.authenticate(c), () -> a + " returned no stage");
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return stage.thenCompose(v -> {
      if (v == null) {
        return CompletableFuture.failedFuture(
            new IllegalStateException(a + " completed with no verdict"));
      }
      return v == Verdict.UNKNOWN_USER ? ask(index + 1, c) : CompletableFuture.completedFuture(v);
    });
  }

  /**
   * Reads the password and ACL files again; a file that cannot be used keeps its rules and is
   * logged. Any thread.
   *
   * @return whether every file was read
   */
  public boolean reload() {
    boolean all = true;
    for (ReloadableFile<?> f : files) {
      all &= f.reload();
    }
    return all;
  }

  /** Reads again the files that changed on disk. Any thread. */
  public void reloadIfChanged() {
    for (ReloadableFile<?> f : files) {
      f.reloadIfChanged();
    }
  }

  /** Starts looking for changed files, unless the interval is zero or there are no files. */
  public synchronized void start() {
    if (watcher != null || files.isEmpty() || checkInterval.isZero()) {
      return;
    }
    ScheduledExecutorService w = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "midge-auth-files");
      t.setDaemon(true);
      return t;
    });
    long ms = checkInterval.toMillis();
    w.scheduleWithFixedDelay(() -> {
      try {
        reloadIfChanged();
      } catch (RuntimeException e) {
        LOG.warn("looking at the password and ACL files failed", e);
      }
    }, ms, ms, TimeUnit.MILLISECONDS);
    watcher = w;
  }

  @Override
  public synchronized void close() {
    ScheduledExecutorService w = watcher;
    if (w != null) {
      w.shutdownNow();
      watcher = null;
    }
  }

  @Override
  public String toString() {
    return "BrokerSecurity[authenticators=" + authenticators + ", authorizer=" + authorizer + "]";
  }
}
