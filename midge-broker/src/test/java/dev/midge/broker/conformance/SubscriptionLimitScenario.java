package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.broker.config.LimitsConfig;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.reason.SubackReasonCode;
import dev.midge.testkit.RawMqttConnection;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * limits.max-subscriptions-per-client: a filter that would be one more than the session may hold
 * gets SUBACK 0x97 Quota exceeded (MQTT 5), 0x80 Failure (MQTT 3.x), that filter alone; counted in
 * {@code midge.limits.reached{limit=max-subscriptions-per-client}}.
 */
@DisplayName("Limits: max-subscriptions-per-client")
class SubscriptionLimitScenario extends ConformanceScenario {
  private static final int MAX = 2;

  private void start() {
    startBroker(config(LimitsConfig.DEFAULTS.withMaxSubscriptionsPerClient(MAX)));
  }

  private static SubackReasonCode quotaExceeded(MqttVersion version) {
    return version.isV5() ? SubackReasonCode.QUOTA_EXCEEDED : SubackReasonCode.UNSPECIFIED_ERROR;
  }

  private double limitReached() {
    return counter("midge.limits.reached", "limit", "max-subscriptions-per-client");
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.8.4-6, MQTT-3.9.3-1 (5.0) / MQTT-3.8.4-5, MQTT-3.9.3-2 (3.1.1): a filter"
      + " beyond limits.max-subscriptions-per-client gets SUBACK 0x97 Quota exceeded (3.x: 0x80"
      + " Failure) in its place among the codes, the others of the packet are granted, and no"
      + " message reaches the refused filter")
  void subscribe_whenBeyondLimit_thenQuotaExceededForThatFilter(MqttVersion version) {
    start();
    RawMqttConnection c = client(version, "many");

    var suback = c.subscribe(1, new Subscription("a", MqttQos.AT_LEAST_ONCE),
        new Subscription("b", MqttQos.AT_MOST_ONCE), new Subscription("c", MqttQos.AT_LEAST_ONCE));

    assertThat(suback.reasonCodes()).containsExactly(SubackReasonCode.GRANTED_QOS_1,
        SubackReasonCode.GRANTED_QOS_0, quotaExceeded(version));
    assertThat(limitReached()).isEqualTo(1);
    RawMqttConnection pub = client(version, "publisher");
    publishFully(pub, publish("c", MqttQos.AT_MOST_ONCE, 0, "to nobody"));
    publishFully(pub, publish("a", MqttQos.AT_MOST_ONCE, 0, "to a"));
    assertThat(payloads(drain(c))).containsExactly("to a");
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("MQTT-3.8.4-3 (3.1.1) / MQTT-3.8.4-3 (5.0): at the limit, subscribing again to a"
      + " filter the session holds replaces it and is granted; an unsubscribed filter makes room")
  void subscribe_whenAtLimit_thenReplacingAllowedAndUnsubscribeMakesRoom(MqttVersion version) {
    start();
    RawMqttConnection c = client(version, "full");
    c.subscribe(1, new Subscription("a", MqttQos.AT_MOST_ONCE),
        new Subscription("b", MqttQos.AT_MOST_ONCE));

    var again = c.subscribe(2, new Subscription("a", MqttQos.AT_LEAST_ONCE),
        new Subscription("d", MqttQos.AT_MOST_ONCE));
    assertThat(again.reasonCodes())
        .containsExactly(SubackReasonCode.GRANTED_QOS_1, quotaExceeded(version));

    c.unsubscribe(3, "b");
    assertThat(c.subscribe(4, "d", MqttQos.AT_MOST_ONCE).reasonCodes())
        .containsExactly(SubackReasonCode.GRANTED_QOS_0);
    assertThat(broker.services().sessions().get("full").subscriptions()).containsOnlyKeys("a", "d");
    assertThat(limitReached()).isEqualTo(1);
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(value = MqttVersion.class, names = {"V3_1_1", "V5"})
  @DisplayName("limits.max-subscriptions-per-client counts the filters a resumed session already"
      + " holds, not only those of the current connection")
  void subscribe_whenSessionResumedWithSubscriptions_thenTheyCount(MqttVersion version) {
    start();
    RawMqttConnection first = client(persistent(version, "keeper"));
    first.subscribe(1, new Subscription("a", MqttQos.AT_LEAST_ONCE),
        new Subscription("b", MqttQos.AT_LEAST_ONCE));
    first.disconnect();
    first.expectClosed(WAIT);

    RawMqttConnection second = open(version);
    assertThat(second.connect(persistent(version, "keeper")).sessionPresent()).isTrue();
    assertThat(second.subscribe(2, "c", MqttQos.AT_MOST_ONCE).reasonCodes())
        .containsExactly(quotaExceeded(version));
    assertThat(limitReached()).isEqualTo(1);
  }
}
