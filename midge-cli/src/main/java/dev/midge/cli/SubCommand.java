package dev.midge.cli;

import dev.midge.client.MqttClient;
import dev.midge.client.MqttMessage;
import dev.midge.codec.MqttQos;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code midge sub}: subscribes and prints each message on stdout, like mosquitto_sub, and keeps
 * doing so across lost connections: it reconnects by itself (exponential backoff with jitter) and
 * keeps its subscriptions.
 *
 * <pre>
 * midge sub -t 'sensors/#' -v          # "topic payload" per message
 * midge sub -t foo -k 5 -d             # watch keep alive: a PINGREQ/PINGRESP pair every 5 s
 * midge sub -t foo -C 1 -W 10          # exit after one message, or after 10 s
 * </pre>
 */
@Command(
    name = "sub",
    versionProvider = MidgeVersion.class,
    description = {
      "Subscribes to topics and prints the messages, like mosquitto_sub.",
      "Reconnects by itself when the connection is lost, and keeps its subscriptions."
    },
    footer = {"", "Exit status: 0 after -C messages, Ctrl-C or SIGTERM; 1 when the first"
        + " connection fails; 2 for a wrong option; 27 when -W passes first."})
final class SubCommand implements Callable<Integer> {
  /** The exit status when -W passes before -C messages arrived, as mosquitto_sub's. */
  static final int EXIT_TIMED_OUT = 27;

  @Spec private CommandSpec spec;

  @Mixin private ClientFlags flags;

  @Option(names = "--help", usageHelp = true, description = "Show this help and exit.")
  private boolean help;

  @Option(names = {"-t", "--topic"}, paramLabel = "FILTER", required = true,
      description = "Topic filter to subscribe to; repeat for more.")
  private List<String> topics;

  @Option(names = {"-v", "--verbose"}, description = "Print 'topic payload' instead of payload.")
  private boolean verbose;

  @Option(names = {"-C", "--count"}, paramLabel = "N",
      description = "Disconnect and exit after N messages.")
  private @Nullable Integer count;

  @Option(names = {"-W", "--timeout"}, paramLabel = "SECONDS",
      description = "Disconnect and exit after this many seconds.")
  private @Nullable Integer timeoutSeconds;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (count != null && count < 1) {
      throw new ParameterException(spec.commandLine(), "-C must be at least 1, was " + count);
    }
    if (timeoutSeconds != null && timeoutSeconds < 1) {
      throw new ParameterException(spec.commandLine(), "-W must be at least 1 second");
    }
    MqttQos qos = ClientFlags.qos(spec, "-q", flags.qos);
    MqttClient.Builder b = flags.builder(spec);
    String[] shownId = {flags.id == null ? "" : flags.id};
    flags.debug(b, out, shownId);

    CountDownLatch done = new CountDownLatch(1);
    AtomicInteger received = new AtomicInteger();
    AtomicBoolean finished = new AtomicBoolean();
    b.defaultHandler(m -> print(out, m, received, done)); // messages of a resumed session
    MqttClient client = b.build();
    shownId[0] = client.clientId();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (finished.compareAndSet(false, true)) { // Ctrl-C or SIGTERM: leave cleanly, exit 0
        client.close();
        out.flush();
        Runtime.getRuntime().halt(Midge.EXIT_OK);
      }
    }, "midge-sub-shutdown"));
    try {
      client.connect().join();
    } catch (RuntimeException e) {
      finished.set(true);
      err.println("midge: " + (e.getCause() == null ? e : e.getCause()).getMessage());
      err.flush();
      client.close();
      return Midge.EXIT_FAILURE;
    }
    for (String t : topics) {
      client.subscribe(t, qos, m -> print(out, m, received, done)).whenComplete((granted, e) -> {
        if (e != null) {
          err.println("midge: " + (e.getCause() == null ? e : e.getCause()).getMessage());
          err.flush();
        }
      });
    }
    boolean counted = timeoutSeconds == null
        ? awaitForever(done)
        : done.await(timeoutSeconds, TimeUnit.SECONDS);
    if (!finished.compareAndSet(false, true)) {
      return Midge.EXIT_OK; // the shutdown hook is closing
    }
    client.close();
    if (!counted) {
      err.println("Timed out");
      err.flush();
      return EXIT_TIMED_OUT;
    }
    return Midge.EXIT_OK;
  }

  private static boolean awaitForever(CountDownLatch done) throws InterruptedException {
    done.await();
    return true;
  }

  private void print(PrintWriter out, MqttMessage m, AtomicInteger received,
      CountDownLatch done) {
    int n = received.incrementAndGet();
    if (count != null && n > count) {
      return;
    }
    synchronized (out) {
      out.println(verbose ? m.topic() + " " + m.payloadAsString() : m.payloadAsString());
      out.flush();
    }
    if (count != null && n == count) {
      done.countDown();
    }
  }
}
