package dev.midge.broker.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.midge.broker.connection.BrokerServices;
import dev.midge.broker.connection.ClientInfo;
import dev.midge.broker.session.Session;
import dev.midge.broker.session.StoredSubscription;
import dev.midge.codec.packet.Subscription;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * What the HTTP listener answers, apart from HTTP itself: the admin API under {@code /api/v1},
 * the Prometheus endpoint {@code /metrics} and the dashboard's files. Each request becomes a
 * {@link Reply}, at once or once the connections and sessions asked about have answered from their
 * own event loops (their state is read there only).
 *
 * <p>Lists are paged in client-identifier order: {@code limit} (1 to {@value #MAX_LIMIT}, {@value
 * #DEFAULT_LIMIT} by default) items after the client identifier {@code after}; the answer's {@code
 * next} is the {@code after} of the next page, null on the last. docs/admin-api.md describes every
 * answer. Thread-safe.
 */
public final class AdminApi {
  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;
  private static final String JSON_TYPE = "application/json; charset=utf-8";
  private static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  private static final String CLIENTS = "/api/v1/clients";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String[]> STATIC_FILES = Map.of(
      "/", new String[] {"index.html", "text/html; charset=utf-8"},
      "/index.html", new String[] {"index.html", "text/html; charset=utf-8"},
      "/dashboard.js", new String[] {"dashboard.js", "text/javascript; charset=utf-8"},
      "/dashboard.css", new String[] {"dashboard.css", "text/css; charset=utf-8"});

  /**
   * An answer.
   *
   * @param status the HTTP status
   * @param contentType the Content-Type
   * @param body the body
   * @param allow for 405, the methods allowed; else null
   */
  public record Reply(int status, String contentType, byte[] body, @Nullable String allow) {}

  /** A session in {@code GET /api/v1/sessions}. */
  public record SessionInfo(String clientId, boolean connected, long expiryInterval,
      int subscriptions, int inflight, int queued) {}

  /** A subscription in {@code GET /api/v1/subscriptions}. */
  public record SubscriptionInfo(String clientId, String topicFilter, int qos, boolean noLocal,
      boolean retainAsPublished, int retainHandling, @Nullable Integer subscriptionIdentifier,
      boolean shared) {}

  private final BrokerServices broker;
  private final Predicate<String> disconnect;
  private final StatsHistory history;
  private final PrometheusMeterRegistry prometheus;
  private final Map<String, byte[]> files = new LinkedHashMap<>();

  /**
   * @param disconnect disconnects a client by identifier (MQTT 5: DISCONNECT 0x98); false when
   *     none was connected
   */
  public AdminApi(BrokerServices broker, Predicate<String> disconnect, StatsHistory history,
      PrometheusMeterRegistry prometheus) {
    this.broker = broker;
    this.disconnect = disconnect;
    this.history = history;
    this.prometheus = prometheus;
    for (String[] f : STATIC_FILES.values()) {
      files.computeIfAbsent(f[0], AdminApi::resource);
    }
  }

  private static byte[] resource(String name) {
    try (InputStream in = AdminApi.class.getResourceAsStream("dashboard/" + name)) {
      if (in == null) {
        throw new IllegalStateException("dashboard file missing from the jar: " + name);
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Answers {@code method} on {@code uri} (path and query, as in the request line). */
  public CompletableFuture<Reply> handle(String method, String uri) {
    try {
      return route(method, uri);
    } catch (BadRequest e) {
      return done(error(400, e.getMessage()));
    }
  }

  private CompletableFuture<Reply> route(String method, String uri) throws BadRequest {
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);
    Map<String, List<String>> query = new QueryStringDecoder(uri).parameters();
    String[] file = STATIC_FILES.get(path);
    if (file != null) {
      return get(method, () -> done(new Reply(200, file[1], files.get(file[0]), null)));
    }
    switch (path) {
      case "/metrics":
        return get(method, () -> done(new Reply(200, PROMETHEUS_TYPE,
            prometheus.scrape().getBytes(StandardCharsets.UTF_8), null)));
      case CLIENTS:
        return get(method, () -> clients(query));
      case "/api/v1/sessions":
        return get(method, () -> sessions(query));
      case "/api/v1/subscriptions":
        return get(method, () -> subscriptions(query));
      case "/api/v1/stats":
        return get(method, () -> done(json(200, stats())));
      default:
        break;
    }
    if (path.startsWith(CLIENTS + "/") && path.length() > CLIENTS.length() + 1) {
      String id = percentDecode(path.substring(CLIENTS.length() + 1));
      return switch (method) {
        case "GET" -> broker.connectedClients().info(id).thenApply(info -> info == null
            ? error(404, "no client connected with identifier " + id)
            : json(200, info));
        case "DELETE" -> done(disconnect.test(id)
            ? json(202, Map.of("clientId", id, "disconnecting", true))
            : error(404, "no client connected with identifier " + id));
        default -> done(new Reply(405, JSON_TYPE, bytes(Map.of("error",
            "method " + method + " not allowed here")), "GET, DELETE"));
      };
    }
    return done(error(404, "nothing at " + path));
  }

  private interface Action {
    CompletableFuture<Reply> run() throws BadRequest;
  }

  private static CompletableFuture<Reply> get(String method, Action action) throws BadRequest {
    if (!method.equals("GET")) {
      return done(new Reply(405, JSON_TYPE, bytes(Map.of("error",
          "method " + method + " not allowed here")), "GET"));
    }
    return action.run();
  }

  // ---- clients ----

  private CompletableFuture<Reply> clients(Map<String, List<String>> query) throws BadRequest {
    int limit = limit(query);
    String after = param(query, "after");
    List<String> ids = broker.connectedClients().page(after, limit + 1);
    boolean more = ids.size() > limit;
    List<String> page = more ? ids.subList(0, limit) : ids;
    String next = more ? page.get(page.size() - 1) : null;
    long total = broker.connectedClients().size();
    return broker.connectedClients().infos(page)
        .thenApply(infos -> json(200, page("clients", total, infos, next)));
  }

  // ---- sessions ----

  private CompletableFuture<Reply> sessions(Map<String, List<String>> query) throws BadRequest {
    int limit = limit(query);
    String after = param(query, "after");
    List<Session> page = sessionsAfter(after, limit + 1);
    boolean more = page.size() > limit;
    if (more) {
      page = page.subList(0, limit);
    }
    String next = more ? page.get(page.size() - 1).clientId() : null;
    long total = broker.sessions().size();
    List<CompletableFuture<@Nullable SessionInfo>> infos = new ArrayList<>(page.size());
    for (Session s : page) {
      infos.add(sessionInfo(s));
    }
    return CompletableFuture.allOf(infos.toArray(CompletableFuture[]::new)).thenApply(v -> {
      List<SessionInfo> items = new ArrayList<>(infos.size());
      for (CompletableFuture<@Nullable SessionInfo> f : infos) {
        SessionInfo i = f.join();
        if (i != null) {
          items.add(i);
        }
      }
      return json(200, page("sessions", total, items, next));
    });
  }

  /** The session's counts, read on its owner; null if it ended meanwhile. */
  private static CompletableFuture<@Nullable SessionInfo> sessionInfo(Session s) {
    CompletableFuture<@Nullable SessionInfo> f = new CompletableFuture<>();
    try {
      s.execute(() -> f.complete(s.isDiscarded() ? null : new SessionInfo(s.clientId(),
          s.claimedBy() != null, s.expiryInterval(), s.subscriptions().size(),
          s.inflightCount(), s.queuedCount())));
    } catch (RejectedExecutionException stopping) {
      f.complete(null);
    }
    return f;
  }

  /** Up to {@code limit} sessions in client-identifier order after {@code after}. */
  private List<Session> sessionsAfter(@Nullable String after, int limit) {
    // The largest kept on top, to be evicted by a smaller one: O(n log limit), no full sort.
    PriorityQueue<Session> smallest = new PriorityQueue<>(
        Comparator.comparing(Session::clientId).reversed());
    for (Session s : broker.sessions().all()) {
      if (after != null && s.clientId().compareTo(after) <= 0) {
        continue;
      }
      if (smallest.size() < limit) {
        smallest.add(s);
      } else if (s.clientId().compareTo(smallest.peek().clientId()) < 0) {
        smallest.poll();
        smallest.add(s);
      }
    }
    List<Session> sorted = new ArrayList<>(smallest);
    sorted.sort(Comparator.comparing(Session::clientId));
    return sorted;
  }

  // ---- subscriptions ----

  /**
   * Subscriptions of whole sessions, in client-identifier order, until at least {@code limit}
   * are listed: a session's subscriptions are never split over two pages.
   */
  private CompletableFuture<Reply> subscriptions(Map<String, List<String>> query)
      throws BadRequest {
    int limit = limit(query);
    String cursor = param(query, "after");
    List<SubscriptionInfo> items = new ArrayList<>();
    String next = null;
    fill:
    while (true) {
      List<Session> batch = sessionsAfter(cursor, limit);
      for (Session s : batch) {
        cursor = s.clientId();
        for (StoredSubscription sub : s.subscriptions().values()) {
          items.add(subscriptionInfo(s.clientId(), sub));
        }
        if (items.size() >= limit) {
          next = sessionsAfter(cursor, 1).isEmpty() ? null : cursor;
          break fill;
        }
      }
      if (batch.size() < limit) {
        break;
      }
    }
    return done(json(200, page("subscriptions", broker.router().size(), items, next)));
  }

  private static SubscriptionInfo subscriptionInfo(String clientId, StoredSubscription stored) {
    Subscription s = stored.subscription();
    return new SubscriptionInfo(clientId, s.topicFilter(), s.qos().value(), s.noLocal(),
        s.retainAsPublished(), s.retainHandling().value(),
        stored.hasIdentifier() ? stored.identifier() : null,
        s.topicFilter().startsWith("$share/"));
  }

  // ---- stats ----

  private Map<String, Object> stats() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("now", history.now());
    m.put("sessions", broker.sessions().size());
    m.put("subscriptions", broker.router().size());
    m.put("retained", broker.retained().size());
    m.put("history", history.samples());
    return m;
  }

  // ---- helpers ----

  /** {@code {"total": n, "<name>": [...], "next": cursor or null}}. */
  private static Map<String, @Nullable Object> page(String name, long total, List<?> items,
      @Nullable String next) {
    Map<String, @Nullable Object> m = new LinkedHashMap<>();
    m.put("total", total);
    m.put(name, items);
    m.put("next", next);
    return m;
  }

  private static int limit(Map<String, List<String>> query) throws BadRequest {
    String text = param(query, "limit");
    if (text == null) {
      return DEFAULT_LIMIT;
    }
    try {
      int n = Integer.parseInt(text);
      if (n >= 1 && n <= MAX_LIMIT) {
        return n;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new BadRequest("limit must be a number from 1 to " + MAX_LIMIT + ", was " + text);
  }

  private static @Nullable String param(Map<String, List<String>> query, String name) {
    List<String> values = query.get(name);
    return values == null || values.isEmpty() || values.get(0).isEmpty() ? null : values.get(0);
  }

  /**
   * Decodes %XX escapes as UTF-8, leaving {@code +} as it is (a client identifier may hold one).
   */
  static String percentDecode(String s) throws BadRequest {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length()) {
        byte[] pair = s.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
        out.write(pair, 0, pair.length);
        i++;
      } else if (c == '%') {
        if (i + 2 >= s.length()) {
          throw new BadRequest("bad % escape in the path");
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw new BadRequest("bad % escape in the path");
        }
        out.write(hi << 4 | lo);
        i += 2;
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static CompletableFuture<Reply> done(Reply r) {
    return CompletableFuture.completedFuture(r);
  }

  private static Reply json(int status, Object value) {
    return new Reply(status, JSON_TYPE, bytes(value), null);
  }

  private static Reply error(int status, String message) {
    return json(status, Map.of("error", message));
  }

  private static byte[] bytes(Object value) {
    try {
      return JSON.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  /** A request the API cannot answer as asked: 400 with the message. */
  static final class BadRequest extends Exception {
    BadRequest(String message) {
      super(message, null, false, false);
    }
  }
}
