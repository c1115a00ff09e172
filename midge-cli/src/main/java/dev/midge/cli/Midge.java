package dev.midge.cli;

import java.io.PrintWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code midge} command, which {@code ./midge} at the repository root runs:
 *
 * <pre>
 * ./midge broker                      # MQTT on 127.0.0.1:1883 until Ctrl-C
 * ./midge broker --port 0             # a free port, printed on stdout
 * ./midge broker --config midge.yaml  # see docs/configuration.md
 * ./midge sub -t 'sensors/#' -v       # print messages, like mosquitto_sub
 * ./midge pub -t sensors/temp -m 21.5 # publish one, like mosquitto_pub
 * ./midge bench fan-in -q 1           # measure a broker on 127.0.0.1:1883
 * ./midge passwd -c passwd alice      # a password file, as mosquitto_passwd writes it
 * </pre>
 *
 * <p>Exit status: 0 after a normal stop (Ctrl-C, SIGTERM), 1 when the broker cannot run (a port
 * already in use), 2 for a wrong option or configuration. stdout carries only what scripts read;
 * logs and errors go to stderr.
 */
@Command(
    name = "midge",
    mixinStandardHelpOptions = true,
    versionProvider = MidgeVersion.class,
    description = "Midge, an MQTT broker for the JVM, and a client for it.",
    subcommands = {BrokerCommand.class, PubCommand.class, SubCommand.class, BenchCommand.class,
        PasswdCommand.class},
    footer = {"", "Run 'midge broker --help', 'midge pub --help', 'midge sub --help', 'midge"
        + " bench --help' or 'midge passwd --help' for their options."})
public final class Midge implements Runnable {
  /** The broker ran and stopped normally. */
  public static final int EXIT_OK = 0;

  /** The broker could not run: a port in use, an address not on this machine. */
  public static final int EXIT_FAILURE = 1;

  /** A wrong option, or a configuration file that is not valid. */
  public static final int EXIT_USAGE = 2;

  private static final Logger LOG = LoggerFactory.getLogger(Midge.class);

  @Spec private CommandSpec spec;

  /** Runs the command line and exits with its status; returns only if no command was given. */
  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /**
   * The command line, ready to {@link CommandLine#execute}; tests redirect its output with {@link
   * CommandLine#setOut} and {@link CommandLine#setErr}.
   */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Midge());
    cl.setParameterExceptionHandler(Midge::badUsage);
    cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      LOG.error("unexpected error", e);
      commandLine.getErr().println("midge: unexpected error: " + e);
      commandLine.getErr().flush();
      return EXIT_FAILURE;
    });
    return cl;
  }

  /** Without a command: say which there are. */
  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(),
        "missing a command: broker, pub, sub, bench or passwd");
  }

  /** A wrong option: one line saying what, one saying where to look; no wall of usage. */
  private static int badUsage(ParameterException e, String[] args) {
    CommandLine cl = e.getCommandLine();
    PrintWriter err = cl.getErr();
    err.println("midge: " + e.getMessage());
    err.println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for more.");
    err.flush();
    return EXIT_USAGE;
  }
}
