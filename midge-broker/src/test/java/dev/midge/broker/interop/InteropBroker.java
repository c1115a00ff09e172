package dev.midge.broker.interop;

import dev.midge.broker.MidgeBroker;
import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.KeepAliveConfig;
import dev.midge.broker.config.LimitsConfig;
import dev.midge.broker.config.ListenerConfig;
import dev.midge.broker.config.MqttConfig;
import dev.midge.broker.config.SessionConfig;
import dev.midge.broker.connection.BrokerServices;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Midge broker of one interop test, as a JUnit 5 extension. Before the test it starts a broker
 * on 127.0.0.1 and a free port, with a {@link SimpleMeterRegistry} of its own; after the test it
 * closes what the test handed to {@link #closeAfterTest}, last first, and then stops the broker.
 * Register it on an instance field, so that each test has its own:
 *
 * <pre>{@code
 * @RegisterExtension
 * final InteropBroker broker = InteropBroker.started("paho5");
 *
 * @Test
 * void retained_whenSubscribing_thenDelivered() throws Exception {
 *   broker.restart(InteropBroker.maxPacketSize(1024)); // when the defaults will not do
 *   SniffingProxy proxy = broker.proxy();              // closed after the test
 *   String topic = broker.topic("t");                  // "paho5/retained_when…/t"
 *   ...
 * }
 * }</pre>
 *
 * <p>A test class whose tests each want their own configuration from the start uses {@link
 * #startedByTest()} and calls {@link #start} in each test. {@link InteropClients} makes real
 * clients that hand themselves to {@link #closeAfterTest}.
 *
 * <p>Cleanups are teardown: they run when the test failed too, after the test class's own
 * {@code @AfterEach} methods, and one that throws (a client the broker has already disconnected,
 * say) does not keep the others from running. Their exceptions are logged at DEBUG and otherwise
 * ignored; a test that cares whether something closes cleanly asserts it itself.
 *
 * <p>Threading: the test's thread only (JUnit runs the callbacks on it too). Not for tests that
 * run concurrently, and not for a static field.
 */
final class InteropBroker implements BeforeEachCallback, AfterEachCallback {
  private static final Logger LOG = LoggerFactory.getLogger(InteropBroker.class);
  private static final String HOST = "127.0.0.1";

  private final @Nullable String topicRoot;
  private final @Nullable BrokerConfig initial;
  private final Consumer<MidgeBroker.Builder> extras;
  private final List<AutoCloseable> cleanups = new ArrayList<>();
  private @Nullable MidgeBroker broker;
  private @Nullable SimpleMeterRegistry meters;
  private @Nullable String testName;
  private int serial;

  private InteropBroker(@Nullable String topicRoot, @Nullable BrokerConfig initial,
      Consumer<MidgeBroker.Builder> extras) {
    this.topicRoot = topicRoot;
    this.initial = initial;
    this.extras = extras;
  }

  /**
   * A broker with {@link BrokerConfig#defaults()}, started before each test.
   *
   * @param topicRoot the first level of {@link #topic()}
   */
  static InteropBroker started(String topicRoot) {
    return started(topicRoot, BrokerConfig.defaults(), builder -> { });
  }

  /**
   * A broker with {@code config}, started before each test.
   *
   * @param topicRoot the first level of {@link #topic()}
   * @param extras what the configuration does not hold (a clock, authentication mechanisms),
   *     applied to the builder at every {@link #start} and {@link #restart}
   */
  static InteropBroker started(String topicRoot, BrokerConfig config,
      Consumer<MidgeBroker.Builder> extras) {
    return new InteropBroker(topicRoot, config, extras);
  }

  /** No broker before the test: the test calls {@link #start} with the configuration it needs. */
  static InteropBroker startedByTest() {
    return new InteropBroker(null, null, builder -> { });
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    testName = context.getRequiredTestMethod().getName();
    serial = 0;
    if (initial != null) {
      start(initial);
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    try {
      for (int i = cleanups.size() - 1; i >= 0; i--) {
        try {
          cleanups.get(i).close();
        } catch (Exception e) {
          if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
          }
          LOG.debug("{}: cleanup {} failed; going on", testName, cleanups.get(i), e);
        }
      }
    } finally {
      cleanups.clear();
      if (broker != null) {
        broker.close();
        broker = null;
      }
    }
  }

  /**
   * Starts the broker with {@code config} on 127.0.0.1 and a free port, with a new meter registry.
   *
   * @throws IllegalStateException when this test has started one already: {@link #restart}
   */
  void start(BrokerConfig config) {
    if (broker != null) {
      throw new IllegalStateException("a broker is running; restart(config) replaces it");
    }
    meters = new SimpleMeterRegistry();
    MidgeBroker.Builder builder = MidgeBroker.builder().config(config).host(HOST).port(0)
        .meterRegistry(meters);
    extras.accept(builder);
    broker = builder.build().start();
  }

  /**
   * Stops the broker and starts another with {@code config}, on another port, with a new meter
   * registry. Clients and proxies made before still point at the old port.
   */
  void restart(BrokerConfig config) {
    close();
    broker = null;
    start(config);
  }

  /** Stops the broker now, disconnecting every client (a test of shutdown). Safe to repeat. */
  void close() {
    running().close();
  }

  /** The port the broker listens on. */
  int port() {
    return running().port();
  }

  /** The broker's sessions, router, retained messages and wills. */
  BrokerServices services() {
    return running().services();
  }

  /** See {@link MidgeBroker#disconnectClient}. */
  boolean disconnectClient(String clientId) {
    return running().disconnectClient(clientId);
  }

  /** The meter registry of the broker now running. */
  MeterRegistry meters() {
    if (meters == null) {
      throw new IllegalStateException("no broker started in this test");
    }
    return meters;
  }

  /** {@code midge.messages.dropped{cause="packet-too-large"}}, 0 before the first drop. */
  double droppedTooLarge() {
    Counter c = meters().find("midge.messages.dropped").tag("cause", "packet-too-large")
        .counter();
    return c == null ? 0 : c.count();
  }

  /**
   * This test's topic: the topic root and the test method's name, {@code "paho5/someTest"}, so
   * that no two tests share a topic (the same for every invocation of a parameterized test).
   */
  String topic() {
    if (topicRoot == null || testName == null) {
      throw new IllegalStateException("no topic root: made with startedByTest()");
    }
    return topicRoot + "/" + testName;
  }

  /** A topic below {@link #topic()}: {@code topic("a/b")} is {@code "paho5/someTest/a/b"}. */
  String topic(String below) {
    return topic() + "/" + below;
  }

  /**
   * {@code stem} and a number not given out before in this test ({@code "paho5-pub-"} gives
   * {@code "paho5-pub-1"}, then {@code "paho5-pub-2"}): client identifiers for helpers that make
   * clients in numbers.
   */
  String uniqueId(String stem) {
    return stem + ++serial;
  }

  /** A {@link SniffingProxy} in front of the broker, closed after the test. */
  SniffingProxy proxy() throws IOException {
    return closeAfterTest(new SniffingProxy(port()));
  }

  /**
   * Closes {@code resource} after the test, before the broker stops and before what was handed
   * over earlier; returns it.
   */
  <T extends AutoCloseable> T closeAfterTest(T resource) {
    cleanups.add(resource);
    return resource;
  }

  /** The default configuration with the listener's keep alive held to {@code min..max} s. */
  static BrokerConfig keepAliveRange(int min, int max, boolean allowZero) {
    KeepAliveConfig d = KeepAliveConfig.DEFAULTS;
    KeepAliveConfig range = new KeepAliveConfig(min, max, d.outOfRange(), allowZero, d.counting(),
        d.maxPacketArrival(), d.connectTimeout());
    return BrokerConfig.defaults()
        .withListeners(List.of(ListenerConfig.defaults().withKeepAlive(range)));
  }

  /** The default configuration with {@code limits.max-packet-size} set. */
  static BrokerConfig maxPacketSize(int bytes) {
    return BrokerConfig.defaults().withLimits(
        new LimitsConfig(bytes, LimitsConfig.DEFAULTS.maxClientIdLength()));
  }

  /**
   * The default configuration restricted as far as MQTT 5 lets a server restrict: Maximum QoS 1,
   * retained messages off, wildcard subscriptions off, Topic Alias Maximum 5, Receive Maximum 20,
   * session expiry at most 60 s.
   */
  static BrokerConfig restricted() {
    return BrokerConfig.defaults()
        .withMqtt(MqttConfig.DEFAULTS.withMaximumQos(1).withRetainAvailable(false)
            .withWildcardSubscriptions(false).withTopicAliasMaximum(5).withReceiveMaximum(20))
        .withSessions(SessionConfig.DEFAULTS.withMaxExpiryInterval(60));
  }

  private MidgeBroker running() {
    if (broker == null) {
      throw new IllegalStateException("no broker started in this test");
    }
    return broker;
  }
}
