package dev.midge.broker.webhook;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.midge.broker.config.WebhookConfig;
import dev.midge.broker.session.SessionListener;
import dev.midge.codec.packet.Publish;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The offline-push webhook (seed 000, §9.3: an app in the background cannot keep its connection,
 * so the application server pushes a notification and the app reconnects to fetch what waits for
 * it). When a message is queued for a persistent session whose client is not connected, this
 * POSTs a JSON event to the configured URL:
 *
 * <pre>{@code
 * POST /push HTTP/1.1
 * Content-Type: application/json
 *
 * {"broker":"midge","sentAt":1735689600123,"events":[
 *   {"type":"messages-queued","clientId":"phone-42","messages":3,"firstQueuedAt":1735689599000,
 *    "lastQueuedAt":1735689600100,"topics":["chat/42"],"maxQos":1}]}
 * }</pre>
 *
 * <p><b>Batching.</b> The first event after a quiet time waits {@code batch-delay} for others, and
 * up to {@code max-batch-size} events (one per client) go in one POST. <b>Rate limit.</b> A client
 * gets at most one event per {@code min-interval}; messages queued for it meanwhile are counted
 * into its next event, which goes as soon as the interval is over. <b>Retries.</b> A POST that
 * fails (an I/O error, a timeout, a status other than 2xx) is tried again after {@code
 * retry-backoff}, then twice that, up to {@code max-attempts} tries; then its events are dropped,
 * counted in {@code midge.webhook.failures} (POSTs) and {@code midge.webhook.events{outcome=
 * "failed"}}, and logged. Events for more than {@code max-pending-clients} waiting clients are
 * dropped and counted ({@code outcome="dropped"}). At most {@value #MAX_IN_FLIGHT} POSTs are under
 * way at once; events wait while they are.
 *
 * <p><b>Never blocking.</b> {@link #messageQueuedOffline} only updates a map entry; everything else
 * runs on the webhook's own thread and the HTTP client's.
 *
 * <p>Thread-safe. Close it when the broker stops: events not yet sent are dropped.
 */
public final class OfflinePushWebhook implements SessionListener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OfflinePushWebhook.class);
  /** POSTs under way at once, at most. */
  static final int MAX_IN_FLIGHT = 4;
  /** Topics named per event, at most. */
  static final int MAX_TOPICS = 10;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final WebhookConfig config;
  private final URI url;
  private final Clock clock;
  private final LongSupplier nanoTime;
  private final HttpClient http;
  private final ScheduledExecutorService scheduler;
  private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();
  /** When each client's last event went, on {@link #nanoTime}; forgotten after min-interval. */
  private final Map<String, Long> lastSent = new ConcurrentHashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Counter sent;
  private final Counter failedEvents;
  private final Counter droppedEvents;
  private final Counter failures;
  private final Counter requestsOk;
  private final Counter requestsFailed;
  /** Guarded by {@code this}. */
  private @Nullable ScheduledFuture<?> flush;
  /** When {@link #flush} runs, on {@link #nanoTime}; written under {@code this}. */
  private volatile long flushAtNanos;
  /** Whether a flush is scheduled; written under {@code this}, read without it. */
  private volatile boolean flushArmed;
  private volatile boolean closed;
  /** Whether the last POST failed for good, so that a run of failures is logged at WARN once. */
  private volatile boolean failing;

  /** Messages waiting for one client, gathered into its next event. Changed inside the map only. */
  private static final class Pending {
    final String clientId;
    int messages;
    long firstQueuedAt;
    long lastQueuedAt;
    int maxQos;
    final LinkedHashSet<String> topics = new LinkedHashSet<>();

    Pending(String clientId) {
      this.clientId = clientId;
    }
  }

  /**
   * @param clock the wall clock of the events' times
   * @param nanoTime a monotonic clock for batching, rate limits and backoff ({@code
   *     System::nanoTime} in the broker)
   */
  public OfflinePushWebhook(WebhookConfig config, MeterRegistry registry, Clock clock,
      LongSupplier nanoTime) {
    if (!config.enabled()) {
      throw new IllegalArgumentException("no webhook URL configured");
    }
    this.config = config;
    this.url = URI.create(config.url());
    this.clock = clock;
    this.nanoTime = nanoTime;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "midge-webhook");
      t.setDaemon(true);
      return t;
    });
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(config.timeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
    String events = "midge.webhook.events";
    String what = "Offline-push events, by outcome";
    sent = Counter.builder(events).tag("outcome", "sent").description(what).register(registry);
    failedEvents = Counter.builder(events).tag("outcome", "failed").description(what)
        .register(registry);
    droppedEvents = Counter.builder(events).tag("outcome", "dropped").description(what)
        .register(registry);
    failures = Counter.builder("midge.webhook.failures")
        .description("Webhook POSTs that failed on every attempt; their events are lost")
        .register(registry);
    requestsOk = Counter.builder("midge.webhook.requests").tag("outcome", "success")
        .description("Webhook POST attempts, by outcome").register(registry);
    requestsFailed = Counter.builder("midge.webhook.requests").tag("outcome", "error")
        .description("Webhook POST attempts, by outcome").register(registry);
    Gauge.builder("midge.webhook.pending", pending, Map::size)
        .description("Clients with an offline-push event waiting to be sent").register(registry);
  }

  @Override
  public void messageSent(int qos) {}

  @Override
  public void messageDropped(String clientId, String cause) {}

  @Override
  public void messageQueuedOffline(String clientId, Publish message) {
    if (closed) {
      return;
    }
    long now = clock.millis();
    boolean[] refused = {false};
    pending.compute(clientId, (id, p) -> {
      if (p == null) {
        if (pending.size() >= config.maxPendingClients()) {
          refused[0] = true;
          return null;
        }
        p = new Pending(id);
        p.firstQueuedAt = now;
      }
      p.messages++;
      p.lastQueuedAt = now;
      p.maxQos = Math.max(p.maxQos, message.qos().value());
      if (p.topics.size() < MAX_TOPICS) {
        p.topics.add(message.topic());
      }
      return p;
    });
    if (refused[0]) {
      droppedEvents.increment();
      LOG.debug("client {}: offline-push event dropped, {} clients already wait"
          + " (webhook.max-pending-clients)", clientId, config.maxPendingClients());
      return;
    }
    scheduleFlush(config.batchDelay().toNanos());
  }

  /** Runs {@link #flush()} in {@code delayNanos}, unless it is due sooner already. */
  private void scheduleFlush(long delayNanos) {
    long at = nanoTime.getAsLong() + delayNanos;
    if (flushArmed && flushAtNanos <= at) {
      return; // the usual case on the message path: no lock taken
    }
    scheduleFlushAt(at, delayNanos);
  }

  private synchronized void scheduleFlushAt(long at, long delayNanos) {
    if (closed) {
      return;
    }
    ScheduledFuture<?> f = flush;
    if (f != null && !f.isDone() && flushAtNanos <= at) {
      return;
    }
    if (f != null) {
      f.cancel(false);
    }
    flushAtNanos = at;
    try {
      flush = scheduler.schedule(this::flush, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
      flushArmed = true;
    } catch (RejectedExecutionException stopping) {
      flush = null;
    }
  }

  /** Sends what is due, in batches; arms the next flush for what must wait. Webhook thread. */
  private void flush() {
    synchronized (this) {
      flush = null;
      flushArmed = false;
    }
    if (closed) {
      return;
    }
    long now = nanoTime.getAsLong();
    long minInterval = config.minInterval().toNanos();
    lastSent.values().removeIf(t -> now - t >= minInterval);
    long wait = Long.MAX_VALUE;
    while (inFlight.get() < MAX_IN_FLIGHT) {
      List<Pending> batch = new ArrayList<>();
      wait = Long.MAX_VALUE;
      for (Iterator<String> it = pending.keySet().iterator();
          it.hasNext() && batch.size() < config.maxBatchSize(); ) {
        String id = it.next();
        Long last = lastSent.get(id);
        if (last != null && now - last < minInterval) {
          wait = Math.min(wait, last + minInterval - now); // rate-limited: its turn comes later
          continue;
        }
        Pending p = pending.remove(id);
        if (p != null) {
          lastSent.put(id, now);
          batch.add(p);
        }
      }
      if (batch.isEmpty()) {
        break;
      }
      send(body(batch), batch.size(), 1);
    }
    if (inFlight.get() >= MAX_IN_FLIGHT) {
      return; // a POST completing flushes again
    }
    if (wait != Long.MAX_VALUE) {
      scheduleFlush(wait);
    }
  }

  private byte[] body(List<Pending> batch) {
    ObjectNode root = JSON.createObjectNode();
    root.put("broker", "midge");
    root.put("sentAt", clock.millis());
    ArrayNode events = root.putArray("events");
    for (Pending p : batch) {
      ObjectNode e = events.addObject();
      e.put("type", "messages-queued");
      e.put("clientId", p.clientId);
      e.put("messages", p.messages);
      e.put("firstQueuedAt", p.firstQueuedAt);
      e.put("lastQueuedAt", p.lastQueuedAt);
      ArrayNode topics = e.putArray("topics");
      p.topics.forEach(topics::add);
      e.put("maxQos", p.maxQos);
    }
    return root.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private void send(byte[] body, int events, int attempt) {
    if (closed) {
      return;
    }
    inFlight.incrementAndGet();
    HttpRequest.Builder request = HttpRequest.newBuilder(url)
        .timeout(config.timeout())
        .header("Content-Type", "application/json")
        .header("User-Agent", "midge-webhook")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (!config.authorization().isEmpty()) {
      request.header("Authorization", config.authorization());
    }
    http.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding())
        .whenComplete((response, error) -> {
          inFlight.decrementAndGet();
          int status = response == null ? 0 : response.statusCode();
          if (error == null && status >= 200 && status < 300) {
            requestsOk.increment();
            sent.increment(events);
            if (failing) {
              failing = false;
              LOG.info("webhook {} answers again", url);
            }
          } else {
            requestsFailed.increment();
            String why = error != null ? error.toString() : "status " + status;
            retryOrGiveUp(body, events, attempt, why);
          }
          if (!pending.isEmpty()) {
            scheduleFlush(0);
          }
        });
  }

  private void retryOrGiveUp(byte[] body, int events, int attempt, String why) {
    if (closed) {
      return;
    }
    if (attempt < config.maxAttempts()) {
      long backoff = config.retryBackoff().toNanos() << Math.min(attempt - 1, 20);
      LOG.debug("webhook {} failed ({}), try {} of {} in {} ms", url, why, attempt + 1,
          config.maxAttempts(), TimeUnit.NANOSECONDS.toMillis(backoff));
      try {
        scheduler.schedule(() -> send(body, events, attempt + 1), backoff, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException stopping) {
        // closed meanwhile
      }
      return;
    }
    failures.increment();
    failedEvents.increment(events);
    if (!failing) {
      failing = true;
      LOG.warn("webhook {} failed {} times ({}): {} offline-push events lost; further failures"
          + " are counted in midge.webhook.failures", url, attempt, why, events);
    } else {
      LOG.debug("webhook {} failed {} times ({}): {} events lost", url, attempt, why, events);
    }
  }

  /** Stops: what has not been sent is dropped. */
  @Override
  public void close() {
    closed = true;
    scheduler.shutdownNow();
    pending.clear();
  }
}
