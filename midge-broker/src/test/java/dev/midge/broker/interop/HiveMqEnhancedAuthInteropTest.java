package dev.midge.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.datatypes.MqttUtf8String;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientConfig;
import com.hivemq.client.mqtt.mqtt5.auth.Mqtt5EnhancedAuthMechanism;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5Auth;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5AuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5EnhancedAuth;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5EnhancedAuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5Connect;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5Disconnect;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.midge.broker.auth.scram.ScramClient;
import dev.midge.broker.auth.scram.ScramCredentialStore;
import dev.midge.broker.auth.scram.ScramCredentials;
import dev.midge.broker.auth.scram.ScramSha256Mechanism;
import dev.midge.broker.config.BrokerConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The HiveMQ MQTT client's enhanced authentication ({@link Mqtt5EnhancedAuthMechanism}) doing
 * SCRAM-SHA-256 against Midge's {@link ScramSha256Mechanism}: the client side is {@link
 * ScramClient}, on javax.crypto. CONNECT, AUTH 0x18 both ways, CONNACK with the server signature
 * the client verifies; re-authentication with {@code reauth()} while messages flow; a wrong
 * password and an unknown user refused with CONNACK 0x86.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HiveMqEnhancedAuthInteropTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String PASSWORD = "correct horse battery staple";

  @RegisterExtension
  final InteropBroker broker = InteropBroker.started("scram", BrokerConfig.defaults(),
      builder -> builder.enhancedAuthentication(new ScramSha256Mechanism(users())));
  private final InteropClients clients = new InteropClients(broker);

  /** alice, whose password is {@link #PASSWORD}, and bob. */
  private static ScramCredentialStore users() {
    return ScramCredentialStore.of(Map.of(
        "alice", ScramCredentials.fromPassword(PASSWORD),
        "bob", ScramCredentials.fromPassword("another password")));
  }

  /** SCRAM-SHA-256 for the HiveMQ client, recording what happened. */
  private static final class Scram implements Mqtt5EnhancedAuthMechanism {
    private final String username;
    private final String password;
    private ScramClient exchange;
    final List<String> events = new CopyOnWriteArrayList<>();
    volatile Mqtt5ConnAck rejectedWith;

    Scram(String username, String password) {
      this.username = username;
      this.password = password;
    }

    @Override
    public MqttUtf8String getMethod() {
      return MqttUtf8String.of(ScramSha256Mechanism.METHOD);
    }

    @Override
    public int getTimeout() {
      return 10;
    }

    @Override
    public CompletableFuture<Void> onAuth(Mqtt5ClientConfig config, Mqtt5Connect connect,
        Mqtt5EnhancedAuthBuilder builder) {
      exchange = new ScramClient(username, password);
      builder.data(bytes(exchange.clientFirst()));
      events.add("auth");
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> onReAuth(Mqtt5ClientConfig config, Mqtt5AuthBuilder builder) {
      exchange = new ScramClient(username, password);
      builder.data(bytes(exchange.clientFirst()));
      events.add("reauth");
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Boolean> onContinue(Mqtt5ClientConfig config, Mqtt5Auth auth,
        Mqtt5AuthBuilder builder) {
      builder.data(bytes(exchange.clientFinal(text(auth.getData()))));
      events.add("continue");
      return CompletableFuture.completedFuture(true);
    }

    @Override
    public CompletableFuture<Boolean> onAuthSuccess(Mqtt5ClientConfig config,
        Mqtt5ConnAck connAck) {
      boolean verified = connAck.getEnhancedAuth().map(Mqtt5EnhancedAuth::getData)
          .map(d -> exchange.verifyServerFinal(text(d))).orElse(false);
      events.add("success verified=" + verified);
      return CompletableFuture.completedFuture(verified);
    }

    @Override
    public CompletableFuture<Boolean> onReAuthSuccess(Mqtt5ClientConfig config, Mqtt5Auth auth) {
      boolean verified = exchange.verifyServerFinal(text(auth.getData()));
      events.add("reauth success verified=" + verified);
      return CompletableFuture.completedFuture(verified);
    }

    @Override
    public void onAuthRejected(Mqtt5ClientConfig config, Mqtt5ConnAck connAck) {
      rejectedWith = connAck;
      events.add("rejected " + connAck.getReasonCode());
    }

    @Override
    public void onReAuthRejected(Mqtt5ClientConfig config, Mqtt5Disconnect disconnect) {
      events.add("reauth rejected " + disconnect.getReasonCode());
    }

    @Override
    public void onAuthError(Mqtt5ClientConfig config, Throwable cause) {
      events.add("error " + cause);
    }

    @Override
    public void onReAuthError(Mqtt5ClientConfig config, Throwable cause) {
      events.add("reauth error " + cause);
    }

    private static byte[] bytes(String s) {
      return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Optional<ByteBuffer> data) {
      ByteBuffer b = data.orElseThrow(() -> new IllegalStateException("no data")).duplicate();
      byte[] out = new byte[b.remaining()];
      b.get(out);
      return new String(out, StandardCharsets.UTF_8);
    }
  }

  private Mqtt5BlockingClient client(String id, Scram scram) {
    return clients.hiveMq5(id, broker.port(), builder -> builder.enhancedAuth(scram));
  }

  private double authentications(String phase, String outcome) {
    var c = broker.meters().find("midge.authentications")
        .tags("method", ScramSha256Mechanism.METHOD, "phase", phase, "outcome", outcome).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  @DisplayName("§4.12: SCRAM-SHA-256 with the HiveMQ client: CONNECT, AUTH 0x18 both ways,"
      + " CONNACK 0x00 whose server signature the client verifies; then re-authentication with"
      + " reauth() while messages flow")
  void scram_whenRightPassword_thenConnectedVerifiedAndReauthenticated() throws Exception {
    Scram scram = new Scram("alice", PASSWORD);
    Mqtt5BlockingClient c = client("hivemq-scram", scram);
    Mqtt5BlockingClient.Mqtt5Publishes inbox = c.publishes(MqttGlobalPublishFilter.ALL);

    Mqtt5ConnAck ack = c.connectWith().cleanStart(true).send();

    assertThat(ack.getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
    assertThat(ack.getEnhancedAuth().map(a -> a.getMethod().toString()))
        .contains(ScramSha256Mechanism.METHOD);
    assertThat(scram.events).containsExactly("auth", "continue", "success verified=true");
    assertThat(authentications("connect", "success")).isEqualTo(1);

    c.subscribeWith().topicFilter("scram/#").qos(MqttQos.AT_LEAST_ONCE).send();
    c.publishWith().topic("scram/before").qos(MqttQos.AT_LEAST_ONCE)
        .payload(Scram.bytes("before")).send();

    // The re-authentication and a publish in flight at the same time (MQTT 5 §4.12.1).
    CompletableFuture<Void> reauth = c.toAsync().reauth();
    c.publishWith().topic("scram/during").qos(MqttQos.AT_LEAST_ONCE)
        .payload(Scram.bytes("during")).send();
    reauth.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    c.reauth(); // and once more, blocking
    c.publishWith().topic("scram/after").qos(MqttQos.AT_LEAST_ONCE)
        .payload(Scram.bytes("after")).send();

    List<String> got = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Optional<Mqtt5Publish> p = inbox.receive(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(p).as("message %d", i).isPresent();
      got.add(new String(p.get().getPayloadAsBytes(), StandardCharsets.UTF_8));
    }
    assertThat(got).containsExactly("before", "during", "after");
    assertThat(scram.events).containsSubsequence("reauth", "continue",
        "reauth success verified=true", "reauth", "continue", "reauth success verified=true");
    assertThat(authentications("reauthenticate", "success")).isEqualTo(2);
    assertThat(c.getState().isConnected()).isTrue();
  }

  @Test
  @DisplayName("MQTT-4.12.0-4: a wrong password → CONNACK 0x86 seen by the HiveMQ client")
  void scram_whenWrongPassword_thenConnack0x86() {
    Scram scram = new Scram("alice", "wrong password");
    Mqtt5BlockingClient c = client("hivemq-scram-wrong", scram);

    assertThatThrownBy(() -> c.connectWith().cleanStart(true).send())
        .isInstanceOfSatisfying(Mqtt5ConnAckException.class, e -> assertThat(
            e.getMqttMessage().getReasonCode())
            .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD));
    assertThat(scram.rejectedWith.getReasonCode())
        .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
    assertThat(authentications("connect", "rejected")).isEqualTo(1);
  }

  @Test
  @DisplayName("RFC 5802 §5.1: an unknown user is refused exactly as a wrong password, 0x86")
  void scram_whenUnknownUser_thenConnack0x86() {
    Scram scram = new Scram("mallory", PASSWORD);
    Mqtt5BlockingClient c = client("hivemq-scram-unknown", scram);

    assertThatThrownBy(() -> c.connectWith().cleanStart(true).send())
        .isInstanceOfSatisfying(Mqtt5ConnAckException.class, e -> assertThat(
            e.getMqttMessage().getReasonCode())
            .isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD));
    assertThat(scram.events).containsExactly("auth", "continue",
        "rejected BAD_USER_NAME_OR_PASSWORD");
  }
}
