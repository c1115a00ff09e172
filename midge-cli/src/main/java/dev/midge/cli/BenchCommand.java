package dev.midge.cli;

import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.loadgen.LoadException;
import dev.midge.loadgen.LoadGenerator;
import dev.midge.loadgen.LoadResult;
import dev.midge.loadgen.LoadSpec;
import dev.midge.loadgen.Progress;
import dev.midge.loadgen.Scenario;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code midge bench}: load against any MQTT broker on this machine, a live progress line on
 * stderr and one JSON summary line on stdout.
 *
 * <pre>
 * midge bench fan-in -q 1 --port 1883                  # 8 publishers to 1 subscriber, QoS 1
 * midge bench fan-out --subscribers 16 --payload 256
 * midge bench pairs --pairs 8 -q 2 --duration 30s
 * midge bench fan-in --rate 10000 --publishers 8       # paced: latency without omission
 * midge bench storm --connections 10000 --broker-pid 4242
 * midge bench keepalive --connections 1000 --keep-alive 5
 * </pre>
 */
@Command(
    name = "bench",
    versionProvider = MidgeVersion.class,
    description = "Measures an MQTT broker: throughput, latency, connects per second, memory per"
        + " connection, keep-alive timeouts.",
    footer = {"", "Scenarios: fan-in (publishers -> 1 subscriber), fan-out (1 publisher ->"
        + " subscribers), pairs (publisher i -> subscriber i), storm (connections as fast as"
        + " possible, held idle), keepalive (silent clients; time until the broker drops them).",
        "Progress goes to stderr every second, the summary to stdout as one JSON line.",
        "Exit status: 0 after a run (losses are in the summary), 1 when the broker cannot be"
            + " reached or refuses, 2 for a wrong option."})
final class BenchCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(names = "--help", usageHelp = true, description = "Show this help and exit.")
  private boolean help;

  @Parameters(index = "0", paramLabel = "SCENARIO",
      description = "fan-in, fan-out, pairs, storm or keepalive.")
  private String scenario;

  @Option(names = {"-h", "--host"}, paramLabel = "HOST", defaultValue = "127.0.0.1",
      description = "The broker's address; ${DEFAULT-VALUE} by default.")
  private String host;

  @Option(names = {"-p", "--port"}, paramLabel = "PORT", defaultValue = "1883",
      description = "The broker's port; ${DEFAULT-VALUE} by default.")
  private int port;

  @Option(names = {"-V", "--protocol-version"}, paramLabel = "VERSION", defaultValue = "mqttv311",
      description = "mqttv311 (default) or mqttv5.")
  private String protocolVersion;

  @Option(names = {"-q", "--qos"}, paramLabel = "QOS", defaultValue = "0",
      description = "QoS of messages and subscriptions: 0 (default), 1 or 2.")
  private int qos;

  @Option(names = "--payload", paramLabel = "BYTES", defaultValue = "64",
      description = "Bytes per message, at least 20; ${DEFAULT-VALUE} by default.")
  private int payload;

  @Option(names = "--publishers", paramLabel = "N",
      description = "Publishing clients (fan-in 8, fan-out 1 by default).")
  private @Nullable Integer publishers;

  @Option(names = "--subscribers", paramLabel = "N",
      description = "Subscribing clients, each to every publisher's topic (fan-in 1, fan-out 8).")
  private @Nullable Integer subscribers;

  @Option(names = "--pairs", paramLabel = "N", description = "Pairs, for pairs (8 by default).")
  private @Nullable Integer pairs;

  @Option(names = "--duration", paramLabel = "TIME", defaultValue = "10s",
      converter = DurationConverter.class,
      description = "How long to measure, such as 10s or 2m; ${DEFAULT-VALUE} by default.")
  private Duration duration;

  @Option(names = "--warmup", paramLabel = "TIME", defaultValue = "2s",
      converter = DurationConverter.class,
      description = "How long to publish before measuring (storm: to open and close rounds of"
          + " connections; 0s meets the broker cold); ${DEFAULT-VALUE} by default.")
  private Duration warmup;

  @Option(names = "--rate", paramLabel = "MSG/S", defaultValue = "0",
      description = "Messages per second from all publishers together, on a schedule; 0 (default)"
          + " sends as fast as the broker takes them.")
  private long rate;

  @Option(names = "--inflight", paramLabel = "N", defaultValue = "64",
      description = "QoS 1 and 2 messages a publisher may have unacknowledged; ${DEFAULT-VALUE}"
          + " by default.")
  private int inflight;

  @Option(names = "--connections", paramLabel = "N",
      description = "Connections for storm (1000 by default) and keepalive (100).")
  private @Nullable Integer connections;

  @Option(names = "--connect-concurrency", paramLabel = "N", defaultValue = "256",
      description = "Connections being opened at once; ${DEFAULT-VALUE} by default.")
  private int connectConcurrency;

  @Option(names = "--hold", paramLabel = "TIME", defaultValue = "5s",
      converter = DurationConverter.class,
      description = "How long storm holds its connections idle before reading the broker's"
          + " memory; ${DEFAULT-VALUE} by default.")
  private Duration hold;

  @Option(names = {"-k", "--keep-alive"}, paramLabel = "SECONDS",
      description = "Keep alive of storm (300 by default) and keepalive (2) clients.")
  private @Nullable Integer keepAlive;

  @Option(names = "--drain", paramLabel = "TIME", defaultValue = "5s",
      converter = DurationConverter.class,
      description = "How long to wait for messages still on their way after publishing stops;"
          + " ${DEFAULT-VALUE} by default.")
  private Duration drain;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
      description = "Event loop threads of the generator; 0 (default) for one per core.")
  private int threads;

  @Option(names = "--broker-pid", paramLabel = "PID",
      description = "The broker's process id, to report its CPU and memory.")
  private @Nullable Long brokerPid;

  @Option(names = "--topic-prefix", paramLabel = "TOPIC",
      description = "First topic level(s) of the run; unique per run by default.")
  private @Nullable String topicPrefix;

  @Option(names = "--quiet", description = "No progress line on stderr.")
  private boolean quiet;

  @Override
  public Integer call() throws InterruptedException {
    LoadSpec loadSpec = loadSpec();
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    if (loadSpec.connections() > 18_000 && !loadSpec.publishes()) {
      err.println("midge bench: warning: more than 18,000 connections may hit the open file"
          + " limit of this machine (20,000 per process)");
    }
    err.println("midge bench: " + loadSpec.scenario().cliName() + " against " + loadSpec.host()
        + ":" + loadSpec.port() + " (" + loadSpec.version() + ")");
    err.flush();
    LoadResult result;
    try {
      result = new LoadGenerator(loadSpec).run(p -> progress(err, p));
    } catch (LoadException e) {
      err.println();
      err.println("midge bench: " + e.getMessage());
      err.flush();
      return Midge.EXIT_FAILURE;
    }
    if (!quiet) {
      err.println();
    }
    for (String e : result.errors()) {
      err.println("midge bench: " + e);
    }
    err.flush();
    out.println(result.toJson());
    out.flush();
    return Midge.EXIT_OK;
  }

  private void progress(PrintWriter err, Progress p) {
    if (quiet) {
      return;
    }
    // One line rewritten in place: a carriage return, then the reading padded over the old one.
    err.print("\r" + String.format("%-100s", p.line()));
    err.flush();
  }

  private LoadSpec loadSpec() {
    Scenario s;
    try {
      s = Scenario.fromCliName(scenario);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    if (qos < 0 || qos > 2) {
      throw new ParameterException(spec.commandLine(), "-q must be 0, 1 or 2, was " + qos);
    }
    LoadSpec.Builder b = LoadSpec.builder(s).host(host).port(port).version(version())
        .qos(MqttQos.of(qos)).payloadSize(payload).duration(duration).warmup(warmup).rate(rate)
        .inflight(inflight).connectConcurrency(connectConcurrency).hold(hold)
        .drainTimeout(drain).threads(threads).brokerPid(brokerPid);
    if (pairs != null) {
      if (s != Scenario.PAIRS) {
        throw new ParameterException(spec.commandLine(), "--pairs is for the pairs scenario;"
            + " use --publishers and --subscribers");
      }
      b.pairs(pairs);
    }
    if (publishers != null) {
      b.publishers(publishers);
    }
    if (subscribers != null) {
      b.subscribers(subscribers);
    }
    if (connections != null) {
      b.connections(connections);
    }
    if (keepAlive != null) {
      b.keepAlive(keepAlive);
    }
    if (topicPrefix != null) {
      b.topicPrefix(topicPrefix);
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  private MqttVersion version() {
    return switch (protocolVersion.toLowerCase(Locale.ROOT)) {
      case "mqttv311", "311", "v311", "3.1.1" -> MqttVersion.V3_1_1;
      case "mqttv5", "5", "v5", "5.0" -> MqttVersion.V5;
      default -> throw new ParameterException(spec.commandLine(),
          "-V must be mqttv311 or mqttv5, was '" + protocolVersion + "'");
    };
  }

  /** 500ms, 10s, 2m, 1h: a number and its unit, nothing guessed. */
  static final class DurationConverter implements ITypeConverter<Duration> {
    private static final Pattern FORM = Pattern.compile("([0-9]+)(ms|s|m|h)");

    @Override
    public Duration convert(String value) {
      Matcher m = FORM.matcher(value.strip());
      if (!m.matches()) {
        throw new IllegalArgumentException("'" + value
            + "' is not a duration: write a number and a unit, such as 500ms, 10s, 2m or 1h");
      }
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofHours(n);
      };
    }
  }
}
