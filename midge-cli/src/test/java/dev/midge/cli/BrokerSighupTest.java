package dev.midge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.auth.password.PasswordHash;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.reason.ConnackReasonCode;
import dev.midge.testkit.RawMqttConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -HUP} on {@code midge broker}: the password file is read again (with no polling,
 * auth.reload-check-interval 0s, so only the signal can have done it), a broken file is logged
 * with its line and the fix while the old users stay, and the broker keeps running.
 */
class BrokerSighupTest {
  private static final Duration START = Duration.ofSeconds(30);
  private static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  void sighup_whenPasswordFileChanged_thenReadAgainAndBrokerRunsOn(@TempDir Path dir)
      throws Exception {
    Path passwords = dir.resolve("passwd");
    Files.write(passwords, List.of("alice:" + PasswordHash.create("pa").encode()));
    Path config = dir.resolve("midge.yaml");
    Files.writeString(config, """
        listeners:
          - port: 0
        storage:
          data-dir: none
        auth:
          password-file: %s
          reload-check-interval: 0s
        """.formatted(passwords));
    try (MidgeProcess midge = MidgeProcess.start("broker", "--config", config.toString())) {
      int port = Integer.parseInt(midge.awaitListening(START).group(2));
      assertThat(connect(port, "alice", "pa")).isEqualTo(ConnackReasonCode.SUCCESS);
      assertThat(connect(port, "bob", "pb")).isEqualTo(ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD);

      // A broken file first: logged, alice stays.
      Files.write(passwords, List.of("alice:" + PasswordHash.create("pa").encode(), "bob:pb"));
      hangup(midge);
      await().atMost(WAIT).until(() -> midge.stderr().contains("not read again"));
      assertThat(midge.stderr()).contains(passwords + "", "line 2", "midge passwd");
      assertThat(connect(port, "alice", "pa")).isEqualTo(ConnackReasonCode.SUCCESS);

      Files.write(passwords, List.of("bob:" + PasswordHash.create("pb").encode()));
      hangup(midge);
      await().atMost(WAIT).until(() -> connect(port, "bob", "pb") == ConnackReasonCode.SUCCESS);
      assertThat(connect(port, "alice", "pa"))
          .isEqualTo(ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD);
      assertThat(midge.isAlive()).isTrue();

      midge.terminate();
      assertThat(midge.awaitExit(WAIT)).isZero();
    }
  }

  private static void hangup(MidgeProcess midge) throws Exception {
    Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(midge.pid())).start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).isZero();
  }

  private static ConnackReasonCode connect(int port, String user, String password) {
    try (RawMqttConnection c = RawMqttConnection.open(port, MqttVersion.V5)) {
      return c.connect(Connect.builder(MqttVersion.V5).clientId("c-" + System.nanoTime())
          .keepAlive(0).cleanStart(true).username(user)
          .password(password.getBytes(StandardCharsets.UTF_8)).build()).reasonCode();
    }
  }
}
