package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.RetainHandling;
import dev.midge.codec.packet.Subscription;
import dev.midge.testkit.RawMqttConnection;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Retained messages: set, replaced, cleared by an empty payload, sent to new subscriptions with
 * RETAIN 1 at the lower of their QoS and the granted QoS, and (MQTT 5) the Retain Handling and
 * Retain As Published options.
 */
@DisplayName("Retained messages: set, replace, clear, deliver on subscribe")
class RetainedScenario extends ConformanceScenario {
  private RawMqttConnection publisher;

  @BeforeEach
  void start() {
    startBroker();
  }

  private RawMqttConnection publisher(MqttVersion version) {
    if (publisher == null) {
      publisher = client(version, "publisher");
    }
    return publisher;
  }

  /** A new client subscribing to {@code filter} at {@code qos}: what it gets right away. */
  private List<Publish> newSubscriberGets(MqttVersion version, String id, String filter,
      MqttQos qos) {
    RawMqttConnection s = client(version, id);
    s.subscribe(1, filter, qos);
    return drain(s);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.3.1-5, MQTT-3.3.1-6, MQTT-3.3.1-8 (3.1.1) / MQTT-3.3.1-5, MQTT-3.3.1-9"
      + " (5.0): a retained message is stored with its QoS and sent to a new subscription with"
      + " RETAIN 1")
  void retained_whenNewSubscription_thenSentWithRetainOne(MqttVersion version) {
    publishFully(publisher(version), retained("r/lamp", MqttQos.AT_LEAST_ONCE, 1, "on"));

    List<Publish> got = newSubscriberGets(version, "newcomer", "r/lamp", MqttQos.EXACTLY_ONCE);

    assertThat(got).hasSize(1);
    Publish p = got.get(0);
    assertThat(text(p.payload())).isEqualTo("on");
    assertThat(p.retain()).isTrue();
    assertThat(p.qos()).as("its own QoS, below the granted 2").isEqualTo(MqttQos.AT_LEAST_ONCE);
    assertThat(p.dup()).isFalse();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.3.1-5: a new retained message replaces the previous one of its topic")
  void retained_whenPublishedAgain_thenReplaced(MqttVersion version) {
    publishFully(publisher(version), retained("r/lamp", MqttQos.AT_LEAST_ONCE, 1, "on"));
    publishFully(publisher(version), retained("r/lamp", MqttQos.AT_LEAST_ONCE, 2, "off"));

    assertThat(payloads(newSubscriberGets(version, "newcomer", "r/#", MqttQos.AT_LEAST_ONCE)))
        .containsExactly("off");
    assertThat(broker.services().retained().size()).isEqualTo(1);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.3.1-10, MQTT-3.3.1-11 (3.1.1) / MQTT-3.3.1-6, MQTT-3.3.1-7 (5.0): a"
      + " retained PUBLISH with an empty payload goes to existing subscribers as normal (RETAIN"
      + " 0), removes the retained message and is not stored itself")
  void emptyRetained_whenPublished_thenClearsAndIsDeliveredAsNormal(MqttVersion version) {
    publishFully(publisher(version), retained("r/lamp", MqttQos.AT_LEAST_ONCE, 1, "on"));
    RawMqttConnection existing = client(version, "existing");
    existing.subscribe(1, "r/lamp", MqttQos.AT_LEAST_ONCE);
    assertThat(payloads(drain(existing))).containsExactly("on");

    publishFully(publisher(version), retained("r/lamp", MqttQos.AT_LEAST_ONCE, 2, ""));

    List<Publish> normal = drain(existing);
    assertThat(normal).hasSize(1);
    assertThat(normal.get(0).payload()).isEmpty();
    assertThat(normal.get(0).retain()).isFalse();
    assertThat(newSubscriberGets(version, "newcomer", "r/#", MqttQos.AT_LEAST_ONCE)).isEmpty();
    assertThat(broker.services().retained().size()).isZero();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.3.1-12 (3.1.1) / MQTT-3.3.1-8 (5.0): a PUBLISH with RETAIN 0 neither"
      + " stores nor replaces nor removes the retained message")
  void nonRetained_whenPublished_thenRetainedMessageUntouched(MqttVersion version) {
    publishFully(publisher(version), retained("r/lamp", MqttQos.AT_LEAST_ONCE, 1, "on"));
    publishFully(publisher(version), publish("r/lamp", MqttQos.AT_LEAST_ONCE, 2, "flicker"));
    publishFully(publisher(version), publish("r/lamp", MqttQos.AT_LEAST_ONCE, 3, ""));
    publishFully(publisher(version), publish("r/other", MqttQos.AT_LEAST_ONCE, 4, "x"));

    assertThat(payloads(newSubscriberGets(version, "newcomer", "r/#", MqttQos.AT_LEAST_ONCE)))
        .containsExactly("on");
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.3.1-7 (3.1.1): a retained QoS 0 message replaces a retained QoS 1 one")
  void retainedQos0_whenPublished_thenReplacesEarlierQos1(MqttVersion version) {
    publishFully(publisher(version), retained("r/lamp", MqttQos.AT_LEAST_ONCE, 1, "qos 1"));
    publishFully(publisher(version), retained("r/lamp", MqttQos.AT_MOST_ONCE, 0, "qos 0"));

    List<Publish> got = newSubscriberGets(version, "newcomer", "r/lamp", MqttQos.EXACTLY_ONCE);
    assertThat(payloads(got)).containsExactly("qos 0");
    assertThat(got.get(0).qos()).isEqualTo(MqttQos.AT_MOST_ONCE);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.8.4-6 (3.1.1) / MQTT-3.8.4-8 (5.0): retained messages go out at the lower"
      + " of their QoS and the granted QoS")
  void retained_whenGrantedQosLower_thenDowngraded(MqttVersion version) {
    publishFully(publisher(version), retained("r/two", MqttQos.EXACTLY_ONCE, 1, "qos 2"));

    List<Publish> got = newSubscriberGets(version, "newcomer", "r/two", MqttQos.AT_LEAST_ONCE);

    assertThat(got).hasSize(1);
    assertThat(got.get(0).qos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
    assertThat(got.get(0).retain()).isTrue();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.3.1-6 (3.1.1), MQTT-4.7.2-1: a wildcard subscription gets every matching"
      + " retained message, none of a '$' topic")
  void retained_whenWildcardSubscription_thenEveryMatchButDollarTopics(MqttVersion version) {
    RawMqttConnection pub = publisher(version);
    publishFully(pub, retained("home/kitchen/temp", MqttQos.AT_MOST_ONCE, 0, "21"));
    publishFully(pub, retained("home/hall/temp", MqttQos.AT_MOST_ONCE, 0, "19"));
    publishFully(pub, retained("home/hall/light", MqttQos.AT_MOST_ONCE, 0, "on"));
    publishFully(pub, retained("$SYS/uptime", MqttQos.AT_MOST_ONCE, 0, "42"));

    assertThat(topics(newSubscriberGets(version, "plus", "home/+/temp", MqttQos.AT_MOST_ONCE)))
        .containsExactlyInAnyOrder("home/kitchen/temp", "home/hall/temp");
    assertThat(topics(newSubscriberGets(version, "all", "#", MqttQos.AT_MOST_ONCE)))
        .containsExactlyInAnyOrder("home/kitchen/temp", "home/hall/temp", "home/hall/light");
    assertThat(topics(newSubscriberGets(version, "sys", "$SYS/#", MqttQos.AT_MOST_ONCE)))
        .containsExactly("$SYS/uptime");
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.8.4-3 (3.1.1) / MQTT-3.8.4-4 (5.0): subscribing again to the same filter"
      + " re-sends the retained messages")
  void retained_whenSameFilterSubscribedAgain_thenResent(MqttVersion version) {
    publishFully(publisher(version), retained("r/lamp", MqttQos.AT_LEAST_ONCE, 1, "on"));
    RawMqttConnection s = client(version, "twice");
    s.subscribe(1, "r/lamp", MqttQos.AT_LEAST_ONCE);
    assertThat(payloads(drain(s))).containsExactly("on");

    s.subscribe(2, "r/lamp", MqttQos.AT_LEAST_ONCE);

    List<Publish> again = drain(s);
    assertThat(payloads(again)).containsExactly("on");
    assertThat(again.get(0).retain()).isTrue();
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.1.2-7 (3.1.1): retained messages are not session state — they outlive"
      + " the publisher's session")
  void retained_whenPublisherSessionEnds_thenStillRetained(MqttVersion version) {
    RawMqttConnection pub = publisher(version);
    publishFully(pub, retained("r/lamp", MqttQos.AT_LEAST_ONCE, 1, "on"));
    pub.disconnect();
    pub.expectClosed(WAIT);

    assertThat(payloads(newSubscriberGets(version, "newcomer", "r/lamp", MqttQos.AT_LEAST_ONCE)))
        .containsExactly("on");
  }

  // ---- MQTT 5 subscription options ----

  @Test
  @DisplayName("MQTT-3.3.1-9, MQTT-3.3.1-10, MQTT-3.3.1-11 (5.0): Retain Handling 0 sends the"
      + " retained messages on every subscribe, 1 only for a new subscription, 2 never")
  void retainHandling_whenMqtt5_thenSentAsTheOptionSays() {
    publishFully(publisher(MqttVersion.V5), retained("r/lamp", MqttQos.AT_LEAST_ONCE, 1, "on"));
    RawMqttConnection s = client(MqttVersion.V5, "options");

    s.subscribe(1, new Subscription("r/lamp", MqttQos.AT_LEAST_ONCE, false, false,
        RetainHandling.SEND_IF_NEW_SUBSCRIPTION));
    assertThat(payloads(drain(s))).as("1, new subscription").containsExactly("on");
    s.subscribe(2, new Subscription("r/lamp", MqttQos.AT_LEAST_ONCE, false, false,
        RetainHandling.SEND_IF_NEW_SUBSCRIPTION));
    assertThat(drain(s)).as("1, existing subscription").isEmpty();
    s.subscribe(3, new Subscription("r/+", MqttQos.AT_LEAST_ONCE, false, false,
        RetainHandling.DO_NOT_SEND));
    assertThat(drain(s)).as("2").isEmpty();
    s.subscribe(4, new Subscription("r/lamp", MqttQos.AT_LEAST_ONCE, false, false,
        RetainHandling.SEND_ON_SUBSCRIBE));
    assertThat(payloads(drain(s))).as("0, existing subscription").containsExactly("on");
  }

  @Test
  @DisplayName("MQTT-3.3.1-12, MQTT-3.3.1-13 (5.0): with Retain As Published a forwarded message"
      + " keeps the RETAIN flag it was published with; without it, RETAIN is 0")
  void retainAsPublished_whenMqtt5_thenRetainFlagKept() {
    RawMqttConnection keeps = client(MqttVersion.V5, "keeps");
    keeps.subscribe(1, new Subscription("rap/#", MqttQos.AT_LEAST_ONCE, false, true,
        RetainHandling.SEND_ON_SUBSCRIBE));
    RawMqttConnection clears = subscriber(MqttVersion.V5, "clears", "rap/#", MqttQos.AT_LEAST_ONCE);

    publishFully(publisher(MqttVersion.V5), retained("rap/t", MqttQos.AT_LEAST_ONCE, 1, "r"));
    publishFully(publisher(MqttVersion.V5), publish("rap/t", MqttQos.AT_LEAST_ONCE, 2, "n"));

    assertThat(drain(keeps)).extracting(Publish::retain).containsExactly(true, false);
    assertThat(drain(clears)).extracting(Publish::retain).containsExactly(false, false);
  }
}
