package dev.midge.loadgen;

import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a load run does, against which broker. Built with {@link #builder(Scenario)}, whose
 * defaults depend on the scenario (fan-in: 8 publishers to 1 subscriber; fan-out: 1 to 8; pairs:
 * 8 pairs; storm: 1,000 connections; keepalive: 100 silent clients with keep alive 2 s).
 *
 * <p>Message scenarios (fan-in, fan-out, pairs) publish for {@code warmup} and then {@code
 * duration}, measure only the latter, and then wait up to {@code drainTimeout} for messages still
 * on their way, so that what was lost is what never arrived, not what was late. The storm warms up
 * for {@code warmup} by opening and closing rounds of connections, then measures one storm; with
 * a warm-up of 0 it meets the broker cold.
 *
 * @param scenario what the run does
 * @param host the broker's address, a loopback address for the figures to mean anything
 * @param port the broker's port
 * @param version the protocol version every client speaks
 * @param qos the QoS of publications and subscriptions
 * @param payloadSize bytes per message, at least {@link #MIN_PAYLOAD} (a send time, the publisher
 *     and a sequence number travel in the first bytes)
 * @param publishers publishing clients (in pairs: the number of pairs)
 * @param subscribers subscribing clients, each subscribed to every publisher's topic (in pairs:
 *     equal to the number of pairs, each to its own publisher)
 * @param duration how long the measured part lasts
 * @param warmup how long to publish before measuring (storm: to open and close connections)
 * @param rate messages per second from all publishers together, sent on a schedule whose times
 *     latency is measured from (no coordinated omission); 0 publishes as fast as the broker takes
 * @param inflight QoS 1 and 2 messages a publisher may have unacknowledged
 * @param connections clients in the storm and keepalive scenarios
 * @param connectConcurrency connections being opened at once in the storm and keepalive scenarios
 * @param hold how long the storm holds its connections idle before measuring memory
 * @param keepAlive the keep alive, in seconds, of storm and keepalive clients (others use 60)
 * @param drainTimeout how long to wait after publishing for messages still on their way
 * @param threads event loop threads of the generator; 0 for one per core
 * @param brokerPid the broker's process id, to report its CPU and memory; null when unknown
 * @param topicPrefix the first level(s) of every topic used, unique per run by default
 */
public record LoadSpec(
    Scenario scenario,
    String host,
    int port,
    MqttVersion version,
    MqttQos qos,
    int payloadSize,
    int publishers,
    int subscribers,
    Duration duration,
    Duration warmup,
    long rate,
    int inflight,
    int connections,
    int connectConcurrency,
    Duration hold,
    int keepAlive,
    Duration drainTimeout,
    int threads,
    @Nullable Long brokerPid,
    String topicPrefix) {

  /** The smallest payload: an 8-byte send time, a 4-byte publisher and an 8-byte sequence. */
  public static final int MIN_PAYLOAD = 20;

  public LoadSpec {
    Objects.requireNonNull(scenario, "scenario");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(qos, "qos");
    Objects.requireNonNull(duration, "duration");
    Objects.requireNonNull(warmup, "warmup");
    Objects.requireNonNull(hold, "hold");
    Objects.requireNonNull(drainTimeout, "drainTimeout");
    Objects.requireNonNull(topicPrefix, "topicPrefix");
    check(port >= 1 && port <= 65535, "port must be 1 to 65535");
    check(payloadSize >= MIN_PAYLOAD && payloadSize <= 64 * 1024 * 1024,
        "payload must be " + MIN_PAYLOAD + " bytes to 64 MiB");
    check(publishers >= 1 && publishers <= 100_000, "publishers must be 1 to 100000");
    check(subscribers >= 1 && subscribers <= 100_000, "subscribers must be 1 to 100000");
    check(scenario != Scenario.PAIRS || publishers == subscribers,
        "pairs need as many subscribers as publishers");
    check(!duration.isNegative() && !duration.isZero(), "duration must be positive");
    check(!warmup.isNegative(), "warmup must not be negative");
    check(rate >= 0, "rate must be 0 (as fast as possible) or more");
    check(inflight >= 1 && inflight <= 65535, "inflight must be 1 to 65535");
    check(connections >= 1, "connections must be 1 or more");
    check(connectConcurrency >= 1, "connect concurrency must be 1 or more");
    check(keepAlive >= 0 && keepAlive <= 65535, "keep alive must be 0 to 65535 s");
    check(scenario != Scenario.KEEPALIVE || keepAlive > 0,
        "the keepalive scenario needs a keep alive above 0");
    check(threads >= 0, "threads must be 0 (one per core) or more");
    check(!topicPrefix.isEmpty() && topicPrefix.indexOf('+') < 0 && topicPrefix.indexOf('#') < 0,
        "topic prefix must be a non-empty topic name without wildcards");
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** A builder with the defaults of {@code scenario}. */
  public static Builder builder(Scenario scenario) {
    return new Builder(scenario);
  }

  /** Whether the scenario publishes messages (fan-in, fan-out, pairs). */
  public boolean publishes() {
    return scenario == Scenario.FAN_IN || scenario == Scenario.FAN_OUT
        || scenario == Scenario.PAIRS;
  }

  /** The topic publisher {@code i} publishes to. */
  public String topic(int publisher) {
    return topicPrefix + "/" + publisher;
  }

  /** Builds a {@link LoadSpec}; every setter checks nothing, {@link #build()} checks all. */
  public static final class Builder {
    private final Scenario scenario;
    private String host = "127.0.0.1";
    private int port = 1883;
    private MqttVersion version = MqttVersion.V3_1_1;
    private MqttQos qos = MqttQos.AT_MOST_ONCE;
    private int payloadSize = 64;
    private int publishers;
    private int subscribers;
    private Duration duration = Duration.ofSeconds(10);
    private Duration warmup = Duration.ofSeconds(2);
    private long rate;
    private int inflight = 64;
    private int connections;
    private int connectConcurrency = 256;
    private Duration hold = Duration.ofSeconds(5);
    private int keepAlive;
    private Duration drainTimeout = Duration.ofSeconds(5);
    private int threads;
    private @Nullable Long brokerPid;
    private @Nullable String topicPrefix;

    private Builder(Scenario scenario) {
      this.scenario = Objects.requireNonNull(scenario, "scenario");
      switch (scenario) {
        case FAN_IN -> {
          publishers = 8;
          subscribers = 1;
        }
        case FAN_OUT -> {
          publishers = 1;
          subscribers = 8;
        }
        case PAIRS -> {
          publishers = 8;
          subscribers = 8;
        }
        case STORM, KEEPALIVE -> {
          publishers = 1;
          subscribers = 1;
        }
      }
      connections = scenario == Scenario.KEEPALIVE ? 100 : 1000;
      keepAlive = scenario == Scenario.KEEPALIVE ? 2 : 300;
    }

    public Builder host(String host) {
      this.host = host;
      return this;
    }

    public Builder port(int port) {
      this.port = port;
      return this;
    }

    public Builder version(MqttVersion version) {
      this.version = version;
      return this;
    }

    public Builder qos(MqttQos qos) {
      this.qos = qos;
      return this;
    }

    public Builder payloadSize(int bytes) {
      this.payloadSize = bytes;
      return this;
    }

    public Builder publishers(int n) {
      this.publishers = n;
      if (scenario == Scenario.PAIRS) {
        this.subscribers = n;
      }
      return this;
    }

    /** In pairs, the number of pairs: sets publishers and subscribers. */
    public Builder pairs(int n) {
      this.publishers = n;
      this.subscribers = n;
      return this;
    }

    public Builder subscribers(int n) {
      this.subscribers = n;
      return this;
    }

    public Builder duration(Duration d) {
      this.duration = d;
      return this;
    }

    public Builder warmup(Duration d) {
      this.warmup = d;
      return this;
    }

    public Builder rate(long messagesPerSecond) {
      this.rate = messagesPerSecond;
      return this;
    }

    public Builder inflight(int n) {
      this.inflight = n;
      return this;
    }

    public Builder connections(int n) {
      this.connections = n;
      return this;
    }

    public Builder connectConcurrency(int n) {
      this.connectConcurrency = n;
      return this;
    }

    public Builder hold(Duration d) {
      this.hold = d;
      return this;
    }

    public Builder keepAlive(int seconds) {
      this.keepAlive = seconds;
      return this;
    }

    public Builder drainTimeout(Duration d) {
      this.drainTimeout = d;
      return this;
    }

    public Builder threads(int n) {
      this.threads = n;
      return this;
    }

    public Builder brokerPid(@Nullable Long pid) {
      this.brokerPid = pid;
      return this;
    }

    public Builder topicPrefix(String prefix) {
      this.topicPrefix = prefix;
      return this;
    }

    public LoadSpec build() {
      String prefix = topicPrefix != null ? topicPrefix
          : "midge-bench/" + Long.toString(System.nanoTime() & 0xFFFFFFFFL, 36);
      return new LoadSpec(scenario, host, port, version, qos, payloadSize, publishers,
          subscribers, duration, warmup, rate, inflight, connections, connectConcurrency, hold,
          keepAlive, drainTimeout, threads, brokerPid, prefix);
    }
  }
}
