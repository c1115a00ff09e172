package dev.midge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line in this JVM, for everything that ends before a broker would run. */
class MidgeCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cl = Midge.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  @Test
  void version_whenAsked_thenPrintsTheProjectVersion() {
    assertThat(run("--version")).isZero();
    assertThat(out.toString()).startsWith("midge " + MidgeVersion.version() + "\n");
    assertThat(MidgeVersion.version()).matches("\\d+\\.\\d+\\.\\d+.*");
  }

  @Test
  void help_whenAsked_thenListsBrokerPubSubBenchAndPasswd() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString()).contains("broker", "pub", "sub", "bench", "passwd");
  }

  @Test
  void brokerHelp_whenAsked_thenDocumentsOptionsAndTheListeningLine() {
    assertThat(run("broker", "--help")).isZero();
    assertThat(out.toString()).contains("--host", "--port", "--config", "--version",
        "midge broker listening on 127.0.0.1:1883 (MQTT 3.1, 3.1.1, 5.0)");
  }

  @Test
  void midge_whenNoCommand_thenUsageErrorTwo() {
    assertThat(run()).isEqualTo(2);
    assertThat(err.toString())
        .startsWith("midge: missing a command: broker, pub, sub, bench or passwd\n");
  }

  @Test
  void broker_whenUnknownOption_thenUsageErrorTwo() {
    assertThat(run("broker", "--prot", "1883")).isEqualTo(2);
    assertThat(err.toString()).contains("Unknown options: '--prot'",
        "Try 'midge broker --help'");
  }

  @Test
  void broker_whenPortOutOfRange_thenUsageErrorTwo() {
    assertThat(run("broker", "--port", "70000")).isEqualTo(2);
    assertThat(err.toString()).contains("--port must be 0 to 65535, was 70000");
  }

  @Test
  void broker_whenConfigFileIsMissing_thenOneLineAndTwo(@TempDir Path dir) {
    Path missing = dir.resolve("nope.yaml");
    assertThat(run("broker", "--config", missing.toString())).isEqualTo(2);
    assertThat(err.toString().lines())
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith("midge: " + missing + ": no such file. Fix: check the path");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void broker_whenConfigHasUnknownKey_thenDidYouMeanAndTwo(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("midge.yaml");
    Files.writeString(config, "limits:\n  max-packet-sise: 1MiB\n");
    assertThat(run("broker", "--config", config.toString())).isEqualTo(2);
    assertThat(err.toString()).isEqualTo("midge: " + config + ", line 2, column 3:"
        + " limits.max-packet-sise: unknown key; did you mean limits.max-packet-size? Fix: rename"
        + " it to max-packet-size (keys in limits: max-packet-size, max-client-id-length,"
        + " max-connections, max-retained-messages, max-subscriptions-per-client,"
        + " connect-rate-per-address, connect-burst-per-address, publish-rate-per-client,"
        + " publish-burst-per-client)\n");
  }

  @Test
  void broker_whenConfigIsNotYaml_thenLineAndColumnAndTwo(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("midge.yaml");
    Files.writeString(config, "listeners:\n  - port: 1883\n   host: x\n");
    assertThat(run("broker", "--config", config.toString())).isEqualTo(2);
    assertThat(err.toString()).startsWith("midge: " + config + ", line 3, column ")
        .contains("not valid YAML").doesNotContain("Exception", "\tat ");
  }

  @Test
  void broker_whenHttpPortIsNotAPort_thenUsageErrorTwo() {
    assertThat(run("broker", "--http-port", "eighty")).isEqualTo(2);
    assertThat(err.toString()).contains("--http-port must be 0 to 65535 or off, was eighty");
    assertThat(run("broker", "--http-port", "70000")).isEqualTo(2);
  }

  @Test
  void broker_whenPortIsInUse_thenExitOneBeforeStarting() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      assertThat(run("broker", "--port", Integer.toString(port))).isEqualTo(1);
      assertThat(err.toString()).isEqualTo("midge: port " + port + " on 127.0.0.1 is already in"
          + " use; pick another with --port (0 picks a free one)\n");
      assertThat(out.toString()).isEmpty();
    }
  }

  @Test
  void broker_whenSecondListenerPortIsInUse_thenNamesItsConfigKey(@TempDir Path dir)
      throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      Path config = dir.resolve("midge.yaml");
      Files.writeString(config, "listeners:\n  - port: 0\n  - name: lan\n    port: "
          + taken.getLocalPort() + "\n");
      assertThat(run("broker", "--config", config.toString())).isEqualTo(1);
      assertThat(err.toString()).contains("port " + taken.getLocalPort()
          + " on 127.0.0.1 (listener lan) is already in use; pick another for"
          + " listeners[1].port in " + config);
    }
  }

  @Test
  void broker_whenPortOptionMovesTheFirstListenerOntoAnother_thenUsageErrorTwo(@TempDir Path dir)
      throws Exception {
    Path config = dir.resolve("midge.yaml");
    Files.writeString(config, "listeners:\n  - port: 1883\n  - name: lan\n    port: 1884\n");
    assertThat(run("broker", "--config", config.toString(), "--port", "1884")).isEqualTo(2);
    assertThat(err.toString()).isEqualTo("midge: port 1884 on 127.0.0.1 is also the port of"
        + " listener lan (listeners[1].port in " + config + "); pick another with --port\n");
  }
}
