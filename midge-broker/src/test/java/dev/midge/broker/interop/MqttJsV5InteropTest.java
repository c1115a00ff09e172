package dev.midge.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.midge.broker.config.BrokerConfig;
import dev.midge.codec.MqttVersion;
import dev.midge.testkit.ChildProcess;
import dev.midge.testkit.ExternalTools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * mqtt.js with {@code protocolVersion: 5} as a real MQTT 5 peer of Midge, through {@code
 * interop/mqttjs/v5-scenarios.js}: keep alive (pings answered, a client that stops pinging gets
 * DISCONNECT 0x8D), Server Keep Alive (the client adopts the value the listener's range imposes),
 * Topic Aliases both ways, and PUBLISH properties with User Properties in order.
 *
 * <p>The script prints one JSON line per event and a summary line last, which the tests read;
 * where mqtt.js hides what crossed the wire (the User Properties' order, which it folds into an
 * object), a {@link SniffingProxy} in front of the subscriber shows it. Without node or the npm
 * packages the class is skipped locally and fails on CI ({@code CI=true}), where {@code .ci/run}
 * runs {@code npm ci} in {@code interop/mqttjs}.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MqttJsV5InteropTest {
  private static final Logger LOG = LoggerFactory.getLogger(MqttJsV5InteropTest.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path SCRIPTS = ExternalTools.repositoryRoot().resolve("interop/mqttjs");
  private static final String SCRIPT = "v5-scenarios.js";

  @RegisterExtension
  final InteropBroker broker = InteropBroker.startedByTest();

  // The tools are checked per test, not in @BeforeAll, so that a skip shows in the report.
  @BeforeEach
  void requireNodeAndMqttJs() {
    boolean node = ExternalTools.onPath("node").isPresent();
    boolean mqttJs = Files.isRegularFile(SCRIPTS.resolve("node_modules/mqtt/package.json"));
    ExternalTools.require(node && mqttJs,
        node ? "mqtt.js (" + SCRIPTS.resolve("node_modules/mqtt") + ")" : "node",
        "run npm ci in interop/mqttjs (and installed node)",
        "install Node.js, then: cd interop/mqttjs && npm ci");
  }

  @Test
  @DisplayName("MQTT-3.1.2-22, MQTT-3.12.4-1: an idle mqtt.js client with keep alive 2 s pings"
      + " about every 2 s, every PINGREQ is answered, and the connection stays up for more than"
      + " three keep-alive periods")
  void keepAlive_whenClientIdle_thenPingsAnsweredAndConnectionStaysUp() throws Exception {
    broker.start(BrokerConfig.defaults());

    JsonNode s = run("keepalive", port(), "2", "6.5").summary();

    assertThat(s.path("connected").asBoolean()).isTrue();
    assertThat(s.path("serverKeepAlive").isNull()).as("no Server Keep Alive").isTrue();
    assertThat(s.path("keepaliveUsed").asInt()).isEqualTo(2);
    assertThat(s.path("pingreq").asInt()).isGreaterThanOrEqualTo(2);
    assertThat(s.path("pingresp").asInt()).isEqualTo(s.path("pingreq").asInt());
    assertThat(s.path("unexpectedClose").asInt()).isZero();
    assertThat(s.path("disconnectReasonCode").isNull()).as("no DISCONNECT from the broker")
        .isTrue();
    assertThat(s.path("errors")).isEmpty();
  }

  @ParameterizedTest(name = "asks {0} s, listener {1}..{2} s: Server Keep Alive {3}")
  @CsvSource({"60, 0, 2, 2", "1, 2, 60, 2"})
  @DisplayName("MQTT-3.2.2-21, §3.2.2.3.14: a keep alive outside the listener's range gets Server"
      + " Keep Alive, which mqtt.js adopts: it pings at that interval and the broker, which"
      + " enforces the same value, keeps the connection")
  void serverKeepAlive_whenAskedOutsideListenerRange_thenClientPingsAtServerValue(int asked,
      int min, int max, int expected) throws Exception {
    broker.start(InteropBroker.keepAliveRange(min, max, true));

    JsonNode s = run("keepalive", port(), Integer.toString(asked), "5").summary();

    assertThat(s.path("serverKeepAlive").asInt()).isEqualTo(expected);
    assertThat(s.path("keepaliveUsed").asInt()).isEqualTo(expected);
    assertThat(s.path("pingreq").asInt()).isGreaterThanOrEqualTo(2);
    assertThat(s.path("pingresp").asInt()).isEqualTo(s.path("pingreq").asInt());
    List<Long> intervals = new ArrayList<>();
    s.path("pingIntervalsMs").forEach(n -> intervals.add(n.asLong()));
    assertThat(intervals).as("ms between PINGREQs")
        .allSatisfy(ms -> assertThat(ms).isBetween(expected * 1000L - 300, expected * 1000L + 900));
    assertThat(s.path("unexpectedClose").asInt()).isZero();
    assertThat(s.path("errors")).isEmpty();
  }

  @Test
  @DisplayName("MQTT-3.1.2-22, §4.13: an mqtt.js client that stops pinging gets DISCONNECT 0x8D"
      + " (Keep Alive timeout) after 1.5 x its keep alive of silence")
  void keepAlive_whenClientStopsPinging_thenDisconnect0x8D() throws Exception {
    broker.start(BrokerConfig.defaults());

    JsonNode s = run("silent", port(), "1").summary();

    assertThat(s.path("disconnectReasonCode").asInt()).isEqualTo(0x8D);
    assertThat(s.path("silentForMs").isNumber()).as(s.toString()).isTrue();
    assertThat(s.path("silentForMs").asLong()).as("silence before the DISCONNECT")
        .isBetween(1450L, 10_000L);
    assertThat(s.path("errors")).isEmpty();
  }

  @Test
  @DisplayName("MQTT-3.3.2-11, MQTT-3.3.2-12, §3.3.2.3.4: mqtt.js's own Topic Aliases, mapped anew"
      + " when it runs out, are resolved by the broker; a subscriber allowing 2 gets aliases 1"
      + " and 2 (topic once, then the alias alone) and full topics beyond, which mqtt.js resolves")
  void topicAliases_whenBothSidesUseThem_thenEveryMessageArrivesWithItsTopic() throws Exception {
    broker.start(BrokerConfig.defaults());
    SniffingProxy pubProxy = broker.proxy();
    SniffingProxy subProxy = broker.proxy();

    JsonNode s = run("aliases", Integer.toString(pubProxy.port()),
        Integer.toString(subProxy.port())).summary();

    assertThat(s.path("errors")).isEmpty();
    assertThat(s.path("brokerTopicAliasMaximum").asInt()).isEqualTo(10);
    String prefix = s.path("prefix").asText();
    List<String> sent = pairs(s.path("sent"), "topic", "payload");
    assertThat(sent).hasSize(19);
    assertThat(pairs(s.path("subMessages"), "topic", "payload")).containsExactlyElementsOf(sent);

    // What mqtt.js sent: topic and alias the first time, the alias alone after; once its 10
    // aliases are taken it maps them anew, so one alias stands for several topics in turn.
    List<String> pubWire = pairs(s.path("pubWire"), "topic", "alias");
    assertThat(pubWire.subList(0, 6)).containsExactly(
        prefix + "a 1", prefix + "b 2", prefix + "c 3", " 1", " 2", " 3");
    assertThat(pubProxy.toBroker().publishes(MqttVersion.V5))
        .extracting(p -> p.topic() + " " + p.properties().topicAlias())
        .containsExactlyElementsOf(pubWire);
    Map<String, java.util.Set<String>> topicsPerAlias = new java.util.HashMap<>();
    s.path("pubWire").forEach(n -> {
      if (!n.path("topic").asText().isEmpty()) {
        topicsPerAlias.computeIfAbsent(n.path("alias").asText(), k -> new java.util.HashSet<>())
            .add(n.path("topic").asText());
      }
    });
    assertThat(topicsPerAlias.keySet()).allSatisfy(alias ->
        assertThat(Integer.parseInt(alias)).isBetween(1, 10));
    assertThat(topicsPerAlias.values()).as("an alias mapped anew")
        .anySatisfy(topics -> assertThat(topics).hasSizeGreaterThan(1));

    // What the subscriber got: aliases up to its maximum of 2, first come first served.
    List<String> expectedSubWire = new ArrayList<>(List.of(
        prefix + "a 1", prefix + "b 2", prefix + "c null", " 1", " 2", prefix + "c null"));
    for (int i = 0; i < 12; i++) {
      expectedSubWire.add(prefix + "more/" + i + " null");
    }
    expectedSubWire.add(" 1");
    assertThat(pairs(s.path("subWire"), "topic", "alias"))
        .containsExactlyElementsOf(expectedSubWire);
    assertThat(subProxy.toClient().publishes(MqttVersion.V5))
        .extracting(p -> p.topic() + " " + p.properties().topicAlias())
        .containsExactlyElementsOf(expectedSubWire);
  }

  @Test
  @DisplayName("MQTT-3.3.2-4, MQTT-3.3.2-15, MQTT-3.3.2-16, MQTT-3.3.2-17, MQTT-3.3.2-18,"
      + " MQTT-3.3.2-20: User Properties (a name repeated) reach an mqtt.js subscriber unaltered"
      + " and in order, with Content Type, Response Topic, Correlation Data and Payload Format"
      + " Indicator, at every QoS")
  void userProperties_whenForwarded_thenUnalteredAndInOrder() throws Exception {
    broker.start(BrokerConfig.defaults());
    SniffingProxy subProxy = broker.proxy();

    JsonNode s = run("user-properties", port(), Integer.toString(subProxy.port())).summary();

    assertThat(s.path("errors")).isEmpty();
    String topic = s.path("topic").asText();
    JsonNode received = s.path("received");
    assertThat(received).hasSize(3);
    for (int qos = 0; qos < 3; qos++) {
      JsonNode m = received.get(qos);
      assertThat(m.path("qos").asInt()).isEqualTo(qos);
      assertThat(fields(m.path("userProperties"))).as("user properties as mqtt.js gives them")
          .containsExactly("a=\"1\"", "dup=[\"first\",\"second\",\"third\"]", "b=\"2\"",
              "empty=\"\"", "unicode=\"\u00fcber \u2713\"");
      assertThat(m.path("contentType").asText()).isEqualTo("application/json; charset=utf-8");
      assertThat(m.path("responseTopic").asText()).isEqualTo(topic + "/reply/\u00fc");
      assertThat(m.path("correlationData").asText()).isEqualTo("000102feff");
      assertThat(m.path("payloadFormatIndicator").asBoolean()).isTrue();
    }
    // mqtt.js folds User Properties into an object; their order is checked on the wire.
    assertThat(subProxy.toClient().publishes(MqttVersion.V5)).hasSize(3).allSatisfy(p ->
        assertThat(p.properties().userProperties()).extracting(u -> u.name() + "=" + u.value())
            .containsExactly("a=1", "dup=first", "dup=second", "dup=third", "b=2", "empty=",
                "unicode=\u00fcber \u2713"));
  }

  // ---- running the script ----

  /** A finished script run: its JSON lines. */
  record Run(List<JsonNode> events, String output) {
    JsonNode summary() {
      assertThat(events).as("a summary line%n%s", output).isNotEmpty();
      JsonNode last = events.get(events.size() - 1);
      assertThat(last.path("event").asText()).as(output).isEqualTo("summary");
      return last;
    }
  }

  private Run run(String scenario, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("node", SCRIPT, scenario, "127.0.0.1"));
    cmd.addAll(List.of(args));
    try (ChildProcess p = ChildProcess.start("node " + SCRIPT + " " + scenario, cmd, SCRIPTS)) {
      int exit = p.awaitExit(Duration.ofSeconds(60));
      assertThat(exit).as("%s %s exit code%n%s", SCRIPT, scenario, p.output()).isZero();
      List<JsonNode> events = new ArrayList<>();
      for (ChildProcess.Line line : p.lines()) {
        String text = line.text().trim();
        if (text.startsWith("{")) {
          try {
            events.add(JSON.readTree(text));
          } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + text, e);
          }
        }
      }
      if (!events.isEmpty()) {
        LOG.info("{} {}: {}", SCRIPT, scenario, events.get(events.size() - 1));
      }
      return new Run(events, p.output());
    }
  }

  private String port() {
    return Integer.toString(broker.port());
  }

  /** "a b" for each object of an array, from two of its fields. */
  private static List<String> pairs(JsonNode array, String first, String second) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.path(first).asText() + " " + n.path(second).asText()));
    return out;
  }

  /** "name=json" for each field of an object, in order. */
  private static List<String> fields(JsonNode object) {
    List<String> out = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> it = object.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      out.add(e.getKey() + "=" + e.getValue());
    }
    return out;
  }
}
