package dev.midge.broker.auth.acl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.midge.broker.auth.AuthFileException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Mosquitto's ACL format and the decisions its rules make: read, write, patterns, wildcards. */
class AclFileTest {
  private static final AclFile ACL = AclFile.parse(List.of(
      "# anonymous clients",
      "topic read public/#",
      "topic write public/anon-in",
      "",
      "user alice",
      "topic readwrite alice/#",
      "topic deny alice/secret",
      "topic read sensors/+/temperature",
      "topic sensors/+/humidity",
      "",
      "user bob",
      "topic write alice/inbox",
      "",
      "pattern readwrite devices/%c/#",
      "pattern read users/%u/inbox",
      "pattern write $SYS/clients/%c"), "acl");

  @Test
  void anonymous_whenTopicLinesBeforeAnyUser_thenTheirs() {
    assertThat(ACL.mayReceive("c", null, "public/news")).isTrue();
    assertThat(ACL.mayPublish("c", null, "public/news")).as("read only").isFalse();
    assertThat(ACL.mayPublish("c", null, "public/anon-in")).isTrue();
    assertThat(ACL.mayReceive("c", "alice", "public/news")).as("not alice's").isFalse();
  }

  @Test
  void user_whenReadWriteAndReadOnly_thenEachAsGranted() {
    assertThat(ACL.mayPublish("c", "alice", "alice/x/y")).isTrue();
    assertThat(ACL.mayReceive("c", "alice", "alice")).as("# matches its parent").isTrue();
    assertThat(ACL.mayReceive("c", "alice", "sensors/kitchen/temperature")).isTrue();
    assertThat(ACL.mayPublish("c", "alice", "sensors/kitchen/temperature")).isFalse();
    assertThat(ACL.mayPublish("c", "alice", "sensors/kitchen/humidity")).as("readwrite by default")
        .isTrue();
    assertThat(ACL.mayReceive("c", "alice", "sensors/a/b/temperature")).as("+ is one level")
        .isFalse();
    assertThat(ACL.mayPublish("c", "bob", "alice/inbox")).isTrue();
    assertThat(ACL.mayReceive("c", "bob", "alice/inbox")).as("write only").isFalse();
    assertThat(ACL.mayPublish("c", "mallory", "alice/x")).as("unknown user: nothing").isFalse();
  }

  @Test
  void deny_whenTopicMatches_thenRefusedWhateverElseGrants() {
    assertThat(ACL.mayPublish("c", "alice", "alice/secret")).isFalse();
    assertThat(ACL.mayReceive("c", "alice", "alice/secret")).isFalse();
    assertThat(ACL.mayReceive("c", "alice", "alice/secret/more")).as("deny has no wildcard")
        .isTrue();
    assertThat(ACL.maySubscribe("c", "alice", "alice/secret")).isFalse();
    assertThat(ACL.maySubscribe("c", "alice", "alice/#")).as("partly denied: allowed, messages"
        + " checked one by one").isTrue();
  }

  @Test
  void subscribe_whenFilterInsideAReadRule_thenAllowed() {
    assertThat(ACL.maySubscribe("c", "alice", "alice/+/x")).isTrue();
    assertThat(ACL.maySubscribe("c", "alice", "alice/#")).isTrue();
    assertThat(ACL.maySubscribe("c", "alice", "sensors/+/temperature")).isTrue();
    assertThat(ACL.maySubscribe("c", "alice", "sensors/hall/temperature")).isTrue();
    assertThat(ACL.maySubscribe("c", "alice", "sensors/#")).as("wider than the rule").isFalse();
    assertThat(ACL.maySubscribe("c", "alice", "#")).isFalse();
    assertThat(ACL.maySubscribe("c", "alice", "+/x")).isFalse();
    assertThat(ACL.maySubscribe("c", "bob", "alice/inbox")).as("write only").isFalse();
    assertThat(ACL.maySubscribe("c", null, "public/+")).isTrue();
  }

  @Test
  void pattern_whenClientIdAndUserName_thenSubstituted() {
    assertThat(ACL.mayPublish("dev-7", "alice", "devices/dev-7/temp")).isTrue();
    assertThat(ACL.mayPublish("dev-7", null, "devices/dev-7/temp")).as("%c: anonymous too")
        .isTrue();
    assertThat(ACL.mayPublish("dev-7", "alice", "devices/dev-8/temp")).isFalse();
    assertThat(ACL.maySubscribe("dev-7", "alice", "devices/dev-7/#")).isTrue();
    assertThat(ACL.mayReceive("x", "carol", "users/carol/inbox")).isTrue();
    assertThat(ACL.mayReceive("x", "carol", "users/dave/inbox")).isFalse();
    assertThat(ACL.mayReceive("x", null, "users//inbox")).as("%u: not for anonymous").isFalse();
    assertThat(ACL.mayPublish("dev-7", "alice", "$SYS/clients/dev-7")).isTrue();
  }

  @Test
  void pattern_whenSubstitutedValueHasWildcardsOrSlash_thenNotApplied() {
    assertThat(ACL.mayPublish("+", "alice", "devices/+/x")).isFalse();
    assertThat(ACL.maySubscribe("#", "alice", "devices/#/#")).isFalse();
    assertThat(ACL.mayPublish("a/b", "alice", "devices/a/b/x")).isFalse();
    assertThat(AclFile.substitute("users/%u/x", "c", "a+b")).isNull();
  }

  @Test
  void covers_whenWildcardsOnEitherSide_thenSubsetOfTopics() {
    assertThat(AclFile.covers("a/#", "a")).isTrue();
    assertThat(AclFile.covers("a/#", "a/+/b")).isTrue();
    assertThat(AclFile.covers("a/+", "a/+")).isTrue();
    assertThat(AclFile.covers("a/+", "a/#")).isFalse();
    assertThat(AclFile.covers("a/+", "a/b/c")).isFalse();
    assertThat(AclFile.covers("a/b", "a/+")).isFalse();
    assertThat(AclFile.covers("#", "$SYS/x")).as("MQTT-4.7.2-1").isFalse();
    assertThat(AclFile.covers("$SYS/#", "$SYS/x")).isTrue();
  }

  @Test
  void parse_whenBrokenLine_thenErrorNamesLineAndFix() {
    assertThatThrownBy(() -> AclFile.parse(List.of("user a", "topic read a/#/b"), "acl"))
        .isInstanceOf(AuthFileException.class).hasMessageContaining("acl:2")
        .hasMessageContaining("not a valid topic filter");
    assertThatThrownBy(() -> AclFile.parse(List.of("topics read a"), "acl"))
        .hasMessageContaining("acl:1").hasMessageContaining("unknown keyword 'topics'");
    assertThatThrownBy(() -> AclFile.parse(List.of("topic read"), "acl"))
        .hasMessageContaining("without a topic filter");
    assertThatThrownBy(() -> AclFile.parse(List.of("user"), "acl"))
        .hasMessageContaining("without a user name");
    assertThatThrownBy(() -> AclFile.parse(List.of("user a", "topic reed a/#"), "acl"))
        .hasMessageContaining("acl:2").hasMessageContaining("write read");
  }

  @Test
  void parse_whenFilterHasSpaces_thenRestOfLine() {
    AclFile acl = AclFile.parse(List.of("user a b", "topic read my topic/#"), "acl");
    assertThat(acl.mayReceive("c", "a b", "my topic/x")).isTrue();
  }
}
