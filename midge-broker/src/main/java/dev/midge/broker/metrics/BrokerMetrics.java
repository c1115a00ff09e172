package dev.midge.broker.metrics;

import dev.midge.broker.session.SessionListener;
import dev.midge.codec.packet.Publish;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
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
 * authentications by outcome; PUBLISH payload bytes in and out by QoS, MQTT packets in and out,
 * messages queued for offline clients, and how late each keep-alive timeout was detected (a
 * histogram). Thread-safe; counters are cached so recording costs no lookup.
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
  private final Map<String, Counter> authRefusals = new ConcurrentHashMap<>();
  private final Map<String, Counter> aclDenials = new ConcurrentHashMap<>();
  private final Counter[] bytesIn = new Counter[3];
  private final Counter[] bytesOut = new Counter[3];
  private final Counter packetsIn;
  private final Counter packetsOut;
  private final Counter queuedOffline;
  private final Counter heldBack;
  private final Timer keepAliveLateness;
  private final AtomicLong maxConnections = new AtomicLong();

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
      bytesIn[q] = Counter.builder("midge.messages.in.bytes").tag("qos", Integer.toString(q))
          .baseUnit("bytes").description("Payload bytes of PUBLISH packets received from clients")
          .register(registry);
      bytesOut[q] = Counter.builder("midge.messages.out.bytes").tag("qos", Integer.toString(q))
          .baseUnit("bytes").description("Payload bytes of PUBLISH packets sent to clients")
          .register(registry);
    }
    packetsIn = Counter.builder("midge.packets.in")
        .description("MQTT packets of any type received from clients").register(registry);
    packetsOut = Counter.builder("midge.packets.out")
        .description("MQTT packets of any type sent to clients").register(registry);
    heldBack = Counter.builder("midge.publishers.held.back")
        .description("Times a publisher's connection stopped reading for a subscriber behind")
        .register(registry);
    queuedOffline = Counter.builder("midge.messages.queued.offline")
        .description("Messages queued for persistent sessions whose client was not connected")
        .register(registry);
    keepAliveLateness = Timer.builder("midge.keepalive.detection.lateness")
        .description("How long after 1.5 x keep alive of silence each keep-alive timeout was"
            + " detected")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(60))
        .register(registry);
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
    long now = connections.incrementAndGet();
    maxConnections.accumulateAndGet(now, Math::max);
  }

  /** The most connections there have been at once. */
  public long maxConnections() {
    return maxConnections.get();
  }

  /** Accepted CONNECTs so far. */
  public long connects() {
    return (long) connects.count();
  }

  /** A PUBLISH with a payload of {@code bytes} arrived at QoS {@code qos}. */
  public void payloadReceived(int qos, int bytes) {
    bytesIn[qos].increment(bytes);
  }

  /** A PUBLISH with a payload of {@code bytes} was written at QoS {@code qos}. */
  public void payloadSent(int qos, int bytes) {
    bytesOut[qos].increment(bytes);
  }

  /** An MQTT packet arrived. */
  public void packetReceived() {
    packetsIn.increment();
  }

  /** An MQTT packet was written. */
  public void packetSent() {
    packetsOut.increment();
  }

  @Override
  public void messageQueuedOffline(String clientId, Publish message) {
    queuedOffline.increment();
  }

  /**
   * A keep-alive timeout was detected {@code lateMillis} after the connection had been silent for
   * 1.5 × its keep alive.
   */
  public void keepAliveTimeoutDetected(long lateMillis) {
    keepAliveLateness.record(Duration.ofMillis(lateMillis));
  }

  /** Payload bytes received so far, all QoS. */
  public long payloadBytesReceived() {
    return sum(bytesIn);
  }

  /** Payload bytes sent so far, all QoS. */
  public long payloadBytesSent() {
    return sum(bytesOut);
  }

  /** PUBLISH packets received so far, all QoS. */
  public long messagesReceived() {
    return sum(messagesIn);
  }

  /** PUBLISH packets sent so far, all QoS. */
  public long messagesSent() {
    return sum(messagesOut);
  }

  /** Messages dropped so far, all causes. */
  public long messagesDropped() {
    double total = 0;
    for (Counter c : dropped.values()) {
      total += c.count();
    }
    return (long) total;
  }

  /** MQTT packets received so far. */
  public long packetsReceived() {
    return (long) packetsIn.count();
  }

  /** MQTT packets sent so far. */
  public long packetsSent() {
    return (long) packetsOut.count();
  }

  /** PINGREQs answered so far. */
  public long pings() {
    return (long) pings.count();
  }

  private static long sum(Counter[] counters) {
    double total = 0;
    for (Counter c : counters) {
      total += c.count();
    }
    return (long) total;
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

  /** A publisher's connection stopped reading because a subscriber it publishes to is behind. */
  public void publisherHeldBack() {
    heldBack.increment();
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

  /**
   * A CONNECT without an Authentication Method was refused by user name and password: counted in
   * {@code midge.auth.refused} with the reason: {@code bad-credentials} (0x86 / 0x04), {@code
   * not-authorized} (0x87 / 0x05), {@code anonymous} (no user name, and the listener lets no
   * anonymous client in), {@code error} (an authenticator failed).
   */
  public void authenticationRefused(String reason) {
    authRefusals.computeIfAbsent(reason, r -> Counter.builder("midge.auth.refused")
        .tag("reason", r).description("CONNECTs refused by user name and password, by reason")
        .register(registry)).increment();
  }

  /**
   * The ACL refused a client something: counted in {@code midge.acl.denied} with the action:
   * {@code publish}, {@code subscribe}, {@code will} (a will that will not be published), {@code
   * deliver} (a message, retained or not, not delivered to a subscriber).
   */
  public void aclDenied(String action) {
    aclDenials.computeIfAbsent(action, a -> Counter.builder("midge.acl.denied").tag("action", a)
        .description("Actions refused by the ACL, by action").register(registry)).increment();
  }

  /** Connections with an accepted CONNECT now. */
  public long connections() {
    return connections.get();
  }
}
