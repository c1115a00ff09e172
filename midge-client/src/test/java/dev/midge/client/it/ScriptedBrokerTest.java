package dev.midge.client.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.client.ConnectionLostException;
import dev.midge.client.MqttClient;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.Pingreq;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Pubcomp;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Pubrec;
import dev.midge.codec.packet.Pubrel;
import dev.midge.codec.packet.Suback;
import dev.midge.codec.packet.Subscribe;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.ConnackReasonCode;
import dev.midge.codec.reason.DisconnectReasonCode;
import dev.midge.codec.reason.SubackReasonCode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The client against a broker whose answers the test scripts packet by packet. */
class ScriptedBrokerTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private ScriptedBroker broker;
  private MqttClient client;

  @BeforeEach
  void start() throws Exception {
    broker = new ScriptedBroker();
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    broker.close();
  }

  private static Publish publish(String topic, MqttQos qos, boolean dup, int id, String body) {
    return new Publish(topic, qos, false, dup, id, body.getBytes(StandardCharsets.UTF_8),
        Properties.EMPTY);
  }

  @Test
  @DisplayName("MQTT-4.3.3-2 (3.1.1) / MQTT-4.3.3-9 (5.0): a QoS 2 message redelivered before"
      + " PUBREL gets PUBREC again but is delivered once")
  void qos2Inbound_whenRedeliveredBeforePubrel_thenPubrecAgainButDeliveredOnce()
      throws Exception {
    Recorder rec = new Recorder();
    client = MqttClient.builder().port(broker.port()).build();
    CompletableFuture<?> connected = client.connect();
    broker.next(Connect.class, WAIT);
    broker.send(new Connack(false, ConnackReasonCode.SUCCESS));
    connected.get(10, TimeUnit.SECONDS);
    client.subscribe("q2", MqttQos.EXACTLY_ONCE, rec);
    int subId = ((Subscribe) broker.next(Subscribe.class, WAIT).packet()).packetId();
    broker.send(new Suback(subId, List.of(SubackReasonCode.GRANTED_QOS_2), Properties.EMPTY));

    broker.send(publish("q2", MqttQos.EXACTLY_ONCE, false, 7, "once"));
    assertThat(((Pubrec) broker.next(Pubrec.class, WAIT).packet()).packetId()).isEqualTo(7);
    broker.send(publish("q2", MqttQos.EXACTLY_ONCE, true, 7, "once"));
    assertThat(((Pubrec) broker.next(Pubrec.class, WAIT).packet()).packetId()).isEqualTo(7);
    broker.send(new Pubrel(7));
    assertThat(((Pubcomp) broker.next(Pubcomp.class, WAIT).packet()).packetId()).isEqualTo(7);
    // after PUBREL the identifier is free: the same id is a new message
    broker.send(publish("q2", MqttQos.EXACTLY_ONCE, false, 7, "again"));
    broker.next(Pubrec.class, WAIT);
    await().atMost(WAIT).until(() -> rec.messages.size() == 2);
    assertThat(rec.payloads()).containsExactly("once", "again");
  }

  @Test
  @DisplayName("MQTT-4.4.0-1: with the session present, unacknowledged PUBLISH is resent with DUP"
      + " and the same id, and PUBREL is resent")
  void resend_whenReconnectedWithSessionPresent_thenPublishWithDupAndPubrelAgain()
      throws Exception {
    client = MqttClient.builder().port(broker.port()).clientId("resender").cleanStart(false)
        .reconnectDelay(Duration.ofMillis(10), Duration.ofMillis(50)).build();
    CompletableFuture<?> connected = client.connect();
    broker.next(Connect.class, WAIT);
    broker.send(new Connack(false, ConnackReasonCode.SUCCESS));
    connected.get(10, TimeUnit.SECONDS);

    CompletableFuture<Void> q1 = client.publish("a", "one", MqttQos.AT_LEAST_ONCE, false);
    CompletableFuture<Void> q2 = client.publish("b", "two", MqttQos.EXACTLY_ONCE, false);
    Publish p1 = (Publish) broker.next(Publish.class, WAIT).packet();
    Publish p2 = (Publish) broker.next(Publish.class, WAIT).packet();
    assertThat(p1.dup()).isFalse();
    broker.send(new Pubrec(p2.packetId()));
    broker.next(Pubrel.class, WAIT);
    broker.drop(); // neither PUBACK nor PUBCOMP came

    Connect again = (Connect) broker.next(Connect.class, WAIT).packet();
    assertThat(again.cleanStart()).isFalse();
    broker.send(new Connack(true, ConnackReasonCode.SUCCESS));
    Publish resent = (Publish) broker.next(Publish.class, WAIT).packet();
    assertThat(resent.dup()).isTrue();
    assertThat(resent.packetId()).isEqualTo(p1.packetId());
    assertThat(resent.topic()).isEqualTo("a");
    Pubrel pubrel = (Pubrel) broker.next(Pubrel.class, WAIT).packet();
    assertThat(pubrel.packetId()).isEqualTo(p2.packetId());
    assertThat(q1).isNotDone();
    broker.send(new Puback(p1.packetId()));
    broker.send(new Pubcomp(p2.packetId()));
    CompletableFuture.allOf(q1, q2).get(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("MQTT 5.0 Server Keep Alive: the client pings at the broker's interval, not its own")
  void keepAlive_whenServerKeepAliveSent_thenClientUsesIt() throws Exception {
    client = MqttClient.builder().port(broker.port()).version(MqttVersion.V5)
        .keepAlive(Duration.ofSeconds(60)).build();
    CompletableFuture<?> connected = client.connect();
    Connect c = (Connect) broker.next(Connect.class, WAIT).packet();
    assertThat(c.keepAlive()).isEqualTo(60);
    long start = System.nanoTime();
    broker.send(new Connack(false, ConnackReasonCode.SUCCESS,
        Properties.builder().serverKeepAlive(1).build()));
    connected.get(10, TimeUnit.SECONDS);
    ScriptedBroker.Received ping = broker.next(Pingreq.class, WAIT);
    assertThat((ping.nanos() - start) / 1_000_000).isBetween(800L, 5_000L);
  }

  @Test
  void lost_whenBrokerSendsDisconnect_thenReasonReported() throws Exception {
    Recorder rec = new Recorder();
    client = MqttClient.builder().port(broker.port()).version(MqttVersion.V5)
        .automaticReconnect(false).connectionListener(rec).build();
    CompletableFuture<?> connected = client.connect();
    broker.next(Connect.class, WAIT);
    broker.send(new Connack(false, ConnackReasonCode.SUCCESS));
    connected.get(10, TimeUnit.SECONDS);
    broker.send(new Disconnect(DisconnectReasonCode.SERVER_SHUTTING_DOWN));
    await().atMost(WAIT).until(() -> !rec.events("lost").isEmpty());
    assertThat(rec.events("lost").get(0).detail()).isInstanceOf(ConnectionLostException.class)
        .asString().contains("SERVER_SHUTTING_DOWN");
    assertThat(rec.events("reconnecting")).isEmpty();
  }
}
