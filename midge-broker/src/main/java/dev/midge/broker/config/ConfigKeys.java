package dev.midge.broker.config;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Every configuration key, defined once: path, type, default and one line of documentation
 * (STYLE.md rule 13). Defaults are read from the config records ({@link KeepAliveConfig#DEFAULTS},
 * {@link ListenerConfig#defaults()}…), never written twice.
 *
 * <p>{@link ConfigLoader} reads YAML with these keys; {@link ConfigReference} writes {@code
 * docs/configuration.md} and {@code docs/midge.example.yaml} from them, and a test fails when
 * those files are not what it would write.
 *
 * <p>To add a key: add its field to the record, a constant here (in the order the reference should
 * show it) and to {@link #ENTRIES}, read it in {@link ConfigLoader}, and regenerate the docs.
 */
public final class ConfigKeys {
  private static final ListenerConfig LISTENER = ListenerConfig.defaults();
  private static final KeepAliveConfig KEEP_ALIVE = KeepAliveConfig.DEFAULTS;
  private static final TlsConfig TLS = TlsConfig.DEFAULTS;
  private static final SessionConfig SESSION = SessionConfig.DEFAULTS;
  private static final LimitsConfig LIMIT = LimitsConfig.DEFAULTS;
  private static final StorageConfig STORE = StorageConfig.DEFAULTS;
  private static final MqttConfig MQTT_DEFAULTS = MqttConfig.DEFAULTS;
  private static final HttpConfig HTTP_DEFAULTS = HttpConfig.DEFAULTS;
  private static final SysConfig SYS_DEFAULTS = SysConfig.DEFAULTS;
  private static final WebhookConfig WEBHOOK_DEFAULTS = WebhookConfig.DEFAULTS;
  private static final AuthConfig AUTH_DEFAULTS = AuthConfig.DEFAULTS;
  private static final Duration MIN_DURATION = Duration.ofMillis(1);
  private static final Duration MAX_DURATION = Duration.ofHours(24);

  private ConfigKeys() {}

  // ---- listeners ----

  public static final ConfigSection LISTENERS = new ConfigSection("listeners", true,
      "one listener named " + LISTENER.name() + " on " + LISTENER.host() + ":" + LISTENER.port()
          + ", reachable from this machine only",
      "The TCP ports MQTT clients connect to, one list item per listener.");

  public static final ConfigKey<String> LISTENER_NAME = new ConfigKey<>("listeners[].name",
      ValueType.name(), LISTENER.name(),
      "A name for logs and metrics, unique among the listeners. Unnamed listeners after the first"
          + " are called listener-1, listener-2 and so on.");

  public static final ConfigKey<String> LISTENER_HOST = new ConfigKey<>("listeners[].host",
      ValueType.host(), LISTENER.host(),
      "The address to listen on: 127.0.0.1 for this machine only, 0.0.0.0 for every IPv4"
          + " interface, :: for every interface, or the address of one interface.");

  public static final ConfigKey<Integer> LISTENER_PORT = new ConfigKey<>("listeners[].port",
      ValueType.integer(0, 65535, null), LISTENER.port(),
      "The TCP port; 0 picks a free one (the command line prints the port it got).");

  public static final ConfigKey<ListenerConfig.Anonymous> LISTENER_ALLOW_ANONYMOUS =
      new ConfigKey<>("listeners[].allow-anonymous",
          ValueType.oneOf(ListenerConfig.Anonymous.class), LISTENER.allowAnonymous(),
          "Whether clients that send no user name may connect: auto lets them in unless"
              + " auth.password-file or auth.http.url is set (so a broker without configuration"
              + " stays open, and one with users is closed to strangers). A client refused gets"
              + " CONNACK 0x87 (MQTT 3.x: 0x05, not authorised).");

  public static final ConfigKey<Integer> LISTENER_MAX_CONNECTIONS = new ConfigKey<>(
      "listeners[].max-connections", ValueType.integer(0, Integer.MAX_VALUE, null),
      LISTENER.maxConnections(),
      "Clients connected at once through this listener, at most, on top of"
          + " limits.max-connections; 0 for no limit of its own. One more is refused as by"
          + " limits.max-connections (CONNACK 0x89, MQTT 3.x: 0x03), counted in"
          + " midge.limits.reached{limit=listener-max-connections} and logged at most once per"
          + " burst.");

  public static final ConfigKey<ListenerConfig.Protocol> LISTENER_PROTOCOL = new ConfigKey<>(
      "listeners[].protocol", ValueType.protocol(), LISTENER.protocol(),
      "What clients speak on the port: mqtt, MQTT over TCP; mqtt+tls, MQTT over TLS 1.2 or 1.3"
          + " (tls section needed); ws, MQTT in binary WebSocket frames on websocket-path; wss,"
          + " the same over TLS (tls section needed).");

  public static final ConfigKey<String> LISTENER_WEBSOCKET_PATH = new ConfigKey<>(
      "listeners[].websocket-path", ValueType.httpPath(), LISTENER.websocketPath(),
      "For ws and wss: the HTTP path of the WebSocket upgrade, with subprotocol mqtt (or"
          + " mqttv3.1); other paths get 404. Only ws and wss listeners may change it.");

  public static final ConfigSection TLS_SECTION = new ConfigSection(
      "listeners[].tls", false, "no TLS (protocol mqtt or ws)",
      "For mqtt+tls and wss: the PEM files of the server's certificate and key, and whether"
          + " clients present certificates. The files are read again when their content changes:"
          + " new connections get the new certificate, connected clients stay (docs/security.md).");

  public static final ConfigKey<String> TLS_CERTIFICATE = new ConfigKey<>(
      "listeners[].tls.certificate", ValueType.file("a PEM file of certificates"),
      TLS.certificate(),
      "The server's certificate chain, PEM: its own certificate first, then any intermediates."
          + " Required for mqtt+tls and wss.");

  public static final ConfigKey<String> TLS_KEY = new ConfigKey<>(
      "listeners[].tls.key", ValueType.file("a PEM file of a private key"), TLS.key(),
      "The private key of the certificate, PEM, unencrypted PKCS#8 (BEGIN PRIVATE KEY; convert"
          + " others with openssl pkcs8 -topk8 -nocrypt). Required for mqtt+tls and wss.");

  public static final ConfigKey<String> TLS_CA = new ConfigKey<>(
      "listeners[].tls.ca", ValueType.file("a PEM file of CA certificates"), TLS.ca(),
      "The certificate authorities client certificates must chain to, PEM; needed when"
          + " client-auth is optional or required, and only then.");

  public static final ConfigKey<TlsConfig.ClientAuth> TLS_CLIENT_AUTH = new ConfigKey<>(
      "listeners[].tls.client-auth", ValueType.oneOf(TlsConfig.ClientAuth.class),
      TLS.clientAuth(),
      "Client certificates: none, not asked for; optional, asked for, and checked against ca"
          + " when given; required, every client must present one that chains to ca, or the"
          + " handshake fails.");

  public static final ConfigKey<Boolean> TLS_USE_SUBJECT_AS_USERNAME = new ConfigKey<>(
      "listeners[].tls.use-subject-as-username", ValueType.bool(), TLS.useSubjectAsUsername(),
      "Whether a client's verified certificate names it: the CN of its subject, or when the"
          + " subject has none its first subject alternative name of type email, DNS or URI,"
          + " replaces the user name of CONNECT. Needs client-auth optional or required.");

  public static final ConfigKey<Duration> TLS_RELOAD_INTERVAL = new ConfigKey<>(
      "listeners[].tls.reload-interval", ValueType.duration(MIN_DURATION, MAX_DURATION),
      TLS.reloadInterval(),
      "How often certificate, key and ca are read to see whether they changed; a change that"
          + " does not load (a key not matching the certificate) is logged and the old files"
          + " stay in use.");

  public static final ConfigSection KEEP_ALIVE_SECTION = new ConfigSection(
      "listeners[].keep-alive", false, "the defaults below",
      "The keep-alive policy of the listener's connections: which keep alive a client gets, what"
          + " counts as a sign of life, and how long a socket may wait before CONNECT.");

  public static final ConfigKey<Integer> KEEP_ALIVE_MINIMUM = new ConfigKey<>(
      "listeners[].keep-alive.minimum", ValueType.integer(0, 65535, "seconds"),
      KEEP_ALIVE.minimum(),
      "The smallest keep alive accepted, in seconds. An MQTT 5 client asking for less is given"
          + " this through Server Keep Alive; an MQTT 3.x client is handled as out-of-range says.");

  public static final ConfigKey<Integer> KEEP_ALIVE_MAXIMUM = new ConfigKey<>(
      "listeners[].keep-alive.maximum", ValueType.integer(0, 65535, "seconds"),
      KEEP_ALIVE.maximum(),
      "The largest keep alive accepted, in seconds, at least minimum. An MQTT 5 client asking for"
          + " more is given this through Server Keep Alive; an MQTT 3.x client is handled as"
          + " out-of-range says.");

  public static final ConfigKey<KeepAliveConfig.OutOfRange> KEEP_ALIVE_OUT_OF_RANGE =
      new ConfigKey<>("listeners[].keep-alive.out-of-range",
          ValueType.oneOf(KeepAliveConfig.OutOfRange.class), KEEP_ALIVE.outOfRange(),
          "What to do with an MQTT 3.x client whose keep alive is outside minimum to maximum (or"
              + " 0 when allow-zero is false), since MQTT 3.x cannot tell it another value: clamp"
              + " uses the nearest allowed value, refuse answers CONNACK 0x02 and logs the real"
              + " reason.");

  public static final ConfigKey<Boolean> KEEP_ALIVE_ALLOW_ZERO = new ConfigKey<>(
      "listeners[].keep-alive.allow-zero", ValueType.bool(), KEEP_ALIVE.allowZero(),
      "Whether a client may turn keep alive off by asking for 0. When false, an MQTT 5 client"
          + " asking for 0 is given maximum, and an MQTT 3.x client is handled as out-of-range"
          + " says.");

  public static final ConfigKey<KeepAliveConfig.Counting> KEEP_ALIVE_COUNTING = new ConfigKey<>(
      "listeners[].keep-alive.counting", ValueType.oneOf(KeepAliveConfig.Counting.class),
      KEEP_ALIVE.counting(),
      "What resets the 1.5 x keep alive deadline: bytes, any byte received, so that a large"
          + " packet still arriving over a slow link is not silence; or packets, only whole"
          + " packets, as the specification words it.");

  public static final ConfigKey<Duration> KEEP_ALIVE_MAX_PACKET_ARRIVAL = new ConfigKey<>(
      "listeners[].keep-alive.max-packet-arrival", ValueType.duration(MIN_DURATION, MAX_DURATION),
      KEEP_ALIVE.maxPacketArrival(),
      "How long one packet may take to arrive once its first byte is in, so that a client"
          + " trickling bytes cannot hold a connection forever.");

  public static final ConfigKey<Duration> KEEP_ALIVE_CONNECT_TIMEOUT = new ConfigKey<>(
      "listeners[].keep-alive.connect-timeout", ValueType.duration(MIN_DURATION, MAX_DURATION),
      KEEP_ALIVE.connectTimeout(),
      "How long a new connection may stay without sending CONNECT before it is closed.");

  // ---- sessions ----

  public static final ConfigSection SESSIONS = new ConfigSection("sessions", false,
      "the defaults below", "Bounds of the state the broker keeps for each client.");

  public static final ConfigKey<Integer> SESSIONS_MAX_INFLIGHT = new ConfigKey<>(
      "sessions.max-inflight-messages", ValueType.integer(1, 65535, null),
      SESSION.maxInflightMessages(),
      "QoS 1 and 2 messages sent to a client and not yet acknowledged, at most; more wait in its"
          + " queue. An MQTT 5 client's Receive Maximum can lower it.");

  public static final ConfigKey<Integer> SESSIONS_MAX_QUEUED = new ConfigKey<>(
      "sessions.max-queued-messages", ValueType.integer(0, Integer.MAX_VALUE, null),
      SESSION.maxQueuedMessages(),
      "Messages waiting for one client (offline, or beyond its in-flight window), at most; beyond"
          + " it new messages for that client are dropped, counted and logged. A connected client"
          + " past half of it holds its publishers back (see slow-subscriber-timeout).");

  public static final ConfigKey<Integer> SESSIONS_MAX_QUEUED_BYTES = new ConfigKey<>(
      "sessions.max-queued-bytes", ValueType.bytes(0, Integer.MAX_VALUE),
      SESSION.maxQueuedBytes(),
      "Bytes of topic, payload and properties of the messages waiting for one client, at most;"
          + " beyond it new messages for that client are dropped, counted and logged. A connected"
          + " client past half of it holds its publishers back (see slow-subscriber-timeout).");

  public static final ConfigKey<Boolean> SESSIONS_QUEUE_QOS0_OFFLINE = new ConfigKey<>(
      "sessions.queue-qos0-when-offline", ValueType.bool(), SESSION.queueQos0WhenOffline(),
      "Whether QoS 0 messages are queued for an offline persistent session, as the specification"
          + " allows (off by default, as in Mosquitto).");

  public static final ConfigKey<Long> SESSIONS_MAX_EXPIRY_INTERVAL = new ConfigKey<>(
      "sessions.max-expiry-interval", ValueType.secondsOrNever(), SESSION.maxExpiryInterval(),
      "The longest a session is kept after its client disconnects, in seconds, or never for no"
          + " limit. An MQTT 5 client asking for more is told this value in CONNACK; an MQTT 3.x"
          + " persistent session (clean session 0), which would never expire, ends after it.");

  public static final ConfigKey<Duration> SESSIONS_SLOW_SUBSCRIBER_TIMEOUT = new ConfigKey<>(
      "sessions.slow-subscriber-timeout", ValueType.duration(Duration.ZERO, MAX_DURATION),
      SESSION.slowSubscriberTimeout(),
      "How long publishers are held back for a connected subscriber whose queue is more than half"
          + " full: their connections stop reading until it has caught up (its queue under a"
          + " quarter), so that nothing is dropped. A subscriber still behind after this long"
          + " holds nobody back until it catches up, and what exceeds its queue is dropped."
          + " 0 never holds publishers back.");

  // ---- limits ----

  public static final ConfigSection LIMITS = new ConfigSection("limits", false,
      "the defaults below",
      "Limits that protect the broker from any one client, and from too many clients.");

  public static final ConfigKey<Integer> LIMITS_MAX_PACKET_SIZE = new ConfigKey<>(
      "limits.max-packet-size", ValueType.bytes(16, LimitsConfig.MQTT_MAX_PACKET_SIZE),
      LIMIT.maxPacketSize(),
      "The largest packet accepted, fixed header included; a larger one closes the connection"
          + " (MQTT 5 clients get reason code 0x95 and are told the limit in CONNACK).");

  public static final ConfigKey<Integer> LIMITS_MAX_CLIENT_ID_LENGTH = new ConfigKey<>(
      "limits.max-client-id-length", ValueType.integer(23, 65535, null),
      LIMIT.maxClientIdLength(),
      "The longest client identifier accepted, in UTF-8 bytes; MQTT 3.1 clients are held to the"
          + " 23 characters their specification allows.");

  public static final ConfigKey<Integer> LIMITS_MAX_CONNECTIONS = new ConfigKey<>(
      "limits.max-connections", ValueType.integer(0, Integer.MAX_VALUE, null),
      LIMIT.maxConnections(),
      "Clients connected at once over all listeners, at most; 0 for no limit. One more is refused"
          + " with CONNACK 0x89 (server busy; MQTT 3.x: 0x03, server unavailable), counted in"
          + " midge.limits.reached and logged at most once per burst; a client taking over its own"
          + " connection is let in.");

  public static final ConfigKey<Integer> LIMITS_MAX_RETAINED_MESSAGES = new ConfigKey<>(
      "limits.max-retained-messages", ValueType.integer(0, Integer.MAX_VALUE, null),
      LIMIT.maxRetainedMessages(),
      "Retained messages kept, at most; 0 for no limit. When full, a retained PUBLISH to a topic"
          + " without one is neither kept nor delivered: MQTT 5 clients get 0x97 (PUBACK or"
          + " PUBREC, DISCONNECT at QoS 0), MQTT 3.x messages are dropped, counted and logged."
          + " Replacing or deleting a retained message is always allowed.");

  public static final ConfigKey<Integer> LIMITS_MAX_SUBSCRIPTIONS_PER_CLIENT = new ConfigKey<>(
      "limits.max-subscriptions-per-client", ValueType.integer(0, Integer.MAX_VALUE, null),
      LIMIT.maxSubscriptionsPerClient(),
      "Topic filters one client's session holds at once, at most; 0 for no limit. A SUBSCRIBE"
          + " filter beyond it gets SUBACK 0x97 quota exceeded (MQTT 3.x: 0x80 failure), the"
          + " other filters of the packet are granted; subscribing again to a filter the session"
          + " holds replaces it and is always allowed.");

  public static final ConfigKey<Integer> LIMITS_CONNECT_RATE_PER_ADDRESS = new ConfigKey<>(
      "limits.connect-rate-per-address", ValueType.integer(0, Integer.MAX_VALUE, "per second"),
      LIMIT.connectRatePerAddress(),
      "New TCP connections per second from one source IP address, at most, after a burst of"
          + " connect-burst-per-address; 0 for no limit. A connection beyond it is closed at"
          + " once, before any TLS handshake or CONNECT is read, counted and logged at most once"
          + " per burst. Other addresses are not affected.");

  public static final ConfigKey<Integer> LIMITS_CONNECT_BURST_PER_ADDRESS = new ConfigKey<>(
      "limits.connect-burst-per-address", ValueType.integer(0, Integer.MAX_VALUE, null),
      LIMIT.connectBurstPerAddress(),
      "Connections one address may open at once before connect-rate-per-address holds it back;"
          + " 0 for as many as the rate allows in one second.");

  public static final ConfigKey<Integer> LIMITS_PUBLISH_RATE_PER_CLIENT = new ConfigKey<>(
      "limits.publish-rate-per-client", ValueType.integer(0, Integer.MAX_VALUE, "per second"),
      LIMIT.publishRatePerClient(),
      "PUBLISH packets per second one connection may send, at most, after a burst of"
          + " publish-burst-per-client; 0 for no limit. Beyond it the broker stops reading the"
          + " connection until the rate allows the next one (TCP pushes back on the client):"
          + " nothing is refused or lost, and the slowdown is counted and logged at most once per"
          + " burst.");

  public static final ConfigKey<Integer> LIMITS_PUBLISH_BURST_PER_CLIENT = new ConfigKey<>(
      "limits.publish-burst-per-client", ValueType.integer(0, Integer.MAX_VALUE, null),
      LIMIT.publishBurstPerClient(),
      "PUBLISH packets one connection may send at once before publish-rate-per-client holds it"
          + " back; 0 for as many as the rate allows in one second.");

  // ---- MQTT features ----

  public static final ConfigSection MQTT = new ConfigSection("mqtt", false,
      "the defaults below",
      "What the broker offers clients; MQTT 5 clients are told most of it in CONNACK.");

  public static final ConfigKey<Integer> MQTT_MAXIMUM_QOS = new ConfigKey<>(
      "mqtt.maximum-qos", ValueType.integer(0, 2, null), MQTT_DEFAULTS.maximumQos(),
      "The highest QoS accepted and granted. Subscriptions are granted at most this; an MQTT 5"
          + " client is told it in CONNACK, and a PUBLISH or will above it is refused with 0x9B"
          + " (DISCONNECT or CONNACK); an MQTT 3.x client sending one is disconnected.");

  public static final ConfigKey<Boolean> MQTT_RETAIN_AVAILABLE = new ConfigKey<>(
      "mqtt.retain-available", ValueType.bool(), MQTT_DEFAULTS.retainAvailable(),
      "Whether retained messages are supported. When false, an MQTT 5 client is told in CONNACK"
          + " and a retained PUBLISH or will is refused with 0x9A (DISCONNECT or CONNACK); an MQTT"
          + " 3.x client sending one is disconnected.");

  public static final ConfigKey<Boolean> MQTT_WILDCARD_SUBSCRIPTIONS = new ConfigKey<>(
      "mqtt.wildcard-subscriptions", ValueType.bool(), MQTT_DEFAULTS.wildcardSubscriptions(),
      "Whether topic filters with + or # are accepted. When false, an MQTT 5 client is told in"
          + " CONNACK, and such a filter gets SUBACK 0xA2 (MQTT 5) or 0x80 (MQTT 3.x).");

  public static final ConfigKey<Boolean> MQTT_SUBSCRIPTION_IDENTIFIERS = new ConfigKey<>(
      "mqtt.subscription-identifiers", ValueType.bool(), MQTT_DEFAULTS.subscriptionIdentifiers(),
      "Whether MQTT 5 Subscription Identifiers are supported; when false a SUBSCRIBE carrying one"
          + " is refused with DISCONNECT 0xA1.");

  public static final ConfigKey<Boolean> MQTT_SHARED_SUBSCRIPTIONS = new ConfigKey<>(
      "mqtt.shared-subscriptions", ValueType.bool(), MQTT_DEFAULTS.sharedSubscriptions(),
      "Whether $share/group/filter subscriptions are supported (from MQTT 5 and MQTT 3.1.1"
          + " clients); when false they get SUBACK 0x9E (MQTT 5) or 0x80 (MQTT 3.x).");

  public static final ConfigKey<MqttConfig.SharedSubscriptionStrategy>
      MQTT_SHARED_SUBSCRIPTION_STRATEGY = new ConfigKey<>(
          "mqtt.shared-subscription-strategy",
          ValueType.oneOf(MqttConfig.SharedSubscriptionStrategy.class),
          MQTT_DEFAULTS.sharedSubscriptionStrategy(),
          "Which member of a shared subscription group gets each message: round-robin, each"
              + " member in turn; random; or sticky, the same member while it stays connected.");

  public static final ConfigKey<Integer> MQTT_TOPIC_ALIAS_MAXIMUM = new ConfigKey<>(
      "mqtt.topic-alias-maximum", ValueType.integer(0, 65535, null),
      MQTT_DEFAULTS.topicAliasMaximum(),
      "The topic aliases an MQTT 5 client may set per connection, told in CONNACK; 0 forbids"
          + " them (CONNACK then has no Topic Alias Maximum). An alias outside 1 to this gets"
          + " DISCONNECT 0x94.");

  public static final ConfigKey<Integer> MQTT_RECEIVE_MAXIMUM = new ConfigKey<>(
      "mqtt.receive-maximum", ValueType.integer(1, 65535, null), MQTT_DEFAULTS.receiveMaximum(),
      "QoS 1 and 2 PUBLISH packets an MQTT 5 client may have unacknowledged, told in CONNACK;"
          + " one more gets DISCONNECT 0x93.");

  public static final ConfigKey<Boolean> MQTT_PAYLOAD_FORMAT_VALIDATION = new ConfigKey<>(
      "mqtt.payload-format-validation", ValueType.bool(),
      MQTT_DEFAULTS.payloadFormatValidation(),
      "Whether a payload with Payload Format Indicator 1 (of a PUBLISH, or of a will) is checked"
          + " to be UTF-8; one that is not is refused with 0x99 (PUBACK / PUBREC, DISCONNECT at"
          + " QoS 0, CONNACK for a will) and counted in midge.messages.refused.");

  public static final ConfigKey<String> MQTT_RESPONSE_INFORMATION_PREFIX = new ConfigKey<>(
      "mqtt.response-information-prefix",
      ValueType.text("the start of a topic name, without + or #; \"\" for none", true),
      MQTT_DEFAULTS.responseInformationPrefix(),
      "An MQTT 5 client that asks for Response Information gets this prefix followed by its"
          + " client identifier, to build response topics on; empty: none is given.");

  public static final ConfigKey<String> MQTT_SERVER_REFERENCE = new ConfigKey<>(
      "mqtt.server-reference",
      ValueType.text("another server's address, such as host:1883; \"\" for none", false),
      MQTT_DEFAULTS.serverReference(),
      "When the broker shuts down, MQTT 5 clients are told to use this server instead"
          + " (DISCONNECT 0x9C with Server Reference); empty: they are told 0x8B, shutting down.");

  public static final ConfigKey<Boolean> MQTT_SERVER_MOVED = new ConfigKey<>(
      "mqtt.server-moved", ValueType.bool(), MQTT_DEFAULTS.serverMoved(),
      "Whether server-reference is permanent: DISCONNECT 0x9D (server moved) instead of 0x9C"
          + " (use another server).");

  // ---- HTTP: admin API, metrics, dashboard ----

  public static final ConfigSection HTTP = new ConfigSection("http", false,
      "the defaults below",
      "The HTTP listener of the admin API (/api/v1), the Prometheus endpoint (/metrics) and the"
          + " dashboard (/), on its own port (docs/admin-api.md). midge broker opens it (--http-port"
          + " overrides the port); an embedded MidgeBroker only when its builder asks, with http()."
          + " It has no authentication: keep it on an address only administrators reach.");

  public static final ConfigKey<Boolean> HTTP_ENABLED = new ConfigKey<>(
      "http.enabled", ValueType.bool(), HTTP_DEFAULTS.enabled(),
      "Whether the HTTP listener is opened; false turns the admin API, /metrics and the"
          + " dashboard off.");

  public static final ConfigKey<String> HTTP_HOST = new ConfigKey<>("http.host",
      ValueType.host(), HTTP_DEFAULTS.host(),
      "The address to listen on, as for an MQTT listener: 127.0.0.1 for this machine only.");

  public static final ConfigKey<Integer> HTTP_PORT = new ConfigKey<>("http.port",
      ValueType.integer(0, 65535, null), HTTP_DEFAULTS.port(),
      "The TCP port; 0 picks a free one (the command line prints the URL it got).");

  // ---- $SYS ----

  public static final ConfigSection SYS = new ConfigSection("sys", false, "the defaults below",
      "The $SYS topics: statistics under Mosquitto's names, and an event per client connection"
          + " and disconnection.");

  public static final ConfigKey<Boolean> SYS_ENABLED = new ConfigKey<>("sys.enabled",
      ValueType.bool(), SYS_DEFAULTS.enabled(),
      "Whether the statistics ($SYS/broker/clients/connected and the rest) are published.");

  public static final ConfigKey<Duration> SYS_INTERVAL = new ConfigKey<>("sys.interval",
      ValueType.duration(Duration.ofSeconds(1), MAX_DURATION), SYS_DEFAULTS.interval(),
      "How often the statistics are published.");

  public static final ConfigKey<Boolean> SYS_CLIENT_EVENTS = new ConfigKey<>(
      "sys.client-events", ValueType.bool(), SYS_DEFAULTS.clientEvents(),
      "Whether each client's connection and disconnection is published on"
          + " $SYS/broker/clients/{id}/connected and .../disconnected, as JSON with the reason.");

  // ---- offline-push webhook ----

  public static final ConfigSection WEBHOOK = new ConfigSection("webhook", false,
      "no webhook",
      "The offline-push webhook: a JSON event POSTed when a message is queued for a persistent"
          + " session whose client is not connected, so that an application server can send a"
          + " push notification.");

  public static final ConfigKey<String> WEBHOOK_URL = new ConfigKey<>("webhook.url",
      ValueType.text("an http:// or https:// URL; \"\" for none", false), WEBHOOK_DEFAULTS.url(),
      "Where the events are POSTed; empty: no webhook.");

  public static final ConfigKey<String> WEBHOOK_AUTHORIZATION = new ConfigKey<>(
      "webhook.authorization",
      ValueType.text("the value of an Authorization header; \"\" for none", false),
      WEBHOOK_DEFAULTS.authorization(),
      "Sent as the Authorization header of each POST, such as Bearer and a token; empty: none.");

  public static final ConfigKey<Duration> WEBHOOK_BATCH_DELAY = new ConfigKey<>(
      "webhook.batch-delay", ValueType.duration(Duration.ZERO, MAX_DURATION),
      WEBHOOK_DEFAULTS.batchDelay(),
      "How long events are gathered before they are POSTed together.");

  public static final ConfigKey<Integer> WEBHOOK_MAX_BATCH_SIZE = new ConfigKey<>(
      "webhook.max-batch-size", ValueType.integer(1, 100_000, null),
      WEBHOOK_DEFAULTS.maxBatchSize(),
      "Events in one POST, at most.");

  public static final ConfigKey<Duration> WEBHOOK_MIN_INTERVAL = new ConfigKey<>(
      "webhook.min-interval", ValueType.duration(Duration.ZERO, MAX_DURATION),
      WEBHOOK_DEFAULTS.minInterval(),
      "The least time between two events for one client; messages queued in between are counted"
          + " into its next event.");

  public static final ConfigKey<Integer> WEBHOOK_MAX_ATTEMPTS = new ConfigKey<>(
      "webhook.max-attempts", ValueType.integer(1, 100, null), WEBHOOK_DEFAULTS.maxAttempts(),
      "Tries per POST, the first included; after the last failure its events are dropped and"
          + " counted in midge.webhook.failures.");

  public static final ConfigKey<Duration> WEBHOOK_RETRY_BACKOFF = new ConfigKey<>(
      "webhook.retry-backoff", ValueType.duration(Duration.ZERO, MAX_DURATION),
      WEBHOOK_DEFAULTS.retryBackoff(),
      "The wait before the first retry of a failed POST, doubled before each further one.");

  public static final ConfigKey<Duration> WEBHOOK_TIMEOUT = new ConfigKey<>(
      "webhook.timeout", ValueType.duration(MIN_DURATION, MAX_DURATION),
      WEBHOOK_DEFAULTS.timeout(),
      "How long one POST may take before it counts as failed.");

  public static final ConfigKey<Integer> WEBHOOK_MAX_PENDING_CLIENTS = new ConfigKey<>(
      "webhook.max-pending-clients", ValueType.integer(1, Integer.MAX_VALUE, null),
      WEBHOOK_DEFAULTS.maxPendingClients(),
      "Clients with an event waiting to be sent, at most; events for more are dropped and"
          + " counted.");

  // ---- storage ----

  public static final ConfigSection STORAGE = new ConfigSection("storage", false,
      "the defaults below: RocksDB in " + StorageConfig.DEFAULT_DATA_DIR
          + ", every acknowledged message synced",
      "Where persistent sessions, queued and in-flight messages, retained messages and delayed"
          + " wills are kept, and when they reach the disk (docs/storage.md).");

  public static final ConfigKey<String> STORAGE_DATA_DIR = new ConfigKey<>(
      "storage.data-dir", ValueType.dataDir(), StorageConfig.DEFAULT_DATA_DIR,
      "The RocksDB data directory, created if missing, relative to the working directory unless"
          + " absolute; none keeps everything in memory, lost when the broker stops.");

  public static final ConfigKey<StorageConfig.Sync> STORAGE_SYNC = new ConfigKey<>(
      "storage.sync", ValueType.oneOf(StorageConfig.Sync.class), STORE.sync(),
      "When writes are synced to disk: always, before each PUBACK or PUBREC, with writes from"
          + " many clients grouped (nothing acknowledged is lost, even on power loss); interval,"
          + " every sync-interval; never, left to the operating system. Killing the broker loses"
          + " nothing acknowledged in any mode.");

  public static final ConfigKey<Duration> STORAGE_SYNC_INTERVAL = new ConfigKey<>(
      "storage.sync-interval", ValueType.duration(MIN_DURATION, Duration.ofMinutes(1)),
      STORE.syncInterval(),
      "How often writes are synced to disk when sync is interval: the most a power loss can"
          + " take.");

  // ---- authentication and authorisation ----

  public static final ConfigSection AUTH = new ConfigSection("auth", false,
      "no authentication: every client may connect, publish and subscribe to anything",
      "Who may connect and what each client may publish and subscribe to, from files in"
          + " Mosquitto 2's formats and an HTTP service (docs/security.md).");

  public static final ConfigKey<String> AUTH_PASSWORD_FILE = new ConfigKey<>(
      "auth.password-file", ValueType.text("a file path; \"\" for none", false),
      AUTH_DEFAULTS.passwordFile(),
      "The password file, one user:$7$... line per user as mosquitto_passwd or midge passwd"
          + " write it, relative to the working directory unless absolute. A client whose user"
          + " name is in it and whose password is wrong gets CONNACK 0x86 (MQTT 3.x: 0x04);"
          + " reloaded on SIGHUP and when it changes; empty: none.");

  public static final ConfigKey<String> AUTH_ACL_FILE = new ConfigKey<>(
      "auth.acl-file", ValueType.text("a file path; \"\" for none", false),
      AUTH_DEFAULTS.aclFile(),
      "The ACL file in Mosquitto's format (user, topic and pattern lines): what each client may"
          + " publish, subscribe to and receive; anything not granted is refused. Reloaded on"
          + " SIGHUP and when it changes; empty: every client may use every topic.");

  public static final ConfigKey<Duration> AUTH_RELOAD_CHECK_INTERVAL = new ConfigKey<>(
      "auth.reload-check-interval", ValueType.duration(Duration.ZERO, MAX_DURATION),
      AUTH_DEFAULTS.reloadCheckInterval(),
      "How often the password and ACL files are looked at for changes, which are then read"
          + " again (a broken file keeps the rules read before, and is logged); 0s: only on"
          + " SIGHUP.");

  public static final ConfigSection AUTH_HTTP = new ConfigSection("auth.http", false,
      "no HTTP authentication",
      "An HTTP service that authenticates the clients the password file does not know: the"
          + " broker POSTs {clientId, username, password, address} as JSON; 2xx lets the client"
          + " in, 4xx refuses it.");

  public static final ConfigKey<String> AUTH_HTTP_URL = new ConfigKey<>(
      "auth.http.url", ValueType.text("an http:// or https:// URL; \"\" for none", false),
      AUTH_DEFAULTS.httpUrl(),
      "Where the JSON is POSTed; empty: no HTTP authentication.");

  public static final ConfigKey<Duration> AUTH_HTTP_TIMEOUT = new ConfigKey<>(
      "auth.http.timeout", ValueType.duration(MIN_DURATION, Duration.ofMinutes(1)),
      AUTH_DEFAULTS.httpTimeout(),
      "How long the service may take to answer; no answer in time, a 5xx or a failed"
          + " connection refuses the client with CONNACK 0x87 (MQTT 3.x: 0x05).");

  /** Every section and key, in the order of the reference. */
  public static final List<ConfigEntry> ENTRIES = List.of(
      LISTENERS, LISTENER_NAME, LISTENER_HOST, LISTENER_PORT, LISTENER_PROTOCOL,
      LISTENER_WEBSOCKET_PATH, LISTENER_ALLOW_ANONYMOUS, LISTENER_MAX_CONNECTIONS,
      TLS_SECTION, TLS_CERTIFICATE, TLS_KEY, TLS_CA, TLS_CLIENT_AUTH, TLS_USE_SUBJECT_AS_USERNAME,
      TLS_RELOAD_INTERVAL,
      KEEP_ALIVE_SECTION, KEEP_ALIVE_MINIMUM, KEEP_ALIVE_MAXIMUM, KEEP_ALIVE_OUT_OF_RANGE,
      KEEP_ALIVE_ALLOW_ZERO, KEEP_ALIVE_COUNTING, KEEP_ALIVE_MAX_PACKET_ARRIVAL,
      KEEP_ALIVE_CONNECT_TIMEOUT,
      SESSIONS, SESSIONS_MAX_INFLIGHT, SESSIONS_MAX_QUEUED, SESSIONS_MAX_QUEUED_BYTES,
      SESSIONS_QUEUE_QOS0_OFFLINE, SESSIONS_MAX_EXPIRY_INTERVAL,
      SESSIONS_SLOW_SUBSCRIBER_TIMEOUT,
      LIMITS, LIMITS_MAX_PACKET_SIZE, LIMITS_MAX_CLIENT_ID_LENGTH, LIMITS_MAX_CONNECTIONS,
      LIMITS_MAX_RETAINED_MESSAGES, LIMITS_MAX_SUBSCRIPTIONS_PER_CLIENT,
      LIMITS_CONNECT_RATE_PER_ADDRESS, LIMITS_CONNECT_BURST_PER_ADDRESS,
      LIMITS_PUBLISH_RATE_PER_CLIENT, LIMITS_PUBLISH_BURST_PER_CLIENT,
      MQTT, MQTT_MAXIMUM_QOS, MQTT_RETAIN_AVAILABLE, MQTT_WILDCARD_SUBSCRIPTIONS,
      MQTT_SUBSCRIPTION_IDENTIFIERS, MQTT_SHARED_SUBSCRIPTIONS, MQTT_SHARED_SUBSCRIPTION_STRATEGY,
      MQTT_TOPIC_ALIAS_MAXIMUM, MQTT_RECEIVE_MAXIMUM, MQTT_PAYLOAD_FORMAT_VALIDATION,
      MQTT_RESPONSE_INFORMATION_PREFIX, MQTT_SERVER_REFERENCE, MQTT_SERVER_MOVED,
      HTTP, HTTP_ENABLED, HTTP_HOST, HTTP_PORT,
      SYS, SYS_ENABLED, SYS_INTERVAL, SYS_CLIENT_EVENTS,
      WEBHOOK, WEBHOOK_URL, WEBHOOK_AUTHORIZATION, WEBHOOK_BATCH_DELAY, WEBHOOK_MAX_BATCH_SIZE,
      WEBHOOK_MIN_INTERVAL, WEBHOOK_MAX_ATTEMPTS, WEBHOOK_RETRY_BACKOFF, WEBHOOK_TIMEOUT,
      WEBHOOK_MAX_PENDING_CLIENTS,
      STORAGE, STORAGE_DATA_DIR, STORAGE_SYNC, STORAGE_SYNC_INTERVAL,
      AUTH, AUTH_PASSWORD_FILE, AUTH_ACL_FILE, AUTH_RELOAD_CHECK_INTERVAL,
      AUTH_HTTP, AUTH_HTTP_URL, AUTH_HTTP_TIMEOUT);

  /** Every key holding a value, in the order of the reference. */
  public static List<ConfigKey<?>> keys() {
    return ENTRIES.stream()
        .filter(e -> e instanceof ConfigKey<?>)
        .<ConfigKey<?>>map(e -> (ConfigKey<?>) e)
        .collect(Collectors.toUnmodifiableList());
  }

  /** Every section, in the order of the reference. */
  public static List<ConfigSection> sections() {
    return ENTRIES.stream()
        .filter(e -> e instanceof ConfigSection)
        .map(e -> (ConfigSection) e)
        .collect(Collectors.toUnmodifiableList());
  }

  /**
   * The entries directly inside the mapping at {@code path} ({@code ""} for the top, {@code
   * listeners[]} for a listener), in order.
   */
  public static List<ConfigEntry> childrenOf(String path) {
    return ENTRIES.stream()
        .filter(e -> e.parent().equals(path))
        .collect(Collectors.toUnmodifiableList());
  }
}
