package dev.midge.broker.auth.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.midge.broker.auth.Credentials;
import dev.midge.broker.auth.PasswordAuthenticator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates clients by asking an HTTP service ({@code auth.http.url}): for each client with a
 * user name, it POSTs
 *
 * <pre>{"clientId": "sensor-7", "username": "alice", "password": "…", "address": "10.0.0.5:51234"}</pre>
 *
 * <p>(the password decoded as UTF-8; {@code password} is null when the CONNECT had none) and lets
 * the client in on a 2xx answer. A 4xx answer refuses it with Bad User Name or Password (MQTT 3.x:
 * 0x04), except 403, which refuses it with Not authorized (0x05). No answer within {@code
 * auth.http.timeout}, any other status, or a failed connection refuse it with Not authorized, and
 * are logged at WARN (with the client, never the password): the broker fails closed.
 *
 * <p>Non-blocking: the JDK's {@link HttpClient} sends the request asynchronously and the verdict
 * completes on its threads. Thread-safe.
 */
public final class HttpAuthenticator implements PasswordAuthenticator {
  private static final Logger LOG = LoggerFactory.getLogger(HttpAuthenticator.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI url;
  private final Duration timeout;
  private final HttpClient client;

  /**
   * @param url an {@code http://} or {@code https://} URL
   * @param timeout how long an answer may take
   */
  public HttpAuthenticator(URI url, Duration timeout) {
    this.url = Objects.requireNonNull(url);
    this.timeout = Objects.requireNonNull(timeout);
    this.client = HttpClient.newBuilder()
        .connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .version(HttpClient.Version.HTTP_1_1)
        .build();
  }

  @Override
  public CompletionStage<Verdict> authenticate(Credentials c) {
    ObjectNode body = JSON.createObjectNode()
        .put("clientId", c.clientId())
        .put("username", c.userName())
        .put("password", c.password() == null ? null
            : new String(c.password(), StandardCharsets.UTF_8))
        .put("address", c.remoteAddress());
    HttpRequest request = HttpRequest.newBuilder(url)
        .timeout(timeout)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
        .build();
    return client.sendAsync(request, HttpResponse.BodyHandlers.discarding())
        // The request's timeout covers the wait for the answer's headers; this bounds the rest.
        .orTimeout(timeout.toMillis() * 2, TimeUnit.MILLISECONDS)
        .handle((response, error) -> {
          if (error != null) {
            Throwable e = error instanceof CompletionException && error.getCause() != null
                ? error.getCause() : error;
            boolean timedOut = e instanceof HttpTimeoutException || e instanceof TimeoutException;
            LOG.warn("client {} ({}) user {}: the HTTP authentication service {} {}; refused",
                c.clientId(), c.remoteAddress(), c.userName(), url,
                timedOut ? "did not answer within " + timeout.toMillis() + " ms"
                    : "failed: " + e);
            return Verdict.NOT_AUTHORIZED;
          }
          int status = response.statusCode();
          if (status >= 200 && status < 300) {
            return Verdict.ALLOW;
          }
          if (status == 403) {
            return Verdict.NOT_AUTHORIZED;
          }
          if (status >= 400 && status < 500) {
            return Verdict.BAD_USER_NAME_OR_PASSWORD;
          }
          LOG.warn("client {} ({}) user {}: the HTTP authentication service {} answered {};"
              + " refused", c.clientId(), c.remoteAddress(), c.userName(), url, status);
          return Verdict.NOT_AUTHORIZED;
        });
  }

  @Override
  public String toString() {
    return "HttpAuthenticator[" + url + "]";
  }
}
