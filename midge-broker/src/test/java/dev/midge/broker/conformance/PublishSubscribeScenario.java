package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Pubcomp;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Pubrec;
import dev.midge.codec.packet.Pubrel;
import dev.midge.codec.packet.Suback;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.packet.Unsuback;
import dev.midge.codec.property.Properties;
import dev.midge.codec.property.UserProperty;
import dev.midge.codec.reason.PubackReasonCode;
import dev.midge.codec.reason.PubrecReasonCode;
import dev.midge.codec.reason.SubackReasonCode;
import dev.midge.codec.reason.UnsubackReasonCode;
import dev.midge.testkit.Frame;
import dev.midge.testkit.RawMqttConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * PUBLISH in both directions at QoS 0, 1 and 2 with the exact acknowledgements, SUBSCRIBE and
 * UNSUBSCRIBE with their return codes, topic matching with {@code +}, {@code #} and {@code $}
 * topics, overlapping subscriptions, the RETAIN flag on normal forwarding, QoS 2 duplicates and
 * message order.
 */
@DisplayName("Publish and subscribe: QoS flows, acknowledgements, matching, order")
class PublishSubscribeScenario extends ConformanceScenario {

  @BeforeEach
  void start() {
    startBroker();
  }

  /** The last frame received on {@code c}, as hex. */
  private static String lastHex(RawMqttConnection c) {
    List<Frame> all = c.received();
    return all.get(all.size() - 1).hex();
  }

  // ---- QoS flows ----

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.3.4-1, MQTT-4.3.1-1: QoS 0 is delivered once with DUP 0 and no packet id,"
      + " and the publisher gets no acknowledgement")
  void qos0_whenPublished_thenDeliveredWithoutAcknowledgement(MqttVersion version) {
    RawMqttConnection sub = subscriber(version, "sub", "q0/#", MqttQos.EXACTLY_ONCE);
    RawMqttConnection pub = client(version, "pub");

    pub.send(publish("q0/t", MqttQos.AT_MOST_ONCE, 0, "fire and forget"));

    Publish p = sub.expect(Publish.class, WAIT);
    assertThat(p.qos()).as("no upgrade to the granted QoS 2").isEqualTo(MqttQos.AT_MOST_ONCE);
    assertThat(p.packetId()).isZero();
    assertThat(p.dup()).isFalse();
    assertThat(p.retain()).isFalse();
    assertThat(text(p.payload())).isEqualTo("fire and forget");
    pub.expectNothing(QUIET);
    sub.expectNothing(QUIET);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.3.4-1, MQTT-4.3.2-2 (3.1.1) / MQTT-4.3.2-4 (5.0): QoS 1 is answered with"
      + " PUBACK carrying the PUBLISH's packet id; MQTT-4.3.2-1 (3.1.1) / MQTT-4.3.2-1, MQTT-4.3.2-2"
      + " (5.0): the subscriber gets it with a packet id of the broker's and DUP 0")
  void qos1_whenPublished_thenPubackWithSamePacketIdAndDeliveredAtQos1(MqttVersion version) {
    RawMqttConnection sub = subscriber(version, "sub", "q1/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(version, "pub");

    pub.send(publish("q1/t", MqttQos.AT_LEAST_ONCE, 17, "at least once"));

    Puback ack = pub.expect(Puback.class, WAIT);
    assertThat(ack.packetId()).isEqualTo(17);
    assertThat(ack.reasonCode()).isEqualTo(PubackReasonCode.SUCCESS);
    assertThat(lastHex(pub)).isEqualTo("40 02 00 11");
    Publish p = sub.expect(Publish.class, WAIT);
    assertThat(p.qos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
    assertThat(p.packetId()).isPositive();
    assertThat(p.dup()).isFalse();
    sub.send(new Puback(p.packetId()));
    sub.expectNothing(QUIET); // acknowledged: not sent again
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-4.3.3-2 (3.1.1) / MQTT-4.3.3-8, MQTT-4.3.3-11 (5.0): QoS 2 from the"
      + " publisher goes PUBREC, PUBREL, PUBCOMP with its packet id; MQTT-4.3.3-1 (3.1.1) /"
      + " MQTT-4.3.3-2, MQTT-4.3.3-4 (5.0): to the subscriber PUBLISH, PUBREC, PUBREL, PUBCOMP")
  void qos2_whenPublished_thenFourPartHandshakeBothWaysAndDeliveredOnce(MqttVersion version) {
    RawMqttConnection sub = subscriber(version, "sub", "q2/#", MqttQos.EXACTLY_ONCE);
    RawMqttConnection pub = client(version, "pub");

    pub.send(publish("q2/t", MqttQos.EXACTLY_ONCE, 300, "exactly once"));

    Pubrec rec = pub.expect(Pubrec.class, WAIT);
    assertThat(rec.packetId()).isEqualTo(300);
    assertThat(lastHex(pub)).isEqualTo("50 02 01 2c");
    pub.send(new Pubrel(300));
    assertThat(pub.expect(Pubcomp.class, WAIT).packetId()).isEqualTo(300);
    assertThat(lastHex(pub)).isEqualTo("70 02 01 2c");

    Publish p = sub.expect(Publish.class, WAIT);
    assertThat(p.qos()).isEqualTo(MqttQos.EXACTLY_ONCE);
    assertThat(p.dup()).isFalse();
    sub.send(new Pubrec(p.packetId()));
    Pubrel rel = sub.expect(Pubrel.class, WAIT);
    assertThat(rel.packetId()).isEqualTo(p.packetId());
    assertThat(lastHex(sub)).as("PUBREL flags 0010").startsWith("62 02");
    sub.send(new Pubcomp(p.packetId()));
    sub.expectNothing(QUIET);
  }

  @Test
  @DisplayName("MQTT 5.0 section 3.4.2.1 / 3.5.2.1: with no matching subscriber, PUBACK and"
      + " PUBREC carry 0x10 (No matching subscribers)")
  void noSubscribers_whenMqtt5PublishesQos1AndQos2_thenReasonCode0x10() {
    RawMqttConnection pub = client(MqttVersion.V5, "pub");

    pub.send(publish("nobody/listens", MqttQos.AT_LEAST_ONCE, 17, "hello?"));
    assertThat(pub.expect(Puback.class, WAIT).reasonCode())
        .isEqualTo(PubackReasonCode.NO_MATCHING_SUBSCRIBERS);
    assertThat(lastHex(pub)).isEqualTo("40 03 00 11 10");

    pub.send(publish("nobody/listens", MqttQos.EXACTLY_ONCE, 18, "hello?"));
    assertThat(pub.expect(Pubrec.class, WAIT).reasonCode())
        .isEqualTo(PubrecReasonCode.NO_MATCHING_SUBSCRIBERS);
    pub.send(new Pubrel(18));
    pub.expect(Pubcomp.class, WAIT);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.8.4-6 (3.1.1) / MQTT-3.8.4-8 (5.0): messages go out at the lower of their"
      + " QoS and the granted QoS")
  void publish_whenGrantedQosLower_thenDowngradedNeverUpgraded(MqttVersion version) {
    RawMqttConnection sub0 = subscriber(version, "sub0", "down/t", MqttQos.AT_MOST_ONCE);
    RawMqttConnection sub1 = subscriber(version, "sub1", "down/t", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(version, "pub");

    publishFully(pub, publish("down/t", MqttQos.EXACTLY_ONCE, 1, "qos 2"));
    publishFully(pub, publish("down/t", MqttQos.AT_MOST_ONCE, 0, "qos 0"));

    List<Publish> at0 = drain(sub0);
    List<Publish> at1 = drain(sub1);
    assertThat(payloads(at0)).containsExactly("qos 2", "qos 0");
    assertThat(at0).extracting(Publish::qos)
        .containsExactly(MqttQos.AT_MOST_ONCE, MqttQos.AT_MOST_ONCE);
    assertThat(payloads(at1)).containsExactly("qos 2", "qos 0");
    assertThat(at1).extracting(Publish::qos)
        .containsExactly(MqttQos.AT_LEAST_ONCE, MqttQos.AT_MOST_ONCE);
  }

  // ---- SUBSCRIBE / UNSUBSCRIBE ----

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.8.4-1, MQTT-3.8.4-2, MQTT-3.8.4-4, MQTT-3.8.4-5, MQTT-3.9.3-1 (3.1.1) /"
      + " MQTT-3.8.4-1, MQTT-3.8.4-2, MQTT-3.8.4-5, MQTT-3.8.4-6, MQTT-3.9.3-1 (5.0): one SUBACK"
      + " with the SUBSCRIBE's packet id and a code per filter in order — granted QoS, invalid"
      + " filter 0x80 (5.0: 0x8F), MQTT-4.8.2-2: a share name with + 0x80 (5.0: 0x8F)")
  void suback_whenFiltersMixed_thenReturnCodePerFilterInOrder(MqttVersion version) {
    RawMqttConnection c = client(version, "mixed");

    Suback suback = c.subscribe(7,
        new Subscription("a/b", MqttQos.AT_MOST_ONCE),
        new Subscription("c/+", MqttQos.AT_LEAST_ONCE),
        new Subscription("d/#", MqttQos.EXACTLY_ONCE),
        new Subscription("a/#/b", MqttQos.AT_LEAST_ONCE),   // MQTT-4.7.1-2 (3.1.1): # not last
        new Subscription("x+y/z", MqttQos.AT_LEAST_ONCE),   // MQTT-4.7.1-3 (3.1.1): + not alone
        new Subscription("$share/g+/t", MqttQos.AT_LEAST_ONCE),  // MQTT-4.8.2-2: no + in it
        new Subscription("", MqttQos.AT_MOST_ONCE));        // MQTT-4.7.3-1: at least one char

    SubackReasonCode invalid = version.isV5() ? SubackReasonCode.TOPIC_FILTER_INVALID
        : SubackReasonCode.UNSPECIFIED_ERROR;
    assertThat(suback.packetId()).isEqualTo(7);
    assertThat(suback.reasonCodes()).containsExactly(SubackReasonCode.GRANTED_QOS_0,
        SubackReasonCode.GRANTED_QOS_1, SubackReasonCode.GRANTED_QOS_2, invalid, invalid, invalid,
        invalid);
    if (!version.isV5()) {
      assertThat(lastHex(c)).isEqualTo("90 09 00 07 00 01 02 80 80 80 80");
    }
    // The granted ones took effect, the refused ones did not.
    RawMqttConnection pub = client(version, "pub");
    for (String topic : List.of("a/b", "c/x", "d/e/f", "t", "x+y/z")) {
      publishFully(pub, publish(topic.replace("+", "p"), MqttQos.AT_LEAST_ONCE, 1, topic));
    }
    assertThat(topics(drain(c))).containsExactly("a/b", "c/x", "d/e/f");
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.10.4-1, MQTT-3.10.4-2, MQTT-3.10.4-4, MQTT-3.10.4-5, MQTT-3.10.4-6 (3.1.1;"
      + " 5.0 also MQTT-3.11.3-1): one UNSUBACK with the packet id even for a filter never"
      + " subscribed (5.0: 0x00 and 0x11), and no more messages for the removed filter")
  void unsubscribe_whenOneFilterSubscribedAndOneNot_thenUnsubackAndDeliveryStops(
      MqttVersion version) {
    RawMqttConnection c = client(version, "leaver");
    c.subscribe(1, new Subscription("u/1", MqttQos.AT_LEAST_ONCE),
        new Subscription("u/2", MqttQos.AT_LEAST_ONCE));

    Unsuback unsuback = c.unsubscribe(9, "u/1", "never/subscribed");

    assertThat(unsuback.packetId()).isEqualTo(9);
    if (version.isV5()) {
      assertThat(unsuback.reasonCodes()).containsExactly(UnsubackReasonCode.SUCCESS,
          UnsubackReasonCode.NO_SUBSCRIPTION_EXISTED);
    } else {
      assertThat(lastHex(c)).isEqualTo("b0 02 00 09");
    }
    RawMqttConnection pub = client(version, "pub");
    publishFully(pub, publish("u/1", MqttQos.AT_LEAST_ONCE, 1, "gone"));
    publishFully(pub, publish("u/2", MqttQos.AT_LEAST_ONCE, 2, "kept"));
    assertThat(payloads(drain(c))).containsExactly("kept");
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.8.4-3 (3.1.1) / MQTT-3.8.4-3 (5.0): subscribing again to the same filter"
      + " replaces the subscription (its QoS) rather than adding a second one")
  void subscribe_whenSameFilterAgain_thenReplacedNotDuplicated(MqttVersion version) {
    RawMqttConnection c = client(version, "resubscriber");
    c.subscribe(1, "re/t", MqttQos.AT_MOST_ONCE);
    c.subscribe(2, "re/t", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(version, "pub");

    publishFully(pub, publish("re/t", MqttQos.AT_LEAST_ONCE, 1, "once"));

    List<Publish> got = drain(c);
    assertThat(payloads(got)).containsExactly("once");
    assertThat(got.get(0).qos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
  }

  // ---- matching ----

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-4.7.1-2, MQTT-4.7.1-3 (3.1.1) / MQTT-4.7.1-1, MQTT-4.7.1-2 (5.0),"
      + " MQTT-3.3.2-3: '+' matches exactly one level, '#' any number including the parent")
  void wildcards_whenTopicsPublished_thenMatchedPerLevel(MqttVersion version) {
    RawMqttConnection plus = subscriber(version, "plus", "sport/+/player1", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection hash = subscriber(version, "hash", "sport/tennis/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection twoLevels = subscriber(version, "two", "+/+", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(version, "pub");
    List<String> published = List.of("sport/tennis/player1", "sport/tennis", "sport/chess/player1",
        "sport/tennis/player1/ranking", "sport", "sports/tennis/player1", "/finance");

    int id = 1;
    for (String topic : published) {
      publishFully(pub, publish(topic, MqttQos.AT_LEAST_ONCE, id++, topic));
    }

    assertThat(topics(drain(plus))).containsExactly("sport/tennis/player1", "sport/chess/player1");
    assertThat(topics(drain(hash)))
        .containsExactly("sport/tennis/player1", "sport/tennis", "sport/tennis/player1/ranking");
    assertThat(topics(drain(twoLevels))).containsExactly("sport/tennis", "/finance");
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-4.7.2-1: filters starting with a wildcard do not match topics starting with"
      + " '$'; '$SYS/#' does")
  void dollarTopics_whenPublished_thenNotMatchedByLeadingWildcards(MqttVersion version) {
    RawMqttConnection all = subscriber(version, "all", "#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection plus = subscriber(version, "plus", "+/info", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection sys = subscriber(version, "sys", "$SYS/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(version, "pub");

    publishFully(pub, publish("$SYS/info", MqttQos.AT_LEAST_ONCE, 1, "a"));
    publishFully(pub, publish("$SYS/broker/load", MqttQos.AT_LEAST_ONCE, 2, "b"));
    publishFully(pub, publish("plain/info", MqttQos.AT_LEAST_ONCE, 3, "c"));

    assertThat(topics(drain(all))).containsExactly("plain/info");
    assertThat(topics(drain(plus))).containsExactly("plain/info");
    // The broker's own $SYS events (a client connecting: $SYS/broker/clients/{id}/connected)
    // match '$SYS/#' too; only what the test published is checked.
    assertThat(topics(drain(sys))).filteredOn(t -> !t.startsWith("$SYS/broker/clients/"))
        .containsExactly("$SYS/info", "$SYS/broker/load");
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.3.5-1 (3.1.1) / MQTT-3.3.4-2 (5.0): overlapping subscriptions of one"
      + " client get the message once, at the highest QoS among them")
  void overlappingSubscriptions_whenMessageMatchesSeveral_thenDeliveredOnceAtMaximumQos(
      MqttVersion version) {
    RawMqttConnection c = client(version, "overlapping");
    c.subscribe(1, new Subscription("o/#", MqttQos.AT_LEAST_ONCE),
        new Subscription("o/+", MqttQos.EXACTLY_ONCE), new Subscription("o/a", MqttQos.AT_MOST_ONCE));
    RawMqttConnection pub = client(version, "pub");

    publishFully(pub, publish("o/a", MqttQos.EXACTLY_ONCE, 1, "three filters"));
    publishFully(pub, publish("o/a/b", MqttQos.EXACTLY_ONCE, 2, "one filter"));

    List<Publish> got = drain(c);
    assertThat(payloads(got)).containsExactly("three filters", "one filter");
    assertThat(got).extracting(Publish::qos)
        .containsExactly(MqttQos.EXACTLY_ONCE, MqttQos.AT_LEAST_ONCE);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.3.1-9 (3.1.1) / MQTT-3.3.1-12 (5.0): a retained message forwarded to an"
      + " established subscription has RETAIN 0")
  void retainedPublish_whenForwardedToEstablishedSubscription_thenRetainFlagZero(
      MqttVersion version) {
    RawMqttConnection sub = subscriber(version, "sub", "r/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(version, "pub");

    publishFully(pub, retained("r/state", MqttQos.AT_LEAST_ONCE, 1, "on"));

    Publish p = sub.expect(Publish.class, WAIT);
    assertThat(p.retain()).isFalse();
    acknowledge(sub, p);
  }

  // ---- QoS 2 duplicates and order ----

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-4.3.3-2 (3.1.1) / MQTT-4.3.3-10, MQTT-4.3.3-12 (5.0), MQTT-3.3.1-3: a QoS 2"
      + " PUBLISH sent again with DUP 1 before PUBREL is acknowledged but not delivered twice;"
      + " after PUBCOMP the same packet id is a new message")
  void qos2Duplicate_whenResentBeforePubrel_thenDeliveredOnce(MqttVersion version) {
    RawMqttConnection sub = subscriber(version, "sub", "dup/#", MqttQos.EXACTLY_ONCE);
    RawMqttConnection pub = client(version, "pub");
    Publish first = publish("dup/t", MqttQos.EXACTLY_ONCE, 5, "first");

    pub.send(first);
    assertThat(pub.expect(Pubrec.class, WAIT).packetId()).isEqualTo(5);
    pub.send(first.withDup(true));
    assertThat(pub.expect(Pubrec.class, WAIT).packetId()).isEqualTo(5);
    pub.send(new Pubrel(5));
    assertThat(pub.expect(Pubcomp.class, WAIT).packetId()).isEqualTo(5);
    publishFully(pub, publish("dup/t", MqttQos.EXACTLY_ONCE, 5, "second"));

    List<Publish> got = drain(sub);
    assertThat(payloads(got)).containsExactly("first", "second");
    assertThat(got).allSatisfy(p -> assertThat(p.dup()).as("DUP is not propagated").isFalse());
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-4.6.0-6 (3.1.1) / MQTT-4.6.0-5 (5.0): messages of one topic and QoS from one"
      + " client reach a subscriber in the order published")
  void manyMessages_whenPublishedBackToBack_thenDeliveredInOrder(MqttVersion version) {
    RawMqttConnection sub = subscriber(version, "sub", "order/#", MqttQos.EXACTLY_ONCE);
    RawMqttConnection pub = client(version, "pub");
    List<String> sent = new ArrayList<>();
    for (MqttQos qos : MqttQos.values()) {
      for (int i = 1; i <= 40; i++) {
        String payload = qos.value() + "-" + i;
        sent.add(payload);
        pub.send(publish("order/" + qos.value(), qos, i, payload)); // back to back, unacknowledged
      }
    }
    // The publisher's acknowledgements, in order too (QoS 2: every PUBREC, then PUBREL and PUBCOMP).
    for (int i = 1; i <= 40; i++) {
      assertThat(pub.expect(Puback.class, WAIT).packetId()).isEqualTo(i);
    }
    for (int i = 1; i <= 40; i++) {
      assertThat(pub.expect(Pubrec.class, WAIT).packetId()).isEqualTo(i);
    }
    for (int i = 1; i <= 40; i++) {
      pub.send(new Pubrel(i));
    }
    for (int i = 1; i <= 40; i++) {
      assertThat(pub.expect(Pubcomp.class, WAIT).packetId()).isEqualTo(i);
    }

    List<Publish> got = drain(sub);
    for (MqttQos qos : MqttQos.values()) {
      assertThat(got.stream().filter(p -> p.topic().equals("order/" + qos.value()))
          .map(p -> text(p.payload())).toList())
          .as("QoS %d in order", qos.value())
          .containsExactlyElementsOf(
              IntStream.rangeClosed(1, 40).mapToObj(i -> qos.value() + "-" + i).toList());
    }
    assertThat(got).hasSize(sent.size());
  }

  // ---- versions side by side ----

  @ParameterizedTest(name = "publisher MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.3.2-17 (5.0): one message reaches subscribers of every version, each in"
      + " its own encoding; user properties reach MQTT 5 subscribers unaltered")
  void publish_whenSubscribersSpeakEveryVersion_thenEachGetsItInItsOwnEncoding(
      MqttVersion publisherVersion) {
    RawMqttConnection sub31 = subscriber(MqttVersion.V3_1, "sub31", "mix/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection sub311 = subscriber(MqttVersion.V3_1_1, "sub311", "mix/#",
        MqttQos.AT_LEAST_ONCE);
    RawMqttConnection sub5 = subscriber(MqttVersion.V5, "sub5", "mix/#", MqttQos.AT_LEAST_ONCE);
    RawMqttConnection pub = client(publisherVersion, "pub");
    Properties props = publisherVersion.isV5()
        ? Properties.builder().userProperty("k", "v").userProperty("k", "w").build()
        : Properties.EMPTY;

    publishFully(pub, publish("mix/t", MqttQos.AT_LEAST_ONCE, 1, "for all").withProperties(props));

    for (RawMqttConnection sub : List.of(sub31, sub311, sub5)) {
      Publish p = sub.expect(Publish.class, WAIT);
      assertThat(text(p.payload())).isEqualTo("for all");
      if (sub == sub5 && publisherVersion.isV5()) {
        assertThat(p.properties().userProperties())
            .containsExactly(new UserProperty("k", "v"), new UserProperty("k", "w"));
      } else {
        assertThat(p.properties().userProperties()).isEmpty();
      }
      acknowledge(sub, p);
    }
  }
}
