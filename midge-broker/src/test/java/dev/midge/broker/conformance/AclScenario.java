package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.auth.password.PasswordHash;
import dev.midge.broker.config.AuthConfig;
import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.ListenerConfig.Anonymous;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Pubcomp;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Pubrec;
import dev.midge.codec.packet.Pubrel;
import dev.midge.codec.packet.Suback;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.packet.Will;
import dev.midge.codec.reason.PubackReasonCode;
import dev.midge.codec.reason.PubrecReasonCode;
import dev.midge.codec.reason.SubackReasonCode;
import dev.midge.testkit.RawMqttConnection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * auth.acl-file applied: SUBSCRIBE (SUBACK 0x87 in 5.0, 0x80 in 3.1.1, per filter), PUBLISH
 * (dropped; PUBACK / PUBREC 0x87 in 5.0), wills (dropped when their topic may not be written),
 * and delivery, retained or not (read rights of each subscriber).
 */
@DisplayName("Authorisation: the ACL file")
class AclScenario extends ConformanceScenario {
  static final List<String> ACL = List.of(
      "topic read public/#",
      "user alice",
      "topic readwrite alice/#",
      "topic deny alice/secret",
      "user bob",
      "topic read alice/#",
      "user admin",
      "topic readwrite #",
      "pattern readwrite devices/%c/#");

  @TempDir Path dir;
  Path aclFile;
  Path passwordFile;

  @BeforeEach
  void writeFiles() throws IOException {
    passwordFile = dir.resolve("passwd");
    Files.write(passwordFile, List.of("alice:" + PasswordHash.create("pa").encode(),
        "bob:" + PasswordHash.create("pb").encode(),
        "admin:" + PasswordHash.create("pz").encode()));
    aclFile = dir.resolve("acl");
    Files.write(aclFile, ACL);
  }

  BrokerConfig aclConfig() {
    BrokerConfig c = config().withAuth(AuthConfig.DEFAULTS.withPasswordFile(passwordFile.toString())
        .withAclFile(aclFile.toString()));
    return c.withListeners(List.of(c.listeners().get(0).withAllowAnonymous(Anonymous.TRUE)));
  }

  static Connect login(MqttVersion version, String clientId, @Nullable String user,
      @Nullable Will will) {
    String pw = user == null ? null : switch (user) {
      case "alice" -> "pa";
      case "bob" -> "pb";
      default -> "pz";
    };
    return Connect.builder(version).clientId(clientId).keepAlive(0).cleanStart(true)
        .username(user).password(pw == null ? null : pw.getBytes(StandardCharsets.UTF_8))
        .will(will).build();
  }

  RawMqttConnection as(MqttVersion version, String clientId, @Nullable String user) {
    return client(login(version, clientId, user, null));
  }

  /** admin, subscribed to everything: sees what gets routed. */
  RawMqttConnection observer(MqttVersion version) {
    RawMqttConnection admin = as(version, "observer", "admin");
    assertThat(admin.subscribe(1, "#", MqttQos.AT_LEAST_ONCE).reasonCodes())
        .containsExactly(SubackReasonCode.GRANTED_QOS_1);
    return admin;
  }

  private static SubackReasonCode refusedCode(MqttVersion version) {
    return version.isV5() ? SubackReasonCode.NOT_AUTHORIZED : SubackReasonCode.UNSPECIFIED_ERROR;
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(value = MqttVersion.class, names = {"V3_1_1", "V5"})
  @DisplayName("MQTT-3.8.4-5 (3.1.1) / MQTT-3.8.4-6 (5.0): one SUBACK code per filter; a filter"
      + " the ACL does not let the client read gets 0x87 (3.1.1: 0x80 Failure), the others are"
      + " granted; patterns with %c, and wildcards inside a rule")
  void subscribe_whenSomeFiltersNotAllowed_thenRefusedOneByOne(MqttVersion version) {
    startBroker(aclConfig());
    RawMqttConnection alice = as(version, "a1", "alice");

    Suback suback = alice.subscribe(1,
        new Subscription("alice/#", MqttQos.AT_LEAST_ONCE),
        new Subscription("bob/#", MqttQos.AT_LEAST_ONCE),
        new Subscription("devices/a1/#", MqttQos.AT_LEAST_ONCE),
        new Subscription("devices/a2/#", MqttQos.AT_LEAST_ONCE),
        new Subscription("alice/+/status", MqttQos.AT_MOST_ONCE),
        new Subscription("alice/secret", MqttQos.AT_MOST_ONCE),
        new Subscription("#", MqttQos.AT_MOST_ONCE));

    assertThat(suback.reasonCodes()).containsExactly(SubackReasonCode.GRANTED_QOS_1,
        refusedCode(version), SubackReasonCode.GRANTED_QOS_1, refusedCode(version),
        SubackReasonCode.GRANTED_QOS_0, refusedCode(version), refusedCode(version));
    assertThat(counter("midge.acl.denied", "action", "subscribe")).isEqualTo(4);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(value = MqttVersion.class, names = {"V3_1_1", "V5"})
  @DisplayName("PUBLISH the ACL does not let the client write is dropped: QoS 1 PUBACK 0x87 (3.1.1:"
      + " PUBACK, the flow completes), QoS 0 silently; nothing reaches subscribers")
  void publish_whenNotAllowed_thenDroppedWithNotAuthorized(MqttVersion version) {
    startBroker(aclConfig());
    RawMqttConnection admin = observer(version);
    RawMqttConnection alice = as(version, "a1", "alice");

    alice.send(publish("bob/x", MqttQos.AT_LEAST_ONCE, 1, "no"));
    Puback ack = alice.expect(Puback.class, WAIT);
    alice.send(publish("public/x", MqttQos.AT_MOST_ONCE, 0, "no"));
    alice.send(publish("alice/ok", MqttQos.AT_LEAST_ONCE, 2, "yes"));
    alice.expect(Puback.class, WAIT);

    assertThat(ack.packetId()).isEqualTo(1);
    assertThat(ack.reasonCode()).isEqualTo(version.isV5() ? PubackReasonCode.NOT_AUTHORIZED
        : PubackReasonCode.SUCCESS);
    assertThat(topics(drain(admin))).containsExactly("alice/ok");
    assertThat(counter("midge.acl.denied", "action", "publish")).isEqualTo(2);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(value = MqttVersion.class, names = {"V3_1_1", "V5"})
  @DisplayName("MQTT-3.3.4-7 (5.0): a QoS 2 PUBLISH not allowed gets PUBREC 0x87 and its flow"
      + " ends; MQTT 3.1.1 gets PUBREC, then PUBCOMP for its PUBREL; not delivered either way")
  void publishQos2_whenNotAllowed_thenPubrecNotAuthorized(MqttVersion version) {
    startBroker(aclConfig());
    RawMqttConnection admin = observer(version);
    RawMqttConnection bob = as(version, "b1", "bob");

    bob.send(publish("alice/x", MqttQos.EXACTLY_ONCE, 7, "no"));
    Pubrec rec = bob.expect(Pubrec.class, WAIT);

    if (version.isV5()) {
      assertThat(rec.reasonCode()).isEqualTo(PubrecReasonCode.NOT_AUTHORIZED);
    } else {
      bob.send(new Pubrel(7));
      assertThat(bob.expect(Pubcomp.class, WAIT).packetId()).isEqualTo(7);
    }
    assertThat(drain(admin)).isEmpty();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(value = MqttVersion.class, names = {"V3_1_1", "V5"})
  @DisplayName("Delivery: each subscriber gets only the messages the ACL lets it read (a deny rule"
      + " inside a granted wildcard), retained messages on subscribing included")
  void deliver_whenSubscriberMayNotReadATopic_thenThatMessageNotDelivered(MqttVersion version) {
    startBroker(aclConfig());
    RawMqttConnection admin = as(version, "admin", "admin");
    publishFully(admin, retained("alice/secret", MqttQos.AT_LEAST_ONCE, 1, "r-secret"));
    publishFully(admin, retained("alice/ok", MqttQos.AT_LEAST_ONCE, 2, "r-ok"));

    RawMqttConnection alice = as(version, "a1", "alice");
    alice.subscribe(1, "alice/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection bob = as(version, "b1", "bob");
    bob.subscribe(1, "alice/#", MqttQos.AT_LEAST_ONCE);
    assertThat(payloads(drain(alice))).as("retained, alice").containsExactly("r-ok");
    assertThat(payloads(drain(bob))).as("retained, bob").containsExactly("r-secret", "r-ok");

    publishFully(admin, publish("alice/secret", MqttQos.AT_LEAST_ONCE, 3, "secret"));
    publishFully(admin, publish("alice/news", MqttQos.AT_LEAST_ONCE, 4, "news"));

    assertThat(payloads(drain(alice))).containsExactly("news");
    assertThat(payloads(drain(bob))).containsExactly("secret", "news");
    assertThat(counter("midge.acl.denied", "action", "deliver")).isEqualTo(2);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(value = MqttVersion.class, names = {"V3_1_1", "V5"})
  @DisplayName("MQTT-3.1.2-8: a will whose topic the client may not write is not published when"
      + " the connection ends abnormally; an allowed one is")
  void will_whenTopicNotAllowed_thenNotPublished(MqttVersion version) {
    startBroker(aclConfig());
    RawMqttConnection admin = observer(version);
    RawMqttConnection denied = client(login(version, "w1", "alice",
        new Will("bob/will", bytes("no"), MqttQos.AT_LEAST_ONCE, false)));
    RawMqttConnection allowed = client(login(version, "w2", "alice",
        new Will("alice/will", bytes("yes"), MqttQos.AT_LEAST_ONCE, false)));

    denied.abort();
    allowed.abort();

    await().atMost(WAIT).until(() -> counter("midge.acl.denied", "action", "will") == 1);
    assertThat(topics(drain(admin))).containsExactly("alice/will");
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(value = MqttVersion.class, names = {"V3_1_1", "V5"})
  @DisplayName("Anonymous clients get the rules before the first user line: read public/#, write"
      + " nothing")
  void anonymous_whenTopLines_thenReadOnlyPublic(MqttVersion version) {
    startBroker(aclConfig());
    RawMqttConnection admin = observer(version);
    RawMqttConnection anon = as(version, "anon", null);

    assertThat(anon.subscribe(1, "public/#", MqttQos.AT_LEAST_ONCE).reasonCodes())
        .containsExactly(SubackReasonCode.GRANTED_QOS_1);
    anon.send(publish("public/x", MqttQos.AT_LEAST_ONCE, 1, "no"));
    anon.expect(Puback.class, WAIT);
    publishFully(as(version, "admin-pub", "admin"),
        publish("public/y", MqttQos.AT_LEAST_ONCE, 2, "yes"));

    List<Publish> got = drain(anon);
    assertThat(topics(got)).containsExactly("public/y");
    assertThat(topics(drain(admin))).containsExactly("public/y");
  }
}
