package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.broker.config.MqttConfig;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.PacketEncoder;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.property.Properties;
import dev.midge.testkit.RawMqttConnection;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * MQTT 5 Request Response Information / Response Information (§3.1.2.11.6, §3.2.2.3.15): a client
 * that asks (1) gets {@code mqtt.response-information-prefix} followed by its client identifier in
 * CONNACK, as the root of its response topics; none when the prefix is empty (the server may give
 * none), and never when the client did not ask (MQTT-3.1.2-28). MQTT 5 only.
 */
@DisplayName("Response Information (MQTT 5 §3.1.2.11.6, §3.2.2.3.15, MQTT-3.1.2-28)")
class ResponseInformationScenario extends ConformanceScenario {
  private static final MqttVersion V5 = MqttVersion.V5;
  private static final String PREFIX = "replies/";

  private void start(String prefix) {
    startBroker(config().withMqtt(MqttConfig.DEFAULTS.withResponseInformationPrefix(prefix)));
  }

  /** CONNECT with Request Response Information {@code asked} (null: absent) and more properties. */
  private Connack connect(String clientId, @Nullable Integer asked, Properties.Builder props) {
    if (asked != null) {
      props.requestResponseInformation(asked);
    }
    RawMqttConnection c = open(V5);
    Connack ack = c.connect(Connect.builder(V5).clientId(clientId).keepAlive(0).cleanStart(true)
        .properties(props.build()).build());
    assertAccepted(ack);
    return ack;
  }

  private Connack connect(String clientId, @Nullable Integer asked) {
    return connect(clientId, asked, Properties.builder());
  }

  @Test
  @DisplayName("§3.2.2.3.15: Request Response Information 1 → CONNACK Response Information is the"
      + " prefix followed by the client identifier")
  void connect_whenAsked_thenPrefixAndClientId() {
    start(PREFIX);
    assertThat(connect("asker", 1).properties().responseInformation())
        .isEqualTo("replies/asker");
  }

  @Test
  @DisplayName("§3.2.2.3.15, MQTT-3.1.3-7: a client with an assigned identifier gets the prefix"
      + " followed by that identifier")
  void connect_whenAskedWithEmptyClientId_thenPrefixAndAssignedId() {
    start(PREFIX);
    Connack ack = connect("", 1);
    String assigned = ack.properties().assignedClientIdentifier();
    assertThat(assigned).isNotEmpty();
    assertThat(ack.properties().responseInformation()).isEqualTo(PREFIX + assigned);
  }

  @Test
  @DisplayName("MQTT-3.1.2-28: Request Response Information 0 or absent → no Response Information")
  void connect_whenNotAsked_thenNone() {
    start(PREFIX);
    assertThat(connect("zero", 0).properties().responseInformation()).isNull();
    assertThat(connect("absent", null).properties().responseInformation()).isNull();
  }

  @Test
  @DisplayName("§3.2.2.3.15: with no prefix configured (the default) a client that asks gets none")
  void connect_whenAskedAndNoPrefix_thenNone() {
    startBroker();
    assertThat(connect("asker", 1).properties().responseInformation()).isNull();
  }

  @Test
  @DisplayName("MQTT-3.1.2-24: Response Information that would make CONNACK exceed the client's"
      + " Maximum Packet Size is left out, and the connection accepted")
  void connect_whenCannotFitMaximumPacketSize_thenLeftOut() {
    start(PREFIX + "x".repeat(200) + "/");
    Connack without = connect("measure", 0);
    int size = PacketEncoder.encodedSize(without, V5);
    Connack ack = connect("small", 1,
        Properties.builder().maximumPacketSize(size + 50));
    assertThat(ack.properties().responseInformation()).isNull();
    Connack roomy = connect("roomy", 1, Properties.builder().maximumPacketSize(size + 300));
    assertThat(roomy.properties().responseInformation()).startsWith(PREFIX).endsWith("/roomy");
  }
}
