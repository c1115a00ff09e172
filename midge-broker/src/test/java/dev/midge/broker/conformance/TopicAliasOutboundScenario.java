package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.SubackReasonCode;
import dev.midge.testkit.RawMqttConnection;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * MQTT 5 Topic Aliases from broker to client (§3.3.2.3.4): with a Topic Alias Maximum in CONNECT,
 * the broker gives topics aliases first come, first served up to that maximum (MQTT-3.3.2-11),
 * sending topic and alias the first time and an empty topic after; topics beyond go in full.
 * Aliases belong to the connection (MQTT-3.3.2-7): messages resent on a new connection carry their
 * full topic or an alias set on that connection. MQTT 5 only.
 */
@DisplayName("Topic aliases, broker to client (MQTT 5 §3.3.2.3.4)")
class TopicAliasOutboundScenario extends ConformanceScenario {
  private static final MqttVersion V5 = MqttVersion.V5;

  @BeforeEach
  void start() {
    startBroker();
  }

  private static Connect connect(String clientId, boolean persistent, int topicAliasMaximum) {
    Properties.Builder props = Properties.builder();
    if (topicAliasMaximum > 0) {
      props.topicAliasMaximum(topicAliasMaximum);
    }
    if (persistent) {
      props.sessionExpiryInterval(300);
    }
    return Connect.builder(V5).clientId(clientId).keepAlive(0).cleanStart(!persistent)
        .properties(props.build()).build();
  }

  private static void assertPublish(Publish p, String topic, @Nullable Integer alias,
      String payload) {
    assertThat(p.topic()).as("topic of %s", p).isEqualTo(topic);
    assertThat(p.properties().topicAlias()).as("topic alias of %s", p).isEqualTo(alias);
    assertThat(text(p.payload())).isEqualTo(payload);
  }

  @Test
  @DisplayName("MQTT-3.3.2-11: aliases first come up to the client's maximum, then full topics")
  void deliver_whenClientAllowsAliases_thenFirstComeUpToMaximum() {
    RawMqttConnection sub = client(connect("out-alias", false, 2));
    assertThat(sub.subscribe(1, "oa/#", MqttQos.AT_MOST_ONCE).reasonCodes())
        .containsExactly(SubackReasonCode.GRANTED_QOS_0);
    RawMqttConnection pub = client(V5, "out-alias-pub");
    for (String t : List.of("oa/a", "oa/a", "oa/b", "oa/c", "oa/c", "oa/b", "oa/a")) {
      publishFully(pub, publish(t, MqttQos.AT_MOST_ONCE, 0, t));
    }
    List<Publish> got = drain(sub);
    assertThat(got).hasSize(7);
    assertPublish(got.get(0), "oa/a", 1, "oa/a");
    assertPublish(got.get(1), "", 1, "oa/a");
    assertPublish(got.get(2), "oa/b", 2, "oa/b");
    assertPublish(got.get(3), "oa/c", null, "oa/c");
    assertPublish(got.get(4), "oa/c", null, "oa/c");
    assertPublish(got.get(5), "", 2, "oa/b");
    assertPublish(got.get(6), "", 1, "oa/a");
  }

  @Test
  @DisplayName("§3.1.2.11.5: no Topic Alias Maximum in CONNECT → no aliases")
  void deliver_whenClientAllowsNoAliases_thenFullTopics() {
    RawMqttConnection sub = subscriber(V5, "no-alias", "na/#", MqttQos.AT_MOST_ONCE);
    RawMqttConnection pub = client(V5, "no-alias-pub");
    publishFully(pub, publish("na/a", MqttQos.AT_MOST_ONCE, 0, "1"));
    publishFully(pub, publish("na/a", MqttQos.AT_MOST_ONCE, 0, "2"));
    List<Publish> got = drain(sub);
    assertThat(topics(got)).containsExactly("na/a", "na/a");
    assertThat(got).allSatisfy(p -> assertThat(p.properties().topicAlias()).isNull());
  }

  @Test
  @DisplayName("MQTT-3.3.2-7, MQTT-4.4.0-1: QoS 1 resent on a new connection sets its alias again")
  void resend_whenReconnected_thenAliasesStartAfresh() {
    RawMqttConnection first = client(connect("alias-resend", true, 5));
    first.subscribe(1, "ar/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(V5, "alias-resend-pub");
    publishFully(pub, publish("ar/t", MqttQos.AT_LEAST_ONCE, 1, "one"));
    publishFully(pub, publish("ar/t", MqttQos.AT_LEAST_ONCE, 2, "two"));
    Publish p1 = first.expect(Publish.class, WAIT);
    Publish p2 = first.expect(Publish.class, WAIT);
    assertPublish(p1, "ar/t", 1, "one");
    assertPublish(p2, "", 1, "two");
    first.close(); // neither acknowledged

    RawMqttConnection second = open(V5);
    assertThat(second.connect(connect("alias-resend", true, 5)).sessionPresent()).isTrue();
    Publish r1 = second.expect(Publish.class, WAIT);
    Publish r2 = second.expect(Publish.class, WAIT);
    assertThat(r1.dup()).isTrue();
    assertThat(r1.packetId()).isEqualTo(p1.packetId());
    assertPublish(r1, "ar/t", 1, "one");
    assertPublish(r2, "", 1, "two");
    second.send(new Puback(r1.packetId()));
    second.send(new Puback(r2.packetId()));
    second.close();

    RawMqttConnection third = open(V5); // now allowing no aliases: nothing resent uses one
    publishFully(pub, publish("ar/t", MqttQos.AT_LEAST_ONCE, 3, "three"));
    assertThat(third.connect(connect("alias-resend", true, 0)).sessionPresent()).isTrue();
    Publish p3 = third.expect(Publish.class, WAIT);
    assertPublish(p3, "ar/t", null, "three");
    third.send(new Puback(p3.packetId()));
  }
}
