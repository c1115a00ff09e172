package dev.midge.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ConfigLoaderTest {

  // ---- defaults ----

  @Test
  void parse_whenEmpty_thenDefaults() {
    assertThat(ConfigLoader.parse("")).isEqualTo(BrokerConfig.standalone());
  }

  @Test
  void parse_whenOnlyCommentsAndEmptySections_thenDefaults() {
    String yaml = """
        # nothing changed
        listeners:
        sessions:
        limits: ~
        """;
    assertThat(ConfigLoader.parse(yaml)).isEqualTo(BrokerConfig.standalone());
  }

  @Test
  void parse_whenListenersAbsent_thenTheSingleDefaultListener() {
    BrokerConfig c = ConfigLoader.parse("sessions:\n  max-queued-messages: 5\n");
    assertThat(c.listeners()).containsExactly(ListenerConfig.defaults());
    assertThat(c.sessions().maxQueuedMessages()).isEqualTo(5);
  }

  @Test
  void parse_whenListenerHasNoKeys_thenListenerDefaults() {
    BrokerConfig c = ConfigLoader.parse("listeners:\n  - port: 1883\n");
    assertThat(c).isEqualTo(BrokerConfig.standalone());
  }

  @Test
  void parse_whenSeveralUnnamedListeners_thenNamedByIndexAfterTheFirst() {
    BrokerConfig c = ConfigLoader.parse("""
        listeners:
          - port: 1883
          - port: 1884
          - port: 1885
        """);
    assertThat(c.listeners()).extracting(ListenerConfig::name)
        .containsExactly("default", "listener-1", "listener-2");
    assertThat(c.listeners()).extracting(ListenerConfig::port).containsExactly(1883, 1884, 1885);
  }

  // ---- every key ----

  /** One non-default value per key, and where it lands; a test checks every key is here. */
  private static final Map<ConfigKey<?>, Sample> SAMPLES = Map.ofEntries(
      sample(ConfigKeys.LISTENER_NAME, "lan", "lan", c -> c.listeners().get(0).name()),
      sample(ConfigKeys.LISTENER_HOST, "0.0.0.0", "0.0.0.0", c -> c.listeners().get(0).host()),
      sample(ConfigKeys.LISTENER_PORT, "8883", 8883, c -> c.listeners().get(0).port()),
      sample(ConfigKeys.LISTENER_PROTOCOL, "ws", ListenerConfig.Protocol.WS,
          c -> c.listeners().get(0).protocol()),
      sample(ConfigKeys.LISTENER_WEBSOCKET_PATH, "/ws", "/ws",
          c -> c.listeners().get(0).websocketPath()),
      sample(ConfigKeys.TLS_CERTIFICATE, "server.crt", "server.crt", c -> tls(c).certificate()),
      sample(ConfigKeys.TLS_KEY, "server.key", "server.key", c -> tls(c).key()),
      sample(ConfigKeys.TLS_CA, "ca.pem", "ca.pem", c -> tls(c).ca()),
      sample(ConfigKeys.TLS_CLIENT_AUTH, "required", TlsConfig.ClientAuth.REQUIRED,
          c -> tls(c).clientAuth()),
      sample(ConfigKeys.TLS_USE_SUBJECT_AS_USERNAME, "true", true,
          c -> tls(c).useSubjectAsUsername()),
      sample(ConfigKeys.TLS_RELOAD_INTERVAL, "1m", Duration.ofMinutes(1),
          c -> tls(c).reloadInterval()),
      sample(ConfigKeys.KEEP_ALIVE_MINIMUM, "5", 5, c -> ka(c).minimum()),
      sample(ConfigKeys.KEEP_ALIVE_MAXIMUM, "600", 600, c -> ka(c).maximum()),
      sample(ConfigKeys.KEEP_ALIVE_OUT_OF_RANGE, "refuse", KeepAliveConfig.OutOfRange.REFUSE,
          c -> ka(c).outOfRange()),
      sample(ConfigKeys.KEEP_ALIVE_ALLOW_ZERO, "false", false, c -> ka(c).allowZero()),
      sample(ConfigKeys.KEEP_ALIVE_COUNTING, "packets", KeepAliveConfig.Counting.PACKETS,
          c -> ka(c).counting()),
      sample(ConfigKeys.KEEP_ALIVE_MAX_PACKET_ARRIVAL, "30s", Duration.ofSeconds(30),
          c -> ka(c).maxPacketArrival()),
      sample(ConfigKeys.KEEP_ALIVE_CONNECT_TIMEOUT, "500ms", Duration.ofMillis(500),
          c -> ka(c).connectTimeout()),
      sample(ConfigKeys.SESSIONS_MAX_INFLIGHT, "10", 10, c -> c.sessions().maxInflightMessages()),
      sample(ConfigKeys.SESSIONS_MAX_QUEUED, "0", 0, c -> c.sessions().maxQueuedMessages()),
      sample(ConfigKeys.SESSIONS_MAX_QUEUED_BYTES, "1MiB", 1 << 20,
          c -> c.sessions().maxQueuedBytes()),
      sample(ConfigKeys.STORAGE_DATA_DIR, "/var/lib/midge", Path.of("/var/lib/midge"),
          c -> c.storage().dataDir()),
      sample(ConfigKeys.STORAGE_SYNC, "interval", StorageConfig.Sync.INTERVAL,
          c -> c.storage().sync()),
      sample(ConfigKeys.STORAGE_SYNC_INTERVAL, "250ms", Duration.ofMillis(250),
          c -> c.storage().syncInterval()),
      sample(ConfigKeys.SESSIONS_QUEUE_QOS0_OFFLINE, "true", true,
          c -> c.sessions().queueQos0WhenOffline()),
      sample(ConfigKeys.LIMITS_MAX_PACKET_SIZE, "512KiB", 512 * 1024,
          c -> c.limits().maxPacketSize()),
      sample(ConfigKeys.LIMITS_MAX_CLIENT_ID_LENGTH, "23", 23,
          c -> c.limits().maxClientIdLength()),
      sample(ConfigKeys.LIMITS_MAX_CONNECTIONS, "1000", 1000, c -> c.limits().maxConnections()),
      sample(ConfigKeys.LIMITS_MAX_RETAINED_MESSAGES, "50000", 50000,
          c -> c.limits().maxRetainedMessages()),
      sample(ConfigKeys.LIMITS_MAX_SUBSCRIPTIONS_PER_CLIENT, "100", 100,
          c -> c.limits().maxSubscriptionsPerClient()),
      sample(ConfigKeys.LIMITS_CONNECT_RATE_PER_ADDRESS, "10", 10,
          c -> c.limits().connectRatePerAddress()),
      sample(ConfigKeys.LIMITS_CONNECT_BURST_PER_ADDRESS, "20", 20,
          c -> c.limits().connectBurstPerAddress()),
      sample(ConfigKeys.LIMITS_PUBLISH_RATE_PER_CLIENT, "1000", 1000,
          c -> c.limits().publishRatePerClient()),
      sample(ConfigKeys.LIMITS_PUBLISH_BURST_PER_CLIENT, "5000", 5000,
          c -> c.limits().publishBurstPerClient()),
      sample(ConfigKeys.LISTENER_MAX_CONNECTIONS, "500", 500,
          c -> c.listeners().get(0).maxConnections()),
      sample(ConfigKeys.SESSIONS_MAX_EXPIRY_INTERVAL, "86400", 86400L,
          c -> c.sessions().maxExpiryInterval()),
      sample(ConfigKeys.SESSIONS_SLOW_SUBSCRIBER_TIMEOUT, "2s", Duration.ofSeconds(2),
          c -> c.sessions().slowSubscriberTimeout()),
      sample(ConfigKeys.MQTT_MAXIMUM_QOS, "1", 1, c -> c.mqtt().maximumQos()),
      sample(ConfigKeys.MQTT_RETAIN_AVAILABLE, "false", false, c -> c.mqtt().retainAvailable()),
      sample(ConfigKeys.MQTT_WILDCARD_SUBSCRIPTIONS, "false", false,
          c -> c.mqtt().wildcardSubscriptions()),
      sample(ConfigKeys.MQTT_SUBSCRIPTION_IDENTIFIERS, "false", false,
          c -> c.mqtt().subscriptionIdentifiers()),
      sample(ConfigKeys.MQTT_SHARED_SUBSCRIPTIONS, "false", false,
          c -> c.mqtt().sharedSubscriptions()),
      sample(ConfigKeys.MQTT_SHARED_SUBSCRIPTION_STRATEGY, "sticky",
          MqttConfig.SharedSubscriptionStrategy.STICKY,
          c -> c.mqtt().sharedSubscriptionStrategy()),
      sample(ConfigKeys.MQTT_TOPIC_ALIAS_MAXIMUM, "0", 0, c -> c.mqtt().topicAliasMaximum()),
      sample(ConfigKeys.MQTT_RECEIVE_MAXIMUM, "100", 100, c -> c.mqtt().receiveMaximum()),
      sample(ConfigKeys.MQTT_PAYLOAD_FORMAT_VALIDATION, "true", true,
          c -> c.mqtt().payloadFormatValidation()),
      sample(ConfigKeys.MQTT_RESPONSE_INFORMATION_PREFIX, "responses/", "responses/",
          c -> c.mqtt().responseInformationPrefix()),
      sample(ConfigKeys.MQTT_SERVER_REFERENCE, "mqtt2.example.com:1883",
          "mqtt2.example.com:1883", c -> c.mqtt().serverReference()),
      sample(ConfigKeys.MQTT_SERVER_MOVED, "true", true, c -> c.mqtt().serverMoved()),
      sample(ConfigKeys.HTTP_ENABLED, "false", false, c -> c.http().enabled()),
      sample(ConfigKeys.HTTP_HOST, "0.0.0.0", "0.0.0.0", c -> c.http().host()),
      sample(ConfigKeys.HTTP_PORT, "8080", 8080, c -> c.http().port()),
      sample(ConfigKeys.SYS_ENABLED, "false", false, c -> c.sys().enabled()),
      sample(ConfigKeys.SYS_INTERVAL, "1m", Duration.ofMinutes(1), c -> c.sys().interval()),
      sample(ConfigKeys.SYS_CLIENT_EVENTS, "false", false, c -> c.sys().clientEvents()),
      sample(ConfigKeys.WEBHOOK_URL, "https://push.example.com/midge",
          "https://push.example.com/midge", c -> c.webhook().url()),
      sample(ConfigKeys.WEBHOOK_AUTHORIZATION, "Bearer s3cret", "Bearer s3cret",
          c -> c.webhook().authorization()),
      sample(ConfigKeys.WEBHOOK_BATCH_DELAY, "0s", Duration.ZERO, c -> c.webhook().batchDelay()),
      sample(ConfigKeys.WEBHOOK_MAX_BATCH_SIZE, "10", 10, c -> c.webhook().maxBatchSize()),
      sample(ConfigKeys.WEBHOOK_MIN_INTERVAL, "5m", Duration.ofMinutes(5),
          c -> c.webhook().minInterval()),
      sample(ConfigKeys.WEBHOOK_MAX_ATTEMPTS, "1", 1, c -> c.webhook().maxAttempts()),
      sample(ConfigKeys.WEBHOOK_RETRY_BACKOFF, "250ms", Duration.ofMillis(250),
          c -> c.webhook().retryBackoff()),
      sample(ConfigKeys.WEBHOOK_TIMEOUT, "2s", Duration.ofSeconds(2), c -> c.webhook().timeout()),
      sample(ConfigKeys.WEBHOOK_MAX_PENDING_CLIENTS, "100", 100,
          c -> c.webhook().maxPendingClients()),
      sample(ConfigKeys.LISTENER_ALLOW_ANONYMOUS, "false", ListenerConfig.Anonymous.FALSE,
          c -> c.listeners().get(0).allowAnonymous()),
      sample(ConfigKeys.AUTH_PASSWORD_FILE, "/etc/midge/passwd", "/etc/midge/passwd",
          c -> c.auth().passwordFile()),
      sample(ConfigKeys.AUTH_ACL_FILE, "/etc/midge/acl", "/etc/midge/acl",
          c -> c.auth().aclFile()),
      sample(ConfigKeys.AUTH_RELOAD_CHECK_INTERVAL, "0ms", Duration.ZERO,
          c -> c.auth().reloadCheckInterval()),
      sample(ConfigKeys.AUTH_HTTP_URL, "http://127.0.0.1:8080/auth", "http://127.0.0.1:8080/auth",
          c -> c.auth().httpUrl()),
      sample(ConfigKeys.AUTH_HTTP_TIMEOUT, "1s", Duration.ofSeconds(1),
          c -> c.auth().httpTimeout()));

  private record Sample(String yaml, Object expected, Function<BrokerConfig, Object> field) {}

  private static Map.Entry<ConfigKey<?>, Sample> sample(
      ConfigKey<?> key, String yaml, Object expected, Function<BrokerConfig, Object> field) {
    return Map.entry(key, new Sample(yaml, expected, field));
  }

  /**
   * Keys that mean something only with another key set (the tls keys need protocol mqtt+tls or wss
   * and real files; websocket-path needs ws or wss): alone they are refused rather than ignored,
   * so they are read in ListenerProtocolConfigTest instead of one at a time here.
   */
  private static final java.util.Set<ConfigKey<?>> NEED_ANOTHER_KEY = java.util.Set.of(
      ConfigKeys.LISTENER_WEBSOCKET_PATH, ConfigKeys.TLS_CERTIFICATE, ConfigKeys.TLS_KEY,
      ConfigKeys.TLS_CA, ConfigKeys.TLS_CLIENT_AUTH, ConfigKeys.TLS_USE_SUBJECT_AS_USERNAME,
      ConfigKeys.TLS_RELOAD_INTERVAL);

  private static TlsConfig tls(BrokerConfig c) {
    return c.listeners().get(0).tls();
  }

  private static KeepAliveConfig ka(BrokerConfig c) {
    return c.listeners().get(0).keepAlive();
  }

  /** The YAML setting only {@code key} to {@code value}, nested as its path says. */
  static String yamlWith(ConfigKey<?> key, String value) {
    StringBuilder b = new StringBuilder();
    String[] segments = key.path().split("\\.");
    int indent = 0;
    for (int i = 0; i < segments.length; i++) {
      String s = segments[i];
      boolean last = i == segments.length - 1;
      if (s.endsWith("[]")) {
        b.append(" ".repeat(indent)).append(s, 0, s.length() - 2).append(":\n");
        b.append(" ".repeat(indent + 2)).append("- ");
        indent += 4;
        continue;
      }
      if (!b.isEmpty() && b.charAt(b.length() - 1) != ' ') {
        b.append(" ".repeat(indent));
      }
      b.append(s).append(':').append(last ? " " + value : "").append('\n');
      indent += 2;
    }
    return b.toString();
  }

  static Stream<ConfigKey<?>> everyKey() {
    return ConfigKeys.keys().stream();
  }

  /** Every key that means something set alone; the others are in ListenerProtocolConfigTest. */
  static Stream<ConfigKey<?>> everyKeyAlone() {
    return ConfigKeys.keys().stream().filter(k -> !NEED_ANOTHER_KEY.contains(k));
  }

  @Test
  void samples_coverEveryKey() {
    assertThat(SAMPLES.keySet()).containsExactlyInAnyOrderElementsOf(ConfigKeys.keys());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyKeyAlone")
  void parse_whenOneKeyIsSet_thenOnlyItsFieldChanges(ConfigKey<?> key) {
    Sample s = SAMPLES.get(key);
    BrokerConfig defaults = BrokerConfig.standalone();
    assertThat(s.field().apply(defaults)).as("the sample must differ from the default")
        .isNotEqualTo(s.expected());

    BrokerConfig c = ConfigLoader.parse(yamlWith(key, s.yaml()));

    assertThat(s.field().apply(c)).isEqualTo(s.expected());
    // Every other key still has its default.
    for (ConfigKey<?> other : ConfigKeys.keys()) {
      if (other != key) {
        assertThat(SAMPLES.get(other).field().apply(c)).as(other.path())
            .isEqualTo(SAMPLES.get(other).field().apply(defaults));
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyKey")
  void parse_whenKeyIsSetToItsDefault_thenDefaults(ConfigKey<?> key) {
    assertThat(ConfigLoader.parse(yamlWith(key, key.defaultText())))
        .isEqualTo(BrokerConfig.standalone());
  }

  @Test
  void parse_whenEveryKeyIsSet_thenAllTogether() {
    BrokerConfig c = ConfigLoader.parse("""
        listeners:
          - name: local
            host: localhost
            port: 0
            keep-alive:
              minimum: 10
              maximum: 300
              out-of-range: refuse
              allow-zero: false
              counting: packets
              max-packet-arrival: 1m
              connect-timeout: 2s
          - name: lan
            host: "::"
            port: 1884
        sessions:
          max-inflight-messages: 100
          max-queued-messages: 10_000
          queue-qos0-when-offline: yes
        limits:
          max-packet-size: 268435460
          max-client-id-length: 256
        """);
    assertThat(c).isEqualTo(new BrokerConfig(
        List.of(
            new ListenerConfig("local", "localhost", 0, new KeepAliveConfig(10, 300,
                KeepAliveConfig.OutOfRange.REFUSE, false, KeepAliveConfig.Counting.PACKETS,
                Duration.ofMinutes(1), Duration.ofSeconds(2))),
            new ListenerConfig("lan", "::", 1884, KeepAliveConfig.DEFAULTS)),
        new SessionConfig(100, 10_000, true),
        new LimitsConfig(LimitsConfig.MQTT_MAX_PACKET_SIZE, 256), StorageConfig.DEFAULTS));
  }

  // ---- storage ----

  @Test
  void parse_whenStorageAbsent_thenRocksDbInDataWithSyncAlways() {
    StorageConfig s = ConfigLoader.parse("sessions:\n  max-queued-messages: 5\n").storage();
    assertThat(s.dataDir()).isEqualTo(Path.of("./data"));
    assertThat(s.sync()).isEqualTo(StorageConfig.Sync.ALWAYS);
  }

  @Test
  void parse_whenDataDirIsNone_thenInMemory() {
    BrokerConfig c = ConfigLoader.parse("storage:\n  data-dir: none\n");
    assertThat(c.storage().dataDir()).isNull();
    assertThat(c.storage().isDurable()).isFalse();
    assertThat(c).isEqualTo(BrokerConfig.defaults());
  }

  @Test
  void parse_whenSyncIsMisspelt_thenRefusedWithTheClosestPolicy() {
    assertThatThrownBy(() -> ConfigLoader.parse("storage:\n  sync: alway\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("config, line 2: storage.sync: found alway, allowed: always, interval,"
            + " never. Fix: did you mean always?");
  }

  @Test
  void parse_whenWebhookUrlIsNotHttp_thenRefusedNamingTheKey() {
    assertThatThrownBy(() -> ConfigLoader.parse("webhook:\n  url: ftp://example.com/x\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("webhook")
        .hasMessageContaining("http:// or https://");
  }

  @Test
  void parse_whenSysIntervalIsBelowOneSecond_thenRefusedNamingTheKey() {
    assertThatThrownBy(() -> ConfigLoader.parse("sys:\n  interval: 500ms\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("sys.interval");
  }

  @Test
  void parse_whenHttpIsOff_thenDisabledAndTheRestDefault() {
    BrokerConfig c = ConfigLoader.parse("http:\n  enabled: false\n");
    assertThat(c.http()).isEqualTo(HttpConfig.DISABLED);
    // A file keeps its state in ./data: BrokerConfig.standalone(), not defaults().
    assertThat(c.withHttp(HttpConfig.DEFAULTS)).isEqualTo(BrokerConfig.standalone());
  }

  // ---- units ----

  @ParameterizedTest
  @CsvSource({"500ms, 500", "10s, 10000", "2m, 120000", "1h, 3600000", "24h, 86400000",
      "1ms, 1", "'1_500ms', 1500"})
  void parse_whenDurationHasAUnit_thenItsMilliseconds(String text, long millis) {
    BrokerConfig c = ConfigLoader.parse(yamlWith(ConfigKeys.KEEP_ALIVE_CONNECT_TIMEOUT, text));
    assertThat(ka(c).connectTimeout()).isEqualTo(Duration.ofMillis(millis));
  }

  @ParameterizedTest
  @CsvSource({"1MiB, 1048576", "512KiB, 524288", "1048576, 1048576", "2048B, 2048",
      "'1_000_000', 1000000", "16, 16", "1mib, 1048576"})
  void parse_whenSizeHasABinaryUnitOrNone_thenItsBytes(String text, int bytes) {
    BrokerConfig c = ConfigLoader.parse(yamlWith(ConfigKeys.LIMITS_MAX_PACKET_SIZE, text));
    assertThat(c.limits().maxPacketSize()).isEqualTo(bytes);
  }

  @ParameterizedTest
  @CsvSource({"CLAMP, CLAMP", "Refuse, REFUSE"})
  void parse_whenEnumInAnyCase_thenAccepted(String text, KeepAliveConfig.OutOfRange expected) {
    BrokerConfig c = ConfigLoader.parse(yamlWith(ConfigKeys.KEEP_ALIVE_OUT_OF_RANGE, text));
    assertThat(ka(c).outOfRange()).isEqualTo(expected);
  }

  @Test
  void parse_whenPortIsQuoted_thenSameAsPlain() {
    assertThat(ConfigLoader.parse("listeners:\n  - port: \"1883\"\n"))
        .isEqualTo(BrokerConfig.standalone());
  }

  // ---- errors: wrong values ----

  static Stream<Arguments> badValues() {
    return Stream.of(
        // key, value, what the message must also say
        Arguments.of(ConfigKeys.KEEP_ALIVE_MAXIMUM, "70000", "found 70000", "0 to 65535"),
        Arguments.of(ConfigKeys.KEEP_ALIVE_MINIMUM, "-1", "found -1", "0 to 65535"),
        Arguments.of(ConfigKeys.KEEP_ALIVE_MAXIMUM, "5m", "found 5m", "write 300"),
        Arguments.of(ConfigKeys.KEEP_ALIVE_MAXIMUM, "1.5", "found 1.5", "0 to 65535"),
        Arguments.of(ConfigKeys.LISTENER_PORT, "abc", "found abc", "0 to 65535"),
        Arguments.of(ConfigKeys.LISTENER_PORT, "65536", "found 65536", "default (1883)"),
        Arguments.of(ConfigKeys.LISTENER_PORT, "99999999999999999999", "found 9999", "0 to 65535"),
        Arguments.of(ConfigKeys.LISTENER_NAME, "'my listener'", "found 'my listener'",
            "letters, digits"),
        Arguments.of(ConfigKeys.LISTENER_HOST, "'a b'", "found 'a b'", "IP address"),
        Arguments.of(ConfigKeys.KEEP_ALIVE_OUT_OF_RANGE, "clmap", "found clmap",
            "did you mean clamp?"),
        Arguments.of(ConfigKeys.KEEP_ALIVE_COUNTING, "lines", "found lines", "bytes or packets"),
        Arguments.of(ConfigKeys.KEEP_ALIVE_ALLOW_ZERO, "maybe", "found maybe", "true or false"),
        Arguments.of(ConfigKeys.KEEP_ALIVE_CONNECT_TIMEOUT, "10", "found 10", "add a unit"),
        Arguments.of(ConfigKeys.KEEP_ALIVE_CONNECT_TIMEOUT, "10sec", "found 10sec",
            "such as 10s"),
        Arguments.of(ConfigKeys.KEEP_ALIVE_CONNECT_TIMEOUT, "0s", "found 0s", "from 1ms to 24h"),
        Arguments.of(ConfigKeys.KEEP_ALIVE_MAX_PACKET_ARRIVAL, "25h", "found 25h", "to 24h"),
        Arguments.of(ConfigKeys.KEEP_ALIVE_MAX_PACKET_ARRIVAL, "soon", "found soon", "ms, s, m"),
        Arguments.of(ConfigKeys.LIMITS_MAX_PACKET_SIZE, "1MB", "found 1MB",
            "write 1MiB (1048576 bytes) or 1000000"),
        Arguments.of(ConfigKeys.LIMITS_MAX_PACKET_SIZE, "1GiB", "found 1GiB", "to 268435460"),
        Arguments.of(ConfigKeys.LIMITS_MAX_PACKET_SIZE, "8", "found 8", "from 16"),
        Arguments.of(ConfigKeys.LIMITS_MAX_PACKET_SIZE, "1.5MiB", "found 1.5MiB", "KiB"),
        Arguments.of(ConfigKeys.LIMITS_MAX_CLIENT_ID_LENGTH, "10", "found 10", "23 to 65535"),
        Arguments.of(ConfigKeys.SESSIONS_MAX_INFLIGHT, "0", "found 0", "1 to 65535"),
        Arguments.of(ConfigKeys.SESSIONS_MAX_QUEUED, "-5", "found -5", "0 or more"),
        Arguments.of(ConfigKeys.SESSIONS_QUEUE_QOS0_OFFLINE, "1", "found 1", "true or false"),
        Arguments.of(ConfigKeys.LISTENER_PORT, "", "found no value", "default (1883)"),
        Arguments.of(ConfigKeys.LISTENER_PORT, "[1883, 1884]", "found a list", "single value"),
        Arguments.of(ConfigKeys.SESSIONS_MAX_QUEUED, "{a: 1}", "found a mapping", "single value"));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("badValues")
  void parse_whenValueIsNotAllowed_thenErrorNamesTheKeyPathFoundAllowedAndFix(
      ConfigKey<?> key, String value, String found, String more) {
    ConfigException e = error(yamlWith(key, value));
    String path = key.path().replace("[]", "[0]");
    assertThat(e.key()).isEqualTo(path);
    assertThat(e.line()).isPositive();
    assertThat(e.getMessage())
        .startsWith("midge.yaml, line " + e.line() + ": " + path + ": ")
        .contains(found, "allowed: ", "Fix: ", more)
        .doesNotContain("\n");
  }

  @Test
  void parse_whenMinimumAboveMaximum_thenReportedAgainstMinimum() {
    ConfigException e = error("""
        listeners:
          - keep-alive:
              minimum: 600
              maximum: 300
        """);
    assertThat(e.key()).isEqualTo("listeners[0].keep-alive.minimum");
    assertThat(e.line()).isEqualTo(3);
    assertThat(e.getMessage()).contains("found 600, above maximum (300)",
        "lower listeners[0].keep-alive.minimum or raise listeners[0].keep-alive.maximum");
  }

  @Test
  void parse_whenZeroIsForbiddenButMaximumIsZero_thenReportedAgainstAllowZero() {
    ConfigException e = error("""
        listeners:
          - keep-alive:
              maximum: 0
              allow-zero: false
        """);
    assertThat(e.key()).isEqualTo("listeners[0].keep-alive.allow-zero");
    assertThat(e.line()).isEqualTo(4);
    assertThat(e.getMessage()).contains("found false, but maximum is 0",
        "raise listeners[0].keep-alive.maximum");
  }

  @Test
  void parse_whenSecondListenerIsWrong_thenItsIndexIsInThePath() {
    ConfigException e = error("""
        listeners:
          - port: 1883
          - port: 1884
            keep-alive:
              counting: lines
        """);
    assertThat(e.key()).isEqualTo("listeners[1].keep-alive.counting");
    assertThat(e.line()).isEqualTo(5);
  }

  // ---- errors: structure ----

  @Test
  void parse_whenKeyIsMisspelt_thenDidYouMeanTheClosest() {
    ConfigException e = error("""
        listeners:
          - keep-alive:
              maximun: 300
        """);
    assertThat(e.key()).isEqualTo("listeners[0].keep-alive.maximun");
    assertThat(e.line()).isEqualTo(3);
    assertThat(e.getMessage()).contains("unknown key",
        "did you mean listeners[0].keep-alive.maximum?", "rename it to maximum");
  }

  @ParameterizedTest
  @CsvSource({"maxPacketSize, max-packet-size", "max_packet_size, max-packet-size",
      "max-packet-sise, max-packet-size", "MAX-CLIENT-ID-LENGTH, max-client-id-length"})
  void parse_whenKeyIsWrittenInAnotherCase_thenDidYouMeanTheKebabKey(String wrong, String right) {
    ConfigException e = error("limits:\n  " + wrong + ": 1000\n");
    assertThat(e.key()).isEqualTo("limits." + wrong);
    assertThat(e.getMessage()).contains("did you mean limits." + right + "?");
  }

  @Test
  void parse_whenKeyBelongsToAnotherSection_thenSaysWhere() {
    ConfigException e = error("port: 1884\n");
    assertThat(e.key()).isEqualTo("port");
    assertThat(e.getMessage()).contains("unknown key", "did you mean listeners[].port",
        "keys at the top: listeners, sessions, limits");
  }

  @Test
  void parse_whenKeyIsUnknownAndNothingIsClose_thenListsTheKnownKeys() {
    ConfigException e = error("sessions:\n  frobnicate: 1\n");
    assertThat(e.key()).isEqualTo("sessions.frobnicate");
    assertThat(e.getMessage()).contains("unknown key", "remove it",
        "max-inflight-messages, max-queued-messages, max-queued-bytes, queue-qos0-when-offline")
        .doesNotContain("did you mean");
  }

  @Test
  void parse_whenYamlIsMalformed_thenLineAndColumn() {
    ConfigException e = error("""
        listeners:
          - port: 1883
           host: 0.0.0.0
        """);
    assertThat(e.key()).isNull();
    assertThat(e.line()).isEqualTo(3);
    assertThat(e.column()).isPositive();
    assertThat(e.getMessage())
        .startsWith("midge.yaml, line 3, column " + e.column() + ": not valid YAML: ")
        .contains("Fix: ")
        .doesNotContain("\n");
  }

  @Test
  void parse_whenIndentedWithTabs_thenSaysSo() {
    ConfigException e = error("sessions:\n\tmax-queued-messages: 5\n");
    assertThat(e.line()).isEqualTo(2);
    assertThat(e.getMessage()).contains("TAB").doesNotContain("\n");
  }

  @Test
  void parse_whenUnclosedQuote_thenLineOfTheQuote() {
    ConfigException e = error("listeners:\n  - host: \"127.0.0.1\n");
    assertThat(e.line()).isPositive();
    assertThat(e.getMessage()).contains("not valid YAML", "end of stream",
        "while scanning a quoted scalar that starts on line 2, column 11");
  }

  @Test
  void parse_whenKeyIsGivenTwice_thenBothLines() {
    ConfigException e = error("""
        listeners:
          - port: 1883
            port: 1884
        """);
    assertThat(e.key()).isEqualTo("listeners[0].port");
    assertThat(e.getMessage()).contains("given twice, on lines 2 and 3", "keep one");
  }

  @Test
  void parse_whenListenersIsAMapping_thenAskForAList() {
    ConfigException e = error("listeners:\n  port: 1884\n");
    assertThat(e.key()).isEqualTo("listeners");
    assertThat(e.getMessage()).contains("found a mapping", "allowed: a list of listeners",
        "- name: default");
  }

  @Test
  void parse_whenAllowAnonymousIsYes_thenTrue() {
    BrokerConfig c = ConfigLoader.parse("listeners:\n  - allow-anonymous: true\n");
    assertThat(c.listeners().get(0).allowAnonymous()).isEqualTo(ListenerConfig.Anonymous.TRUE);
    assertThat(c.listeners().get(0).allowAnonymous().allows(true)).isTrue();
    assertThat(ListenerConfig.Anonymous.AUTO.allows(true)).isFalse();
    assertThat(ListenerConfig.Anonymous.AUTO.allows(false)).isTrue();
  }

  @Test
  void parse_whenAuthHttpUrlIsNotHttp_thenRefusedWithTheKey() {
    ConfigException e = error("auth:\n  http:\n    url: ftp://example.com/\n");
    assertThat(e.getMessage()).contains("http:// or https://");
  }

  @Test
  void parse_whenListenersIsEmpty_thenAskForOne() {
    ConfigException e = error("listeners: []\n");
    assertThat(e.key()).isEqualTo("listeners");
    assertThat(e.getMessage()).contains("found an empty list", "one listener or more");
  }

  @Test
  void parse_whenListenerIsAScalar_thenAskForAMapping() {
    ConfigException e = error("listeners:\n  - 1883\n");
    assertThat(e.key()).isEqualTo("listeners[0]");
    assertThat(e.getMessage()).contains("found 1883", "a mapping of keys (name, host, port,"
        + " protocol, websocket-path, allow-anonymous, max-connections, tls, keep-alive)");
  }

  @Test
  void parse_whenSectionIsAScalar_thenAskForAMapping() {
    ConfigException e = error("sessions: 5\n");
    assertThat(e.key()).isEqualTo("sessions");
    assertThat(e.getMessage()).contains("found 5", "max-inflight-messages");
  }

  @Test
  void parse_whenTopIsAList_thenAskForSections() {
    ConfigException e = error("- listeners\n");
    assertThat(e.key()).isNull();
    assertThat(e.getMessage()).contains("found a list at the top", "listeners, sessions, limits");
  }

  @Test
  void parse_whenTwoDocuments_thenRefused() {
    ConfigException e = error("sessions:\n  max-queued-messages: 5\n---\nlimits:\n");
    assertThat(e.getMessage()).contains("second YAML document");
  }

  @Test
  void parse_whenTwoListenersShareAName_thenReportedOnTheSecond() {
    ConfigException e = error("""
        listeners:
          - name: lan
            port: 1883
          - name: lan
            port: 1884
        """);
    assertThat(e.key()).isEqualTo("listeners[1].name");
    assertThat(e.getMessage()).contains("already the name of listeners[0]");
  }

  @Test
  void parse_whenTwoListenersShareAnAddress_thenReportedOnTheSecondPort() {
    ConfigException e = error("""
        listeners:
          - port: 1884
          - port: 1884
        """);
    assertThat(e.key()).isEqualTo("listeners[1].port");
    assertThat(e.getMessage()).contains("listeners[0] already listens on 127.0.0.1:1884");
  }

  @Test
  void parse_whenTwoListenersAskForPortZero_thenBothAccepted() {
    BrokerConfig c = ConfigLoader.parse("listeners:\n  - port: 0\n  - port: 0\n");
    assertThat(c.listeners()).hasSize(2);
  }

  // ---- files ----

  @Test
  void load_whenFileExists_thenReadsIt(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("midge.yaml");
    Files.writeString(file, "listeners:\n  - port: 1884\n");
    assertThat(ConfigLoader.load(file).listeners().get(0).port()).isEqualTo(1884);
  }

  @Test
  void load_whenFileIsWrong_thenMessageStartsWithItsPath(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("midge.yaml");
    Files.writeString(file, "limits:\n  max-packet-size: 1MB\n");
    assertThatThrownBy(() -> ConfigLoader.load(file))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(file + ", line 2: limits.max-packet-size: found 1MB");
  }

  @Test
  void load_whenFileIsMissing_thenNoSuchFile(@TempDir Path dir) {
    Path file = dir.resolve("nope.yaml");
    ConfigException e = catchThrowableOfType(ConfigException.class,
        () -> ConfigLoader.load(file));
    assertThat(e.getMessage()).startsWith(file + ": no such file").contains("Fix: check the path");
  }

  @Test
  void load_whenPathIsADirectory_thenSaysSo(@TempDir Path dir) {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(dir));
    assertThat(e.getMessage()).contains("a directory, not a file");
  }

  @Test
  void parse_whenByteOrderMark_thenIgnored() {
    assertThat(ConfigLoader.parse("\uFEFFlisteners:\n  - port: 1883\n"))
        .isEqualTo(BrokerConfig.standalone());
  }

  // ---- the helper itself ----

  @Test
  void yamlWith_nestsThePath() {
    assertThat(yamlWith(ConfigKeys.KEEP_ALIVE_MINIMUM, "5")).isEqualTo("""
        listeners:
          - keep-alive:
              minimum: 5
        """);
    assertThat(yamlWith(ConfigKeys.SESSIONS_MAX_QUEUED, "5"))
        .isEqualTo("sessions:\n  max-queued-messages: 5\n");
    assertThat(everyKey().map(ConfigKey::path).collect(Collectors.toList())).isNotEmpty();
  }

  private static ConfigException error(String yaml) {
    ConfigException e = catchThrowableOfType(ConfigException.class,
        () -> ConfigLoader.parse(yaml, "midge.yaml"));
    assertThat(e).as("expected a ConfigException for:\n" + yaml).isNotNull();
    assertThat(e.getMessage()).doesNotContain("\n");
    return e;
  }
}
