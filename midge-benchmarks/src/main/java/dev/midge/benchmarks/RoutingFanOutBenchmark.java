package dev.midge.benchmarks;

import dev.midge.broker.config.SessionConfig;
import dev.midge.broker.routing.SubscriptionRouter;
import dev.midge.broker.session.InMemorySessionStore;
import dev.midge.broker.session.MessageExpiry;
import dev.midge.broker.session.Outbound;
import dev.midge.broker.session.Session;
import dev.midge.broker.session.SessionListener;
import dev.midge.broker.session.SessionRegistry;
import dev.midge.broker.store.InMemoryStorage;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.MqttPacket;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.property.Properties;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The broker's routing of one PUBLISH to its subscribers, without the network: {@link
 * SubscriptionRouter#route} finds the matching subscriptions, shapes a copy per subscriber and
 * hands it to each {@link Session}, which takes it in on its event loop and writes it to its
 * connection (here a stand-in that counts what it is given). QoS 0, connected subscribers, the
 * in-memory store: what a fan-out costs the broker's CPU per message, {@code subscribers}
 * deliveries per operation.
 *
 * <p>All sessions share one embedded event loop, run on the benchmark's thread, so that the
 * hand-over to the subscriber's thread costs a queue and a task but no thread switch; what a real
 * switch costs is measured end to end by {@code midge bench fan-out}.
 *
 * <pre>{@code
 * java -jar midge-benchmarks/target/benchmarks.jar RoutingFanOutBenchmark -prof gc
 * }</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class RoutingFanOutBenchmark {
  /** Subscribers of the topic published to, each with its own session and connection. */
  @Param({"1", "8", "100"})
  int subscribers;

  private final EmbeddedChannel channel = new EmbeddedChannel();
  private final SubscriptionRouter router = new SubscriptionRouter();
  private Publish message;
  private long written;

  @Setup
  public void setUp() {
    SessionRegistry registry = new SessionRegistry();
    InMemorySessionStore store = new InMemorySessionStore();
    InMemoryStorage storage = new InMemoryStorage();
    for (int i = 0; i < subscribers; i++) {
      String id = "sub-" + i;
      Outbound out = new CountingOutbound();
      SessionRegistry.Claim claim = registry.claim(id, true, 0, out,
          () -> new Session(id, channel.eventLoop(), 0, SessionConfig.DEFAULTS,
              SessionListener.NONE, store.create(id), storage, Clock.systemUTC()));
      claim.session().attach(out, false, 65535);
      router.subscribe(claim.session(), new Subscription("sensors/+/temperature",
          MqttQos.AT_MOST_ONCE));
    }
    channel.runPendingTasks();
    message = new Publish("sensors/7/temperature", MqttQos.AT_MOST_ONCE, false, false, 0,
        new byte[64], Properties.EMPTY);
  }

  @TearDown
  public void tearDown() {
    if (written == 0) {
      throw new IllegalStateException("nothing was delivered: the benchmark measures nothing");
    }
    channel.finishAndReleaseAll();
  }

  /** One PUBLISH routed and taken in by every subscriber's session: {@code subscribers} writes. */
  @Benchmark
  public int route() {
    int n = router.route(message, MessageExpiry.NEVER, "publisher");
    channel.runPendingTasks();
    return n;
  }

  /** A connection that takes everything and counts it. */
  private final class CountingOutbound implements Outbound {
    @Override
    public EventLoop eventLoop() {
      return channel.eventLoop();
    }

    @Override
    public MqttVersion version() {
      return MqttVersion.V3_1_1;
    }

    @Override
    public void write(MqttPacket packet) {
      written++;
    }

    @Override
    public boolean fits(Publish publish) {
      return true;
    }

    @Override
    public void flush() {}

    @Override
    public boolean isWritable() {
      return true;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void sessionReady(Session session, boolean sessionPresent) {}

    @Override
    public void takeOver() {}

    @Override
    public String remoteAddress() {
      return "127.0.0.1:0";
    }
  }
}
