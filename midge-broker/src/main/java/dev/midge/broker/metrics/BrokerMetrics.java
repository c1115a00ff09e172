package dev.midge.broker.metrics;

import dev.midge.broker.session.SessionListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The broker's meters, registered once in a Micrometer {@link MeterRegistry}: connections,
 * connects and disconnects by cause, keep-alive timeouts, pings, messages in and out by QoS,
 * dropped messages by cause (such as {@code expired}: MQTT 5 Message Expiry Interval), messages
 * refused on receipt by cause, refusals by the configured limit that caused them, and enhanced
 * authentications by outcome. Thread-safe; counters are cached so recording costs no lookup.
 */
public final class BrokerMetrics implements SessionListener {
  private final MeterRegistry registry;
  private final AtomicLong connections = new AtomicLong();
  private final Counter connects;
  private final Counter pings;
  private final Map<DisconnectCause, Counter> disconnects = new EnumMap<>(DisconnectCause.class);
  private final Counter[] messagesIn = new Counter[3];
  private final Counter[] messagesOut = new Counter[3];
  private final Map<String, Counter> dropped = new ConcurrentHashMap<>();
  private final Map<String, Counter> limitsReached = new ConcurrentHashMap<>();
  private final Map<String, Counter> refused = new ConcurrentHashMap<>();
  private final Map<String, Counter> authentications = new ConcurrentHashMap<>();

  public BrokerMetrics(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("midge.connections", connections, AtomicLong::get)
        .description("Connections with an accepted CONNECT")
        .register(registry);
    connects = Counter.builder("midge.connects").description("Accepted CONNECTs").register(registry);
    pings = Counter.builder("midge.pings").description("PINGREQs answered").register(registry);
    for (DisconnectCause cause : DisconnectCause.values()) {
      disconnects.put(cause, Counter.builder("midge.disconnects").tag("cause", cause.tag())
          .description("Connections ended, by cause").register(registry));
    }
    for (int q = 0; q < 3; q++) {
      messagesIn[q] = Counter.builder("midge.messages.in").tag("qos", Integer.toString(q))
          .description("PUBLISH packets received from clients").register(registry);
      messagesOut[q] = Counter.builder("midge.messages.out").tag("qos", Integer.toString(q))
          .description("PUBLISH packets sent to clients").register(registry);
    }
  }

  /** Registers a gauge read from {@code value}, such as the number of retained messages. */
  public void gauge(String name, String description, Supplier<Number> value) {
    Gauge.builder(name, value).description(description).register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  public void connected() {
    connects.increment();
    connections.incrementAndGet();
  }

  /** A connection that had been accepted has ended. */
  public void connectionEnded() {
    connections.decrementAndGet();
  }

  public void disconnected(DisconnectCause cause) {
    disconnects.get(cause).increment();
  }

  /** The number of connections ended for a cause so far. */
  public long disconnects(DisconnectCause cause) {
    return (long) disconnects.get(cause).count();
  }

  public void ping() {
    pings.increment();
  }

  public void messageReceived(int qos) {
    messagesIn[qos].increment();
  }

  @Override
  public void messageSent(int qos) {
    messagesOut[qos].increment();
  }

  @Override
  public void messageDropped(String clientId, String cause) {
    dropped.computeIfAbsent(cause, c -> Counter.builder("midge.messages.dropped").tag("cause", c)
        .description("Messages dropped, by cause").register(registry)).increment();
  }

  /**
   * A configured limit refused something: {@code limit} is the config key's name without its
   * section, such as {@code max-connections}. Counted in {@code midge.limits.reached{limit=...}}.
   */
  public void limitReached(String limit) {
    limitsReached.computeIfAbsent(limit, l -> Counter.builder("midge.limits.reached")
        .tag("limit", l).description("Refusals because a configured limit was reached")
        .register(registry)).increment();
  }

  /** How often {@code limit} refused something so far. */
  public long limitReachedCount(String limit) {
    Counter c = limitsReached.get(limit);
    return c == null ? 0 : (long) c.count();
  }

  /**
   * A PUBLISH (or a will in CONNECT) from a client was refused, not routed: {@code cause} is a
   * short metric tag, such as {@code payload-format-invalid}.
   */
  public void messageRefused(String cause) {
    refused.computeIfAbsent(cause, c -> Counter.builder("midge.messages.refused").tag("cause", c)
        .description("Messages from clients refused, not routed, by cause").register(registry))
        .increment();
  }

  /**
   * An enhanced authentication (MQTT 5 §4.12) ended: counted in {@code midge.authentications}
   * with the method, the phase ({@code connect} or {@code reauthenticate}) and the outcome ({@code
   * success}, or why it failed: {@code rejected} by the mechanism, {@code unsupported-method},
   * {@code protocol-error}, {@code timeout}, {@code error} of the mechanism). The method tag is a
   * registered method, or {@code unsupported} for a method no mechanism serves, so clients cannot
   * add tag values.
   */
  public void authentication(String method, boolean reauthentication, String outcome) {
    String phase = reauthentication ? "reauthenticate" : "connect";
    authentications.computeIfAbsent(method + '\0' + phase + '\0' + outcome,
        k -> Counter.builder("midge.authentications").tag("method", method).tag("phase", phase)
            .tag("outcome", outcome).description("Enhanced authentications, by outcome")
            .register(registry)).increment();
  }

  /** Connections with an accepted CONNECT now. */
  public long connections() {
    return connections.get();
  }
}
