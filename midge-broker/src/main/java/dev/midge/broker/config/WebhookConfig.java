package dev.midge.broker.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * The offline-push webhook: when a message is queued for a persistent session whose client is not
 * connected, the broker POSTs a JSON event to {@code url}, so that an application server can send
 * the app a push notification and the app can reconnect to fetch its messages.
 *
 * <p>Events are batched (one POST carries the events of up to {@code maxBatchSize} clients,
 * gathered for up to {@code batchDelay}) and rate-limited per client (at most one event per
 * client per {@code minInterval}; messages queued in between are counted into its next event). A
 * failed POST is retried up to {@code maxAttempts} times in all, waiting {@code retryBackoff},
 * then twice that, and so on; then its events are dropped and counted. Message flow never waits
 * for the webhook.
 *
 * @param url where events are POSTed, an {@code http://} or {@code https://} URL; empty: no webhook
 * @param authorization the value of the Authorization header sent with each POST; empty: none
 * @param batchDelay how long events are gathered before a POST
 * @param maxBatchSize events per POST, at most
 * @param minInterval the least time between two events for one client
 * @param maxAttempts tries per POST, the first one included
 * @param retryBackoff the wait before the first retry, doubled before each further one
 * @param timeout how long one POST may take
 * @param maxPendingClients clients with an event waiting to be sent, at most; events for more
 *     are dropped and counted
 */
public record WebhookConfig(
    String url,
    String authorization,
    Duration batchDelay,
    int maxBatchSize,
    Duration minInterval,
    int maxAttempts,
    Duration retryBackoff,
    Duration timeout,
    int maxPendingClients) {

  /** No webhook; when a URL is set, the other values here apply. */
  public static final WebhookConfig DEFAULTS = new WebhookConfig("", "", Duration.ofSeconds(1),
      100, Duration.ofSeconds(30), 5, Duration.ofSeconds(1), Duration.ofSeconds(10), 10_000);

  public WebhookConfig {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(authorization, "authorization");
    Objects.requireNonNull(batchDelay, "batchDelay");
    Objects.requireNonNull(minInterval, "minInterval");
    Objects.requireNonNull(retryBackoff, "retryBackoff");
    Objects.requireNonNull(timeout, "timeout");
    if (!url.isEmpty()) {
      checkUrl(url);
    }
    if (maxBatchSize < 1) {
      throw new IllegalArgumentException("the webhook's max batch size must be 1 or more");
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("the webhook's max attempts must be 1 or more");
    }
    if (maxPendingClients < 1) {
      throw new IllegalArgumentException("the webhook's max pending clients must be 1 or more");
    }
    if (batchDelay.isNegative() || minInterval.isNegative() || retryBackoff.isNegative()
        || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("the webhook's durations must not be negative, and its"
          + " timeout must be positive");
    }
  }

  /** Whether a webhook is configured. */
  public boolean enabled() {
    return !url.isEmpty();
  }

  public WebhookConfig withUrl(String newUrl) {
    return new WebhookConfig(newUrl, authorization, batchDelay, maxBatchSize, minInterval,
        maxAttempts, retryBackoff, timeout, maxPendingClients);
  }

  public WebhookConfig withBatching(Duration newBatchDelay, int newMaxBatchSize) {
    return new WebhookConfig(url, authorization, newBatchDelay, newMaxBatchSize, minInterval,
        maxAttempts, retryBackoff, timeout, maxPendingClients);
  }

  public WebhookConfig withMinInterval(Duration newMinInterval) {
    return new WebhookConfig(url, authorization, batchDelay, maxBatchSize, newMinInterval,
        maxAttempts, retryBackoff, timeout, maxPendingClients);
  }

  public WebhookConfig withRetries(int newMaxAttempts, Duration newRetryBackoff) {
    return new WebhookConfig(url, authorization, batchDelay, maxBatchSize, minInterval,
        newMaxAttempts, newRetryBackoff, timeout, maxPendingClients);
  }

  public WebhookConfig withTimeout(Duration newTimeout) {
    return new WebhookConfig(url, authorization, batchDelay, maxBatchSize, minInterval,
        maxAttempts, retryBackoff, newTimeout, maxPendingClients);
  }

  public WebhookConfig withAuthorization(String newAuthorization) {
    return new WebhookConfig(url, newAuthorization, batchDelay, maxBatchSize, minInterval,
        maxAttempts, retryBackoff, timeout, maxPendingClients);
  }

  public WebhookConfig withMaxPendingClients(int newMaxPendingClients) {
    return new WebhookConfig(url, authorization, batchDelay, maxBatchSize, minInterval,
        maxAttempts, retryBackoff, timeout, newMaxPendingClients);
  }

  private static void checkUrl(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("the webhook URL is not a URL: " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
      throw new IllegalArgumentException("the webhook URL must start with http:// or https://"
          + " and name a host, was " + url);
    }
  }
}
