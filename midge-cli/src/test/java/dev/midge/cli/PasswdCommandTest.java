package dev.midge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.MidgeBroker;
import dev.midge.broker.auth.password.PasswordFile;
import dev.midge.broker.config.AuthConfig;
import dev.midge.broker.config.BrokerConfig;
import dev.midge.testkit.ChildProcess;
import dev.midge.testkit.ExternalTools;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code midge passwd}: mosquitto_passwd's options (-c, -b, -D, the password asked twice), and
 * files both ways between Midge and Mosquitto: one written by {@code midge passwd} lets its users
 * into a real {@code mosquitto} broker, one written by {@code mosquitto_passwd} into Midge.
 */
class PasswdCommandTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return runWithInput(null, args);
  }

  private int runWithInput(String stdin, String... args) {
    CommandLine cl = Midge.commandLine();
    cl.setErr(new PrintWriter(err, true));
    cl.setOut(new PrintWriter(new StringWriter(), true));
    if (stdin != null) {
      CommandLine passwd = cl.getSubcommands().get("passwd");
      ((PasswdCommand) passwd.getCommand()).input =
          new BufferedReader(new StringReader(stdin));
    }
    return cl.execute(args);
  }

  @Test
  void passwd_whenCreateBatchAddChangeDelete_thenFileFollows() throws Exception {
    Path f = dir.resolve("pw");

    assertThat(run("passwd", "-c", "-b", f.toString(), "alice", "one")).as(err.toString())
        .isZero();
    assertThat(run("passwd", "-b", f.toString(), "bob", "two")).isZero();
    assertThat(run("passwd", "-b", f.toString(), "alice", "three")).isZero();

    PasswordFile file = PasswordFile.read(f);
    assertThat(file.users()).containsOnlyKeys("alice", "bob");
    assertThat(file.hash("alice").matches(bytes("three"))).isTrue();
    assertThat(file.hash("bob").matches(bytes("two"))).isTrue();
    assertThat(Files.readString(f)).startsWith("alice:$7$101$");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
        .isEqualTo("rw-------");

    assertThat(run("passwd", "-D", f.toString(), "bob")).isZero();
    assertThat(PasswordFile.read(f).users()).containsOnlyKeys("alice");
    assertThat(run("passwd", "-D", f.toString(), "bob")).isEqualTo(Midge.EXIT_FAILURE);

    assertThat(run("passwd", "-c", "-b", f.toString(), "carol", "four")).isZero();
    assertThat(PasswordFile.read(f).users()).as("-c overwrites").containsOnlyKeys("carol");
  }

  @Test
  void passwd_whenNotBatch_thenAsksTwiceAndRefusesAMismatch() throws Exception {
    Path f = dir.resolve("pw");

    assertThat(runWithInput("same\nsame\n", "passwd", "-c", f.toString(), "dave")).as(err.toString())
        .isZero();
    assertThat(err.toString()).contains("Password: ", "Reenter password: ");
    assertThat(PasswordFile.read(f).hash("dave").matches(bytes("same"))).isTrue();

    assertThat(runWithInput("new\nother\n", "passwd", f.toString(), "dave"))
        .isEqualTo(Midge.EXIT_FAILURE);
    assertThat(err.toString()).contains("do not match");
    assertThat(PasswordFile.read(f).hash("dave").matches(bytes("same"))).as("unchanged")
        .isTrue();
  }

  @Test
  void passwd_whenWrongOptions_thenUsageErrorTwo() {
    Path f = dir.resolve("pw");
    assertThat(run("passwd", "-c", "-D", f.toString(), "x")).isEqualTo(Midge.EXIT_USAGE);
    assertThat(run("passwd", "-c", f.toString(), "x", "pw")).isEqualTo(Midge.EXIT_USAGE);
    assertThat(run("passwd", "-c", "-b", f.toString(), "a:b", "pw")).isEqualTo(Midge.EXIT_USAGE);
    assertThat(run("passwd", "-b", f.toString(), "x", "pw")).as("no file without -c")
        .isEqualTo(Midge.EXIT_FAILURE);
    assertThat(err.toString()).contains("use -c to create it");
  }

  @Test
  void passwd_whenFileUsedByMosquitto_thenItsUsersGetIn() throws Exception {
    ExternalTools.require(Files.isExecutable(Path.of("/usr/sbin/mosquitto"))
            && ExternalTools.onPath("mosquitto_pub").isPresent(),
        "/usr/sbin/mosquitto and mosquitto_pub", "installed mosquitto and mosquitto-clients",
        "apt-get install mosquitto mosquitto-clients");
    Path pw = dir.resolve("pw");
    assertThat(run("passwd", "-c", "-b", pw.toString(), "alice", "s3cret pass")).isZero();
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path conf = dir.resolve("mosquitto.conf");
    // "user": run as root, mosquitto would switch to user mosquitto, who cannot read the
    // temporary directory; it stays the user running the test.
    Files.write(conf, List.of("listener " + port + " 127.0.0.1", "allow_anonymous false",
        "password_file " + pw, "persistence false", "user " + System.getProperty("user.name")));
    try (ChildProcess mosquitto = ChildProcess.start("mosquitto",
        List.of("/usr/sbin/mosquitto", "-c", conf.toString()), null)) {
      await().atMost(WAIT).until(() -> accepts(port) || !mosquitto.isAlive());
      assertThat(mosquitto.isAlive()).as(mosquitto.lines().toString()).isTrue();

      assertThat(mosquittoPub(port, "alice", "s3cret pass")).isZero();
      assertThat(mosquittoPub(port, "alice", "wrong")).isNotZero();
    }
  }

  @Test
  void passwd_whenFileWrittenByMosquittoPasswd_thenMidgeLetsItsUsersIn() throws Exception {
    ExternalTools.require(ExternalTools.onPath("mosquitto_passwd").isPresent()
            && ExternalTools.onPath("mosquitto_pub").isPresent(),
        "mosquitto_passwd and mosquitto_pub", "installed mosquitto and mosquitto-clients",
        "apt-get install mosquitto mosquitto-clients");
    Path pw = dir.resolve("pw");
    Process p = new ProcessBuilder("mosquitto_passwd", "-c", "-b", pw.toString(), "bob",
        "from mosquitto").redirectErrorStream(true).start();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    // midge passwd adds a user to the file mosquitto_passwd wrote.
    assertThat(run("passwd", "-b", pw.toString(), "carol", "from midge")).isZero();
    BrokerConfig c = BrokerConfig.defaults()
        .withAuth(AuthConfig.DEFAULTS.withPasswordFile(pw.toString()));
    try (MidgeBroker broker = MidgeBroker.builder().config(c).port(0).build().start()) {
      assertThat(mosquittoPub(broker.port(), "bob", "from mosquitto")).isZero();
      assertThat(mosquittoPub(broker.port(), "carol", "from midge")).isZero();
      assertThat(mosquittoPub(broker.port(), "bob", "wrong")).isNotZero();
    }
  }

  private static int mosquittoPub(int port, String user, String password) throws Exception {
    Process p = new ProcessBuilder("mosquitto_pub", "-h", "127.0.0.1", "-p",
        Integer.toString(port), "-u", user, "-P", password, "-t", "t", "-m", "x", "-q", "1")
        .redirectErrorStream(true).start();
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    return p.exitValue();
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
