package dev.midge.loadgen;

import dev.midge.codec.MqttDecoder;
import dev.midge.codec.MqttEncoder;
import dev.midge.codec.MqttQos;
import dev.midge.loadgen.internal.BenchClient;
import dev.midge.loadgen.internal.ProcessReadings;
import dev.midge.loadgen.internal.Stats;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * Runs one {@link LoadSpec} against a broker and measures it.
 *
 * <p>The generator uses Netty (epoll where available) and the Midge codec directly: no client
 * library sits between it and the socket, so it can outrun the brokers it measures. Its own CPU is
 * reported beside the broker's; when it is near 100 % of its threads, the generator, not the
 * broker, set the pace.
 *
 * <p>A run takes wall-clock time by nature ({@code warmup + duration} and the drain); {@link
 * #run} blocks the calling thread for it. One generator runs one spec once; it is not reusable.
 */
public final class LoadGenerator {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
  private static final int MAX_PACKET = 256 * 1024 * 1024;
  /** A bound on the storm's warm-up rounds, whatever the warm-up time. */
  private static final int MAX_WARMUP_ROUNDS = 50;

  private final LoadSpec spec;
  private final Stats stats = new Stats();
  private final Set<String> errors = new LinkedHashSet<>();
  private final List<BenchClient> clients = new ArrayList<>();
  private volatile String phase = "connecting";
  private volatile long runStart;

  public LoadGenerator(LoadSpec spec) {
    this.spec = spec;
  }

  /**
   * Runs the spec, calling {@code progress} about once a second from another thread.
   *
   * @throws LoadException when the run cannot take place: the broker refuses or does not answer
   */
  public LoadResult run(Consumer<Progress> progress) throws InterruptedException {
    int threads = spec.threads() > 0 ? spec.threads() : Runtime.getRuntime().availableProcessors();
    boolean epoll = Epoll.isAvailable();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads,
        epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "midge-bench-progress");
      t.setDaemon(true);
      return t;
    });
    runStart = System.nanoTime();
    try {
      Bootstrap bootstrap = new Bootstrap().group(group)
          .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
          .option(ChannelOption.TCP_NODELAY, true)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CONNECT_TIMEOUT.toMillis())
          .option(ChannelOption.WRITE_BUFFER_WATER_MARK,
              new WriteBufferWaterMark(64 * 1024, 256 * 1024))
          .remoteAddress(spec.host(), spec.port());
      ProgressTicker reporter = new ProgressTicker(progress);
      ticker.scheduleAtFixedRate(reporter, 1, 1, TimeUnit.SECONDS);
      return switch (spec.scenario()) {
        case FAN_IN, FAN_OUT, PAIRS -> messages(bootstrap);
        case STORM -> storm(bootstrap);
        case KEEPALIVE -> keepAlive(bootstrap);
      };
    } finally {
      ticker.shutdownNow();
      closeAll();
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
  }

  // ---- fan-in, fan-out, pairs ----

  private LoadResult messages(Bootstrap bootstrap) throws InterruptedException {
    List<BenchClient> subscribers = open(bootstrap, "sub", spec.subscribers(), 60, true, true);
    List<String> everyTopic = new ArrayList<>();
    for (int i = 0; i < spec.publishers(); i++) {
      everyTopic.add(spec.topic(i));
    }
    for (int i = 0; i < subscribers.size(); i++) {
      List<String> filters = spec.scenario() == Scenario.PAIRS
          ? List.of(spec.topic(i)) : everyTopic;
      subscribers.get(i).subscribe(filters, spec.qos());
    }
    for (BenchClient s : subscribers) {
      await(s.subscribed, "subscribe " + s.clientId());
    }
    List<BenchClient> publishers = open(bootstrap, "pub", spec.publishers(), 60, true, true);

    Long pid = spec.brokerPid();
    Long rssBefore = pid == null ? null : ProcessReadings.rssBytes(pid);
    double perPublisher = spec.rate() == 0 ? 0 : (double) spec.rate() / spec.publishers();
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(10);
    for (int i = 0; i < publishers.size(); i++) {
      publishers.get(i).startPublishing(spec.topic(i), spec.qos(), spec.payloadSize(), i,
          spec.inflight(), perPublisher, start);
    }
    phase = "warmup";
    sleepUntil(start + spec.warmup().toNanos());

    phase = "measuring";
    long windowStart = System.nanoTime();
    stats.openWindow(windowStart);
    stats.latency.reset();
    long sentBefore = stats.sent.sum();
    long receivedBefore = stats.received.sum();
    Duration genCpuBefore = ProcessReadings.cpu(ProcessHandle.current().pid());
    Duration brokerCpuBefore = pid == null ? null : ProcessReadings.cpu(pid);
    sleepUntil(windowStart + spec.duration().toNanos());
    long windowEnd = System.nanoTime();
    stats.closeWindow(windowEnd);
    long sentDuring = stats.sent.sum() - sentBefore;
    long receivedDuring = stats.received.sum() - receivedBefore;
    Double genCpu = ProcessReadings.percent(genCpuBefore,
        ProcessReadings.cpu(ProcessHandle.current().pid()), windowEnd - windowStart);
    Double brokerCpu = pid == null ? null
        : ProcessReadings.percent(brokerCpuBefore, ProcessReadings.cpu(pid),
            windowEnd - windowStart);
    Long rssAfter = pid == null ? null : ProcessReadings.rssBytes(pid);
    for (BenchClient p : publishers) {
      p.stopPublishing();
    }

    phase = "draining";
    long drainEnd = System.nanoTime() + spec.drainTimeout().toNanos();
    int fanOut = spec.scenario() == Scenario.PAIRS ? 1 : spec.subscribers();
    while (System.nanoTime() < drainEnd) {
      boolean allAcked = spec.qos() == MqttQos.AT_MOST_ONCE
          || stats.acknowledged.sum() + stats.refusedAcks.sum() >= stats.sent.sum();
      if (allAcked && stats.received.sum() >= expected(fanOut)) {
        break;
      }
      TimeUnit.MILLISECONDS.sleep(20);
    }
    // A moment more for duplicates, which would arrive after the last expected message.
    TimeUnit.MILLISECONDS.sleep(100);
    if (spec.qos() != MqttQos.AT_MOST_ONCE
        && stats.acknowledged.sum() + stats.refusedAcks.sum() < stats.sent.sum()) {
      errors.add((stats.sent.sum() - stats.acknowledged.sum() - stats.refusedAcks.sum())
          + " messages still unacknowledged after the drain timeout ("
          + spec.drainTimeout().toMillis() + " ms)");
    }
    double seconds = (windowEnd - windowStart) / 1e9;
    Histogram h = stats.latency.getIntervalHistogram();
    LoadResult.Latency latency = h.getTotalCount() == 0 ? null : new LoadResult.Latency(
        h.getTotalCount(), h.getMinValue() / 1000.0, h.getValueAtPercentile(50) / 1000.0,
        h.getValueAtPercentile(90) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
        h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0);
    return new LoadResult(spec, seconds, stats.sent.sum(), stats.acknowledged.sum(),
        stats.refusedAcks.sum(), stats.received.sum(), expected(fanOut), sentDuring / seconds,
        receivedDuring / seconds, latency, genCpu, brokerCpu, rssBefore, rssAfter, null, null,
        List.copyOf(errors));
  }

  private long expected(int fanOut) {
    long base = spec.qos() == MqttQos.AT_MOST_ONCE ? stats.sent.sum() : stats.acknowledged.sum();
    return base * fanOut;
  }

  // ---- storm ----

  private LoadResult storm(Bootstrap bootstrap) throws InterruptedException {
    int warmedUp = stormWarmup(bootstrap);
    Long pid = spec.brokerPid();
    Long rssBefore = pid == null ? null : ProcessReadings.rssBytes(pid);
    phase = "connecting";
    // CPU over the storm itself, so that a saturated generator shows as such.
    Duration genCpuBefore = ProcessReadings.cpu(ProcessHandle.current().pid());
    Duration brokerCpuBefore = pid == null ? null : ProcessReadings.cpu(pid);
    long start = System.nanoTime();
    List<BenchClient> opened = open(bootstrap, "storm", spec.connections(), spec.keepAlive(),
        true, false);
    long end = System.nanoTime();
    Double genCpu = ProcessReadings.percent(genCpuBefore,
        ProcessReadings.cpu(ProcessHandle.current().pid()), end - start);
    Double brokerCpu = pid == null ? null
        : ProcessReadings.percent(brokerCpuBefore, ProcessReadings.cpu(pid), end - start);
    double seconds = (end - start) / 1e9;
    phase = "holding";
    sleepUntil(end + spec.hold().toNanos());
    Long rssAfter = pid == null ? null : ProcessReadings.rssBytes(pid);
    Double perConnection = rssBefore == null || rssAfter == null || opened.isEmpty() ? null
        : (double) (rssAfter - rssBefore) / opened.size();
    LoadResult.Storm storm = new LoadResult.Storm(spec.connections(), opened.size(), seconds,
        opened.size() / seconds, perConnection, warmedUp);
    return new LoadResult(spec, seconds, 0, 0, 0, 0, 0, 0, 0, null, genCpu, brokerCpu,
        rssBefore, rssAfter, storm, null, List.copyOf(errors));
  }

  /**
   * The storm's warm-up: the same storm, opened and closed again, for {@code warmup} (at least
   * once, at most {@link #MAX_WARMUP_ROUNDS} times), so that the measured storm meets a broker,
   * and a generator, whose connect path is compiled and whose heap has grown to hold the storm.
   * Nothing is measured; the broker's memory is read after it.
   *
   * @return the connections opened and closed
   */
  private int stormWarmup(Bootstrap bootstrap) throws InterruptedException {
    if (spec.warmup().isZero()) {
      return 0;
    }
    phase = "warming up";
    long deadline = System.nanoTime() + spec.warmup().toNanos();
    int total = 0;
    int size = spec.connections();
    for (int round = 0; round < MAX_WARMUP_ROUNDS; round++) {
      List<BenchClient> batch = open(bootstrap, "warmup" + round, size, spec.keepAlive(), true,
          false);
      total += batch.size();
      close(batch);
      if (System.nanoTime() - deadline >= 0) {
        break;
      }
    }
    return total;
  }

  // ---- keepalive ----

  private LoadResult keepAlive(Bootstrap bootstrap) throws InterruptedException {
    List<BenchClient> silent = open(bootstrap, "silent", spec.connections(), spec.keepAlive(),
        false, false);
    phase = "waiting";
    double expectedSeconds = 1.5 * spec.keepAlive();
    long deadline = System.nanoTime()
        + (long) (expectedSeconds * 1e9) + spec.drainTimeout().toNanos();
    CompletableFuture<?> all = CompletableFuture.allOf(
        silent.stream().map(c -> c.closed).toArray(CompletableFuture[]::new));
    long waitNanos = deadline - System.nanoTime();
    try {
      all.get(Math.max(0, waitNanos), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
      // Measured below: whoever is still open was never dropped.
    }
    long[] times = new long[silent.size()];
    int closed = 0;
    Map<String, Integer> reasons = new TreeMap<>();
    for (BenchClient c : silent) {
      Long at = c.closed.getNow(null);
      if (at == null) {
        continue;
      }
      times[closed++] = at - c.lastWriteNanos();
      String reason = c.disconnectReason() < 0 ? "none"
          : String.format("0x%02X", c.disconnectReason());
      reasons.merge(reason, 1, Integer::sum);
    }
    long[] sorted = Arrays.copyOf(times, closed);
    Arrays.sort(sorted);
    LoadResult.KeepAliveTimes ka = new LoadResult.KeepAliveTimes(silent.size(), closed,
        silent.size() - closed, expectedSeconds, seconds(sorted, 0), seconds(sorted, 50),
        seconds(sorted, 99), seconds(sorted, 100), reasons);
    if (closed < silent.size()) {
      errors.add((silent.size() - closed) + " silent clients were still connected "
          + spec.drainTimeout().toMillis() + " ms after 1.5 x keep alive");
    }
    return new LoadResult(spec, 0, 0, 0, 0, 0, 0, 0, 0, null, null, null, null, null, null, ka,
        List.copyOf(errors));
  }

  private static double seconds(long[] sorted, double percentile) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e9;
  }

  // ---- connections ----

  /**
   * Opens {@code n} connections, at most {@code connectConcurrency} at once, and waits for their
   * CONNACKs.
   *
   * @param required whether every connection must succeed (message scenarios); otherwise
   *     failures are counted in the errors and the run goes on with the others
   */
  private List<BenchClient> open(Bootstrap bootstrap, String role, int n, int keepAlive,
      boolean pings, boolean required) throws InterruptedException {
    Semaphore permits = new Semaphore(spec.connectConcurrency());
    List<BenchClient> batch = new ArrayList<>(n);
    String runId = spec.topicPrefix().replace('/', '-');
    for (int i = 0; i < n; i++) {
      permits.acquire();
      BenchClient client = new BenchClient(runId + "-" + role + "-" + i, spec.version(),
          keepAlive, pings, stats);
      batch.add(client);
      synchronized (clients) {
        clients.add(client);
      }
      client.connected.orTimeout(CONNECT_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
          .whenComplete((v, e) -> permits.release());
      ChannelFuture f = bootstrap.clone().handler(new ChannelInitializer<Channel>() {
        @Override
        protected void initChannel(Channel ch) {
          ch.pipeline().addLast(MqttDecoder.forClient(spec.version(), MAX_PACKET),
              new MqttEncoder(spec.version()), client);
        }
      }).connect();
      f.addListener(done -> {
        if (!done.isSuccess()) {
          client.connected.completeExceptionally(done.cause());
        }
      });
    }
    List<BenchClient> ok = new ArrayList<>(n);
    for (BenchClient c : batch) {
      try {
        c.connected.join();
        ok.add(c);
      } catch (RuntimeException e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        String why = cause instanceof java.util.concurrent.TimeoutException
            ? "no CONNACK within " + CONNECT_TIMEOUT.toSeconds() + " s" : String.valueOf(
                cause.getMessage() == null ? cause.toString() : cause.getMessage());
        synchronized (errors) {
          if (errors.size() < 20) {
            errors.add("connect " + c.clientId() + ": " + why);
          }
        }
        if (required) {
          throw new LoadException("cannot connect to " + spec.host() + ":" + spec.port()
              + ": " + why);
        }
      }
    }
    return ok;
  }

  private static void await(CompletableFuture<?> f, String what) {
    try {
      f.get(CONNECT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new LoadException(what + " failed: " + cause.getMessage());
    }
  }

  private void closeAll() {
    List<BenchClient> all;
    synchronized (clients) {
      all = List.copyOf(clients);
    }
    close(all);
  }

  /** Closes {@code some} (DISCONNECT, then close), waits for them, and forgets them. */
  private void close(List<BenchClient> some) {
    for (BenchClient c : some) {
      c.close();
    }
    for (BenchClient c : some) {
      if (c.channel() != null) {
        try {
          c.closed.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
          // Closing is best effort; the event loops shut down next anyway.
        }
      }
    }
    synchronized (clients) {
      clients.removeAll(new java.util.HashSet<>(some));
    }
  }

  /** Waits until {@link System#nanoTime()} reaches {@code deadline}: the run is wall time. */
  private static void sleepUntil(long deadline) throws InterruptedException {
    long left;
    while ((left = deadline - System.nanoTime()) > 0) {
      TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
    }
  }

  /** Once a second: rates since the last tick, for the progress line. */
  private final class ProgressTicker implements Runnable {
    private final Consumer<Progress> listener;
    private long lastAt = System.nanoTime();
    private long lastSent;
    private long lastReceived;
    private @Nullable Duration lastGenCpu = ProcessReadings.cpu(ProcessHandle.current().pid());
    private @Nullable Duration lastBrokerCpu;

    ProgressTicker(Consumer<Progress> listener) {
      this.listener = listener;
      Long pid = spec.brokerPid();
      lastBrokerCpu = pid == null ? null : ProcessReadings.cpu(pid);
    }

    @Override
    public void run() {
      try {
        long now = System.nanoTime();
        long sent = stats.sent.sum();
        long received = stats.received.sum();
        double secs = (now - lastAt) / 1e9;
        Duration genCpu = ProcessReadings.cpu(ProcessHandle.current().pid());
        Long pid = spec.brokerPid();
        Duration brokerCpu = pid == null ? null : ProcessReadings.cpu(pid);
        long open;
        synchronized (clients) {
          open = clients.stream().filter(c -> c.channel() != null && c.channel().isActive())
              .count();
        }
        Histogram recent = stats.recentLatency.getIntervalHistogram();
        Double p99 = recent.getTotalCount() == 0 ? null
            : recent.getValueAtPercentile(99) / 1000.0;
        listener.accept(new Progress(phase, (now - runStart) / 1e9, open,
            (sent - lastSent) / secs, (received - lastReceived) / secs, p99,
            ProcessReadings.percent(lastGenCpu, genCpu, now - lastAt),
            ProcessReadings.percent(lastBrokerCpu, brokerCpu, now - lastAt)));
        lastAt = now;
        lastSent = sent;
        lastReceived = received;
        lastGenCpu = genCpu;
        lastBrokerCpu = brokerCpu;
      } catch (RuntimeException e) {
        // Progress is informative only; a failed reading must not stop the run.
      }
    }
  }
}
