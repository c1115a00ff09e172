package dev.midge.broker.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * Where the broker finds its users and their rights: a password file and an ACL file in
 * Mosquitto 2's formats, and an HTTP service that answers for users the password file does not
 * know. All empty ({@link #DEFAULTS}) is a broker that lets anyone in and anyone publish and
 * subscribe to anything, as {@code ./midge broker} does without a configuration file.
 *
 * <p>The files are read when the broker starts (a broken file stops it, saying which line and
 * how to fix it), and again on SIGHUP ({@code midge broker}) and when they change on disk, looked
 * at every {@code reloadCheckInterval}; a broken file then keeps the rules read before.
 *
 * @param passwordFile the password file ({@code user:$7$…} lines, as {@code mosquitto_passwd} and
 *     {@code midge passwd} write them), relative to the working directory unless absolute; empty
 *     for none
 * @param aclFile the ACL file ({@code user}, {@code topic}, {@code pattern} lines); empty for
 *     none, which allows every client every topic
 * @param httpUrl where the HTTP authentication service is, an {@code http://} or {@code https://}
 *     URL; empty for none
 * @param httpTimeout how long the HTTP service may take to answer before the client is refused
 * @param reloadCheckInterval how often the files' modification times are looked at; zero never
 */
public record AuthConfig(String passwordFile, String aclFile, String httpUrl,
    Duration httpTimeout, Duration reloadCheckInterval) {

  /** No password file, no ACL file, no HTTP service: every client allowed everything. */
  public static final AuthConfig DEFAULTS =
      new AuthConfig("", "", "", Duration.ofSeconds(5), Duration.ofSeconds(5));

  public AuthConfig {
    Objects.requireNonNull(passwordFile, "passwordFile");
    Objects.requireNonNull(aclFile, "aclFile");
    Objects.requireNonNull(httpUrl, "httpUrl");
    Objects.requireNonNull(httpTimeout, "httpTimeout");
    Objects.requireNonNull(reloadCheckInterval, "reloadCheckInterval");
    if (!httpUrl.isEmpty()) {
      checkUrl(httpUrl);
    }
    if (httpTimeout.isZero() || httpTimeout.isNegative()) {
      throw new IllegalArgumentException("the HTTP authentication timeout must be positive");
    }
    if (reloadCheckInterval.isNegative()) {
      throw new IllegalArgumentException("the reload check interval must not be negative");
    }
  }

  /**
   * Whether clients are authenticated by a user name and password: a password file or an HTTP
   * service is set. Listeners whose {@code allow-anonymous} is {@code auto} then refuse clients
   * without a user name.
   */
  public boolean authenticates() {
    return !passwordFile.isEmpty() || !httpUrl.isEmpty();
  }

  public AuthConfig withPasswordFile(String file) {
    return new AuthConfig(file, aclFile, httpUrl, httpTimeout, reloadCheckInterval);
  }

  public AuthConfig withAclFile(String file) {
    return new AuthConfig(passwordFile, file, httpUrl, httpTimeout, reloadCheckInterval);
  }

  public AuthConfig withHttp(String url, Duration timeout) {
    return new AuthConfig(passwordFile, aclFile, url, timeout, reloadCheckInterval);
  }

  public AuthConfig withReloadCheckInterval(Duration interval) {
    return new AuthConfig(passwordFile, aclFile, httpUrl, httpTimeout, interval);
  }

  private static void checkUrl(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("the HTTP authentication URL is not a URL: " + url);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
      throw new IllegalArgumentException("the HTTP authentication URL must be an http:// or"
          + " https:// URL with a host, was " + url);
    }
  }
}
