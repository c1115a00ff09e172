package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.auth.password.PasswordHash;
import dev.midge.broker.config.AuthConfig;
import dev.midge.broker.config.BrokerConfig;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.reason.ConnackReasonCode;
import dev.midge.codec.reason.SubackReasonCode;
import dev.midge.testkit.RawMqttConnection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The password and ACL files read again: on request ({@code MidgeBroker.reloadSecurity()}, what
 * SIGHUP calls) and when they change on disk (auth.reload-check-interval); a broken file keeps
 * the rules read before. Connected clients stay; what they do next follows the new rules.
 */
@DisplayName("Authentication and authorisation: reloading the files")
class AuthReloadScenario extends ConformanceScenario {
  @TempDir Path dir;
  Path passwords;
  Path acl;

  @BeforeEach
  void writeFiles() throws IOException {
    passwords = dir.resolve("passwd");
    acl = dir.resolve("acl");
    replace(passwords, List.of("alice:" + PasswordHash.create("pa").encode()));
    replace(acl, List.of("user alice", "topic read a/#"));
  }

  /** Writes a file beside the target and renames it over it, as editors and midge passwd do. */
  private void replace(Path target, List<String> lines) throws IOException {
    Path tmp = Files.createTempFile(dir, "new", ".tmp");
    Files.write(tmp, lines);
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private BrokerConfig reloadConfig(Duration checkInterval) {
    return config().withAuth(AuthConfig.DEFAULTS.withPasswordFile(passwords.toString())
        .withAclFile(acl.toString()).withReloadCheckInterval(checkInterval));
  }

  private ConnackReasonCode connectAs(String clientId, String user, String pw) {
    RawMqttConnection c = open(MqttVersion.V5);
    return c.connect(Connect.builder(MqttVersion.V5).clientId(clientId).keepAlive(0)
        .cleanStart(true).username(user).password(pw.getBytes(StandardCharsets.UTF_8)).build())
        .reasonCode();
  }

  private RawMqttConnection loggedIn(String clientId, String user, String pw) {
    return client(Connect.builder(MqttVersion.V5).clientId(clientId).keepAlive(0)
        .cleanStart(true).username(user).password(pw.getBytes(StandardCharsets.UTF_8)).build());
  }

  @Test
  @DisplayName("reloadSecurity(): a user added is let in, a user removed is refused, and a client"
      + " connected before stays connected")
  void reload_whenPasswordFileChanged_thenNewUsersApply() throws IOException {
    startBroker(reloadConfig(Duration.ZERO));
    RawMqttConnection alice = loggedIn("a1", "alice", "pa");
    assertThat(connectAs("b0", "bob", "pb"))
        .isEqualTo(ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD);

    replace(passwords, List.of("bob:" + PasswordHash.create("pb").encode()));
    assertThat(broker.reloadSecurity()).isTrue();

    assertThat(connectAs("b1", "bob", "pb")).isEqualTo(ConnackReasonCode.SUCCESS);
    assertThat(connectAs("a2", "alice", "pa"))
        .isEqualTo(ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD);
    alice.ping(WAIT);
  }

  @Test
  @DisplayName("reloadSecurity(): a broken password or ACL file keeps the rules read before")
  void reload_whenFileBroken_thenOldRulesStay() throws IOException {
    startBroker(reloadConfig(Duration.ZERO));

    replace(passwords, List.of("alice:plaintext", "bob:" + PasswordHash.create("pb").encode()));
    replace(acl, List.of("user alice", "topic reed a/#"));
    assertThat(broker.reloadSecurity()).isFalse();

    RawMqttConnection alice = loggedIn("a1", "alice", "pa");
    assertThat(connectAs("b1", "bob", "pb"))
        .isEqualTo(ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD);
    assertThat(alice.subscribe(1, "a/b", MqttQos.AT_MOST_ONCE).reasonCodes())
        .containsExactly(SubackReasonCode.GRANTED_QOS_0);
  }

  @Test
  @DisplayName("reloadSecurity(): a changed ACL applies to the next SUBSCRIBE of a client"
      + " connected before")
  void reload_whenAclChanged_thenNextSubscribeFollowsIt() throws IOException {
    startBroker(reloadConfig(Duration.ZERO));
    RawMqttConnection alice = loggedIn("a1", "alice", "pa");
    assertThat(alice.subscribe(1, "b/x", MqttQos.AT_MOST_ONCE).reasonCodes())
        .containsExactly(SubackReasonCode.NOT_AUTHORIZED);

    replace(acl, List.of("user alice", "topic read b/#"));
    assertThat(broker.reloadSecurity()).isTrue();

    assertThat(alice.subscribe(2, "b/x", MqttQos.AT_MOST_ONCE).reasonCodes())
        .containsExactly(SubackReasonCode.GRANTED_QOS_0);
    assertThat(alice.subscribe(3, "a/x", MqttQos.AT_MOST_ONCE).reasonCodes())
        .containsExactly(SubackReasonCode.NOT_AUTHORIZED);
  }

  @Test
  @DisplayName("auth.reload-check-interval: files changed on disk are read again without a"
      + " signal; a broken version is skipped and the next good one taken")
  void watch_whenFilesChangeOnDisk_thenReadAgain() throws IOException {
    startBroker(reloadConfig(Duration.ofMillis(100)));

    replace(passwords, List.of("broken line"));
    replace(acl, List.of("nonsense"));
    // Still alice's rules after the broken versions were looked at.
    await().pollDelay(Duration.ofMillis(300)).atMost(WAIT)
        .until(() -> connectAs("a0", "alice", "pa") == ConnackReasonCode.SUCCESS);

    replace(passwords, List.of("alice:" + PasswordHash.create("pa").encode(),
        "carol:" + PasswordHash.create("pc").encode()));
    replace(acl, List.of("user carol", "topic read c/#"));

    await("new password file read").atMost(WAIT)
        .until(() -> connectAs("c" + System.nanoTime(), "carol", "pc")
            == ConnackReasonCode.SUCCESS);
    RawMqttConnection carol = loggedIn("c1", "carol", "pc");
    await("new ACL read").atMost(WAIT).until(() -> carol.subscribe(1, "c/x",
        MqttQos.AT_MOST_ONCE).reasonCodes().equals(List.of(SubackReasonCode.GRANTED_QOS_0)));
  }
}
