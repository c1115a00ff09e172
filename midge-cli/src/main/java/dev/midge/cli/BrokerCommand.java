package dev.midge.cli;

import dev.midge.broker.MidgeBroker;
import dev.midge.broker.auth.AuthFileException;
import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.ConfigException;
import dev.midge.broker.config.ConfigLoader;
import dev.midge.broker.config.HttpConfig;
import dev.midge.broker.config.ListenerConfig;
import dev.midge.broker.config.StorageConfig;
import dev.midge.broker.store.StorageException;
import io.netty.util.NetUtil;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code midge broker}: runs a {@link MidgeBroker} until Ctrl-C or SIGTERM.
 *
 * <p>Once every listener accepts connections it prints one line per listener on stdout, and
 * nothing else ever goes there; scripts and tests wait for it, and with {@code --port 0} it holds
 * the port picked:
 *
 * <pre>
 * midge broker listening on 127.0.0.1:1883 (MQTT 3.1, 3.1.1, 5.0)
 * </pre>
 *
 * <p>followed, unless {@code --http-port off} or {@code http.enabled: false}, by the line of the
 * HTTP listener of the admin API, metrics and dashboard:
 *
 * <pre>
 * midge admin listening on http://127.0.0.1:18080/ (dashboard /, API /api/v1, metrics /metrics)
 * </pre>
 */
@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    versionProvider = MidgeVersion.class,
    description = {
      "Runs an MQTT broker until Ctrl-C or SIGTERM.",
      "Without --config it listens on 127.0.0.1:1883, reachable from this machine only, and"
          + " accepts any client (auth.password-file and auth.acl-file in a config file change"
          + " that; see docs/security.md). The admin API, Prometheus"
          + " metrics and the dashboard are served on http://127.0.0.1:18080/.",
      "Persistent sessions, queued messages, retained messages and delayed wills are kept in"
          + " ./data (RocksDB) and survive a restart, even kill -9; --data-dir changes where."
    },
    footer = {
      "",
      "Once it accepts connections it prints, on stdout, one line per listener:",
      "  midge broker listening on 127.0.0.1:1883 (MQTT 3.1, 3.1.1, 5.0)",
      "then one for the admin API, metrics and dashboard:",
      "  " + BrokerCommand.ADMIN_LINE_EXAMPLE,
      "Logs go to stderr; -Dmidge.log.level=debug in MIDGE_JAVA_OPTS shows every connection.",
      "SIGHUP (kill -HUP) reads the password and ACL files again.",
      "",
      "Exit status: 0 stopped by Ctrl-C or SIGTERM, 1 cannot listen (port in use) or cannot"
          + " use the data directory, 2 wrong option, configuration file, password file or ACL"
          + " file."
    })
final class BrokerCommand implements Callable<Integer> {
  /** Which protocol versions a listener speaks, for the listening line. */
  static final String PROTOCOLS = "MQTT 3.1, 3.1.1, 5.0";
  /** What the HTTP listener serves, for its line. */
  static final String ADMIN_PATHS = "dashboard /, API /api/v1, metrics /metrics";
  static final String ADMIN_LINE_EXAMPLE =
      "midge admin listening on http://127.0.0.1:18080/ (" + ADMIN_PATHS + ")";

  private static final Logger LOG = LoggerFactory.getLogger(BrokerCommand.class);

  @Spec private CommandSpec spec;

  @Option(names = "--host", paramLabel = "ADDRESS",
      description = "Address the first listener binds: 127.0.0.1 (default, this machine only),"
          + " 0.0.0.0 (every IPv4 interface), :: (every interface). Overrides the config file.")
  private @Nullable String host;

  @Option(names = "--port", paramLabel = "PORT",
      description = "TCP port of the first listener, 1883 by default; 0 picks a free one and"
          + " prints it. Overrides the config file.")
  private @Nullable Integer port;

  @Option(names = "--http-port", paramLabel = "PORT|off",
      description = "TCP port of the HTTP listener (admin API, /metrics, dashboard), 18080 by"
          + " default on 127.0.0.1; 0 picks a free one and prints it; off turns it off."
          + " Overrides the config file's http section.")
  private @Nullable String httpPort;

  @Option(names = "--config", paramLabel = "FILE",
      description = "YAML configuration file: listeners, keep-alive policy, sessions, limits."
          + " Keys and defaults: docs/configuration.md.")
  private @Nullable Path config;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Where the broker keeps its state (RocksDB), created if missing: ./data by"
          + " default; none keeps it in memory, lost when the broker stops. Overrides"
          + " storage.data-dir of the config file.")
  private @Nullable String dataDir;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (port != null && (port < 0 || port > 65535)) {
      throw new ParameterException(spec.commandLine(),
          "--port must be 0 to 65535, was " + port);
    }
    if (host != null && host.isBlank()) {
      throw new ParameterException(spec.commandLine(), "--host must not be empty");
    }
    @Nullable Path dir = null;
    if (dataDir != null) {
      if (dataDir.isBlank()) {
        throw new ParameterException(spec.commandLine(),
            "--data-dir must not be empty (none keeps state in memory)");
      }
      try {
        dir = StorageConfig.parseDataDir(dataDir.strip());
      } catch (java.nio.file.InvalidPathException e) {
        throw new ParameterException(spec.commandLine(), "--data-dir is not a valid path: "
            + e.getMessage());
      }
    }
    Integer http = null;
    boolean httpOff = false;
    if (httpPort != null) {
      if (httpPort.equalsIgnoreCase("off")) {
        httpOff = true;
      } else {
        try {
          http = Integer.parseInt(httpPort);
        } catch (NumberFormatException e) {
          http = -1;
        }
        if (http < 0 || http > 65535) {
          throw new ParameterException(spec.commandLine(),
              "--http-port must be 0 to 65535 or off, was " + httpPort);
        }
      }
    }

    BrokerConfig base;
    try {
      base = config == null ? BrokerConfig.standalone() : ConfigLoader.load(config);
    } catch (ConfigException e) {
      err.println("midge: " + e.getMessage());
      err.flush();
      return Midge.EXIT_USAGE;
    }
    if (httpOff) {
      base = base.withHttp(base.http().withEnabled(false));
    } else if (http != null) {
      base = base.withHttp(base.http().withEnabled(true).withPort(http));
    }
    MidgeBroker.Builder builder = MidgeBroker.builder().config(base).http();
    if (host != null) {
      builder.host(host);
    }
    if (port != null) {
      builder.port(port);
    }
    if (dataDir != null) {
      builder.dataDir(dir);
    }
    List<ListenerConfig> listeners = builder.listeners();

    String clash = ListenFailure.clash(listeners, config);
    if (clash != null) {
      err.println("midge: " + clash);
      err.flush();
      return Midge.EXIT_USAGE;
    }
    // Check the ports first: a clear message, and the broker not started and stopped for nothing.
    for (int i = 0; i < listeners.size(); i++) {
      String problem = ListenFailure.probe(listeners.get(i), i, config);
      if (problem != null) {
        err.println("midge: " + problem);
        err.flush();
        return Midge.EXIT_FAILURE;
      }
    }
    HttpConfig httpConfig = base.http();
    if (httpConfig.enabled()) {
      String problem = ListenFailure.probeHttp(httpConfig, config);
      if (problem != null) {
        err.println("midge: " + problem);
        err.flush();
        return Midge.EXIT_FAILURE;
      }
    }
    MidgeBroker broker;
    try {
      broker = builder.build(); // opens the data directory
      broker.start(); // recovers its state, then listens
    } catch (AuthFileException e) {
      err.println("midge: " + e.getMessage());
      err.flush();
      return Midge.EXIT_USAGE;
    } catch (StorageException e) {
      err.println("midge: " + e.getMessage());
      err.flush();
      LOG.debug("data directory refused", e);
      return Midge.EXIT_FAILURE;
    } catch (ConfigException e) { // TLS files that changed since the config was read
      err.println("midge: " + e.getMessage());
      err.flush();
      return Midge.EXIT_USAGE;
    } catch (Exception e) { // Netty rethrows bind failures undeclared
      err.println("midge: " + ListenFailure.describe(e, listeners, httpConfig, config));
      err.flush();
      LOG.debug("start failed", e);
      return Midge.EXIT_FAILURE;
    }

    // kill -HUP: read the password and ACL files again, as Mosquitto does.
    HangupSignal.handle(() -> {
      LOG.info("SIGHUP: reading the password and ACL files again");
      broker.reloadSecurity();
    });
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(broker, out, err, stopped),
        "midge-shutdown"));
    for (int i = 0; i < listeners.size(); i++) {
      out.println("midge broker listening on " + format(broker.address(i), listeners.get(i).host())
          + " (" + PROTOCOLS + over(listeners.get(i)) + ")");
    }
    InetSocketAddress admin = broker.httpAddress();
    if (admin != null) {
      out.println("midge admin listening on http://" + format(admin, httpConfig.host()) + "/ ("
          + ADMIN_PATHS + ")");
    }
    out.flush();
    stopped.await();
    return Midge.EXIT_OK;
  }

  /** What carries MQTT on a listener, for its line: "" for plain TCP. */
  static String over(ListenerConfig listener) {
    return switch (listener.protocol()) {
      case MQTT -> "";
      case MQTT_TLS -> " over TLS";
      case WS -> " over WebSocket " + listener.websocketPath();
      case WSS -> " over secure WebSocket " + listener.websocketPath();
    };
  }

  /**
   * The shutdown hook: disconnects every client (their wills are published as for any connection
   * that ends without DISCONNECT) and stops. Ends the process with status 0: the JVM would
   * otherwise exit with 128 + the signal's number (143 after SIGTERM, 130 after Ctrl-C), and a
   * broker stopped on request has done nothing wrong, as with Mosquitto.
   */
  private static void stop(MidgeBroker broker, PrintWriter out, PrintWriter err,
      CountDownLatch stopped) {
    int status = Midge.EXIT_OK;
    try {
      LOG.info("stopping: disconnecting clients");
      broker.close();
    } catch (Throwable e) { // halt() below would swallow it
      err.println("midge: error while stopping: " + e);
      status = Midge.EXIT_FAILURE;
    } finally {
      stopped.countDown();
      out.flush();
      err.flush();
      Runtime.getRuntime().halt(status);
    }
  }

  /**
   * {@code 127.0.0.1:1883}, {@code [::1]:1883}. A wildcard address is shown as configured: Netty's
   * epoll transport binds 0.0.0.0 as the dual-stack {@code ::}, which would surprise whoever
   * asked for 0.0.0.0.
   */
  static String format(InetSocketAddress bound, String configuredHost) {
    String host = bound.getAddress().isAnyLocalAddress()
        ? configuredHost
        : NetUtil.toAddressString(bound.getAddress());
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + bound.getPort();
  }
}
