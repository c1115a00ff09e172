package dev.midge.broker.config;

import dev.midge.broker.config.YamlTree.Entry;
import dev.midge.broker.config.YamlTree.Mapping;
import dev.midge.broker.config.YamlTree.Node;
import dev.midge.broker.config.YamlTree.Scalar;
import dev.midge.broker.config.YamlTree.Sequence;
import dev.midge.broker.transport.tls.TlsFiles;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Reads a YAML configuration file into a {@link BrokerConfig}, with the keys of {@link
 * ConfigKeys} (listed in {@code docs/configuration.md}).
 *
 * <pre>{@code
 * BrokerConfig config = ConfigLoader.load(Path.of("midge.yaml"));
 * try (MidgeBroker broker = MidgeBroker.builder().config(config).build().start()) { ... }
 * }</pre>
 *
 * <p>A missing key takes its default, a missing or empty section all of its defaults, and a file
 * without {@code listeners} one listener on 127.0.0.1:1883; an empty file is {@link
 * BrokerConfig#standalone()}: the defaults with the state in {@code ./data} (a configuration
 * file is for a broker that runs on its own, whose state outlives it). Anything else is refused
 * with a {@link ConfigException} naming the exact key ({@code
 * listeners[0].keep-alive.maximum}), its line, what was found, what is allowed and the fix: an
 * unknown key (with the closest known one), a value of the wrong type or out of range,
 * a key given twice, keep-alive minimum above maximum, two listeners with one name or address, and
 * YAML syntax errors (with line and column). Nothing is guessed or silently ignored.
 *
 * <p>Stateless and thread-safe.
 */
public final class ConfigLoader {
  private static final String STRING_SOURCE = "config";

  private final String source;

  private ConfigLoader(String source) {
    this.source = source;
  }

  /**
   * Reads the file at {@code file}.
   *
   * @throws ConfigException when it cannot be read or is not a valid configuration; the message
   *     starts with the file name as given
   */
  public static BrokerConfig load(Path file) {
    String name = file.toString();
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(name, 0, 0, null, "no such file",
          "check the path (relative paths start from the current directory, "
              + Path.of("").toAbsolutePath() + ")");
    } catch (AccessDeniedException e) {
      throw new ConfigException(name, 0, 0, null, "not readable (permission denied)",
          "make it readable by this user");
    } catch (CharacterCodingException e) {
      throw new ConfigException(name, 0, 0, null, "not UTF-8 text", "save it as UTF-8");
    } catch (IOException e) {
      String why = Files.isDirectory(file) ? "a directory, not a file" : "cannot be read: " + e;
      throw new ConfigException(name, 0, 0, null, why, "give the path of a YAML file");
    }
    return parse(text, name);
  }

  /** Reads a configuration from YAML text; errors name the source {@code config}. */
  public static BrokerConfig parse(String yaml) {
    return parse(yaml, STRING_SOURCE);
  }

  /**
   * Reads a configuration from YAML text.
   *
   * @param source how errors name the text, usually its file name
   */
  public static BrokerConfig parse(String yaml, String source) {
    String text = yaml.startsWith("\uFEFF") ? yaml.substring(1) : yaml;
    return new ConfigLoader(source).read(YamlTree.parse(text, source));
  }

  // ---- the tree to records ----

  private BrokerConfig read(@Nullable Node root) {
    Mapping top = section(root, "", "the file", 1, 1);
    checkKeys(top, "", "");
    List<ListenerConfig> listeners = listeners(top.get(ConfigKeys.LISTENERS.name()));
    Mapping sessions = childSection(top, ConfigKeys.SESSIONS, "");
    Mapping limits = childSection(top, ConfigKeys.LIMITS, "");
    Mapping storage = childSection(top, ConfigKeys.STORAGE, "");
    SessionConfig s = build(ConfigKeys.SESSIONS.path(), sessions, () -> new SessionConfig(
        value(sessions, ConfigKeys.SESSIONS.path(), ConfigKeys.SESSIONS_MAX_INFLIGHT),
        value(sessions, ConfigKeys.SESSIONS.path(), ConfigKeys.SESSIONS_MAX_QUEUED),
        value(sessions, ConfigKeys.SESSIONS.path(), ConfigKeys.SESSIONS_QUEUE_QOS0_OFFLINE),
        value(sessions, ConfigKeys.SESSIONS.path(), ConfigKeys.SESSIONS_MAX_QUEUED_BYTES),
        value(sessions, ConfigKeys.SESSIONS.path(), ConfigKeys.SESSIONS_MAX_EXPIRY_INTERVAL),
        value(sessions, ConfigKeys.SESSIONS.path(), ConfigKeys.SESSIONS_SLOW_SUBSCRIBER_TIMEOUT)));
    LimitsConfig l = build(ConfigKeys.LIMITS.path(), limits, () -> new LimitsConfig(
        value(limits, ConfigKeys.LIMITS.path(), ConfigKeys.LIMITS_MAX_PACKET_SIZE),
        value(limits, ConfigKeys.LIMITS.path(), ConfigKeys.LIMITS_MAX_CLIENT_ID_LENGTH),
        value(limits, ConfigKeys.LIMITS.path(), ConfigKeys.LIMITS_MAX_CONNECTIONS),
        value(limits, ConfigKeys.LIMITS.path(), ConfigKeys.LIMITS_MAX_RETAINED_MESSAGES),
        value(limits, ConfigKeys.LIMITS.path(), ConfigKeys.LIMITS_MAX_SUBSCRIPTIONS_PER_CLIENT),
        value(limits, ConfigKeys.LIMITS.path(), ConfigKeys.LIMITS_CONNECT_RATE_PER_ADDRESS),
        value(limits, ConfigKeys.LIMITS.path(), ConfigKeys.LIMITS_CONNECT_BURST_PER_ADDRESS),
        value(limits, ConfigKeys.LIMITS.path(), ConfigKeys.LIMITS_PUBLISH_RATE_PER_CLIENT),
        value(limits, ConfigKeys.LIMITS.path(), ConfigKeys.LIMITS_PUBLISH_BURST_PER_CLIENT)));
    Mapping mqtt = childSection(top, ConfigKeys.MQTT, "");
    String at = ConfigKeys.MQTT.path();
    MqttConfig q = build(at, mqtt, () -> new MqttConfig(
        value(mqtt, at, ConfigKeys.MQTT_MAXIMUM_QOS),
        value(mqtt, at, ConfigKeys.MQTT_RETAIN_AVAILABLE),
        value(mqtt, at, ConfigKeys.MQTT_WILDCARD_SUBSCRIPTIONS),
        value(mqtt, at, ConfigKeys.MQTT_SUBSCRIPTION_IDENTIFIERS),
        value(mqtt, at, ConfigKeys.MQTT_SHARED_SUBSCRIPTIONS),
        value(mqtt, at, ConfigKeys.MQTT_SHARED_SUBSCRIPTION_STRATEGY),
        value(mqtt, at, ConfigKeys.MQTT_TOPIC_ALIAS_MAXIMUM),
        value(mqtt, at, ConfigKeys.MQTT_RECEIVE_MAXIMUM),
        value(mqtt, at, ConfigKeys.MQTT_PAYLOAD_FORMAT_VALIDATION),
        value(mqtt, at, ConfigKeys.MQTT_RESPONSE_INFORMATION_PREFIX),
        value(mqtt, at, ConfigKeys.MQTT_SERVER_REFERENCE),
        value(mqtt, at, ConfigKeys.MQTT_SERVER_MOVED)));
    Mapping httpSection = childSection(top, ConfigKeys.HTTP, "");
    String h = ConfigKeys.HTTP.path();
    HttpConfig http = build(h, httpSection, () -> new HttpConfig(
        value(httpSection, h, ConfigKeys.HTTP_ENABLED),
        value(httpSection, h, ConfigKeys.HTTP_HOST),
        value(httpSection, h, ConfigKeys.HTTP_PORT)));
    Mapping sysSection = childSection(top, ConfigKeys.SYS, "");
    String y = ConfigKeys.SYS.path();
    SysConfig sys = build(y, sysSection, () -> new SysConfig(
        value(sysSection, y, ConfigKeys.SYS_ENABLED),
        value(sysSection, y, ConfigKeys.SYS_INTERVAL),
        value(sysSection, y, ConfigKeys.SYS_CLIENT_EVENTS)));
    Mapping hook = childSection(top, ConfigKeys.WEBHOOK, "");
    String w = ConfigKeys.WEBHOOK.path();
    WebhookConfig webhook = build(w, hook, () -> new WebhookConfig(
        value(hook, w, ConfigKeys.WEBHOOK_URL),
        value(hook, w, ConfigKeys.WEBHOOK_AUTHORIZATION),
        value(hook, w, ConfigKeys.WEBHOOK_BATCH_DELAY),
        value(hook, w, ConfigKeys.WEBHOOK_MAX_BATCH_SIZE),
        value(hook, w, ConfigKeys.WEBHOOK_MIN_INTERVAL),
        value(hook, w, ConfigKeys.WEBHOOK_MAX_ATTEMPTS),
        value(hook, w, ConfigKeys.WEBHOOK_RETRY_BACKOFF),
        value(hook, w, ConfigKeys.WEBHOOK_TIMEOUT),
        value(hook, w, ConfigKeys.WEBHOOK_MAX_PENDING_CLIENTS)));
    String st = ConfigKeys.STORAGE.path();
    StorageConfig store = build(st, storage, () -> new StorageConfig(
        StorageConfig.parseDataDir(value(storage, st, ConfigKeys.STORAGE_DATA_DIR)),
        value(storage, st, ConfigKeys.STORAGE_SYNC),
        value(storage, st, ConfigKeys.STORAGE_SYNC_INTERVAL)));
    Mapping authSection = childSection(top, ConfigKeys.AUTH, "");
    String a = ConfigKeys.AUTH.path();
    Mapping authHttp = childSection(authSection, ConfigKeys.AUTH_HTTP, a);
    String ah = ConfigKeys.AUTH_HTTP.path();
    AuthConfig auth = build(a, authSection, () -> new AuthConfig(
        value(authSection, a, ConfigKeys.AUTH_PASSWORD_FILE),
        value(authSection, a, ConfigKeys.AUTH_ACL_FILE),
        value(authHttp, ah, ConfigKeys.AUTH_HTTP_URL),
        value(authHttp, ah, ConfigKeys.AUTH_HTTP_TIMEOUT),
        value(authSection, a, ConfigKeys.AUTH_RELOAD_CHECK_INTERVAL)));
    return new BrokerConfig(listeners, s, l, q, http, sys, webhook, store, auth);
  }

  private List<ListenerConfig> listeners(@Nullable Entry entry) {
    String path = ConfigKeys.LISTENERS.path();
    if (entry == null || isEmpty(entry.value())) {
      return List.of(ListenerConfig.defaults());
    }
    if (!(entry.value() instanceof Sequence seq)) {
      throw error(entry.value(), path, "found " + describe(entry.value())
              + ", allowed: a list of listeners",
          "write each listener as a list item: a line 'listeners:', then '  - name: default',"
              + " '    port: 1883' and so on");
    }
    if (seq.items().isEmpty()) {
      throw error(seq, path, "found an empty list, allowed: one listener or more",
          "add a listener, or remove the key for the default ("
              + ConfigKeys.LISTENERS.defaultText() + ")");
    }
    List<ListenerConfig> result = new ArrayList<>();
    Map<String, String> names = new HashMap<>();
    Map<String, String> addresses = new HashMap<>();
    for (int i = 0; i < seq.items().size(); i++) {
      Node item = seq.items().get(i);
      String at = path + "[" + i + "]";
      Mapping m = section(item, at, "a listener", item.line(), item.column());
      ListenerConfig listener = listener(m, at, i);
      String sameName = names.putIfAbsent(listener.name(), at);
      if (sameName != null) {
        Entry e = m.get(ConfigKeys.LISTENER_NAME.name());
        throw error(e == null ? m : e.value(), at + "." + ConfigKeys.LISTENER_NAME.name(),
            "found " + listener.name() + ", already the name of " + sameName,
            "give each listener its own name");
      }
      if (listener.port() != 0) {
        String address = listener.host() + ":" + listener.port();
        String sameAddress = addresses.putIfAbsent(address, at);
        if (sameAddress != null) {
          Entry e = m.get(ConfigKeys.LISTENER_PORT.name());
          throw error(e == null ? m : e.value(), at + "." + ConfigKeys.LISTENER_PORT.name(),
              "found " + listener.port() + ", but " + sameAddress + " already listens on "
                  + address,
              "give each listener its own port (or host)");
        }
      }
      result.add(listener);
    }
    return result;
  }

  private ListenerConfig listener(Mapping m, String at, int index) {
    String itemPath = ConfigKeys.LISTENERS.itemPath();
    checkKeys(m, itemPath, at);
    String name = m.get(ConfigKeys.LISTENER_NAME.name()) != null
        ? value(m, at, ConfigKeys.LISTENER_NAME)
        : index == 0 ? ConfigKeys.LISTENER_NAME.defaultValue() : "listener-" + index;
    String host = value(m, at, ConfigKeys.LISTENER_HOST);
    int port = value(m, at, ConfigKeys.LISTENER_PORT);
    KeepAliveConfig keepAlive = keepAlive(childSection(m, ConfigKeys.KEEP_ALIVE_SECTION, at),
        at + "." + ConfigKeys.KEEP_ALIVE_SECTION.name());
    ListenerConfig.Anonymous allowAnonymous = value(m, at, ConfigKeys.LISTENER_ALLOW_ANONYMOUS);
    ListenerConfig.Protocol protocol = value(m, at, ConfigKeys.LISTENER_PROTOCOL);
    String websocketPath = value(m, at, ConfigKeys.LISTENER_WEBSOCKET_PATH);
    Entry pathEntry = m.get(ConfigKeys.LISTENER_WEBSOCKET_PATH.name());
    if (!protocol.webSocket() && pathEntry != null
        && !websocketPath.equals(ConfigKeys.LISTENER_WEBSOCKET_PATH.defaultValue())) {
      throw error(pathEntry.value(), at + "." + ConfigKeys.LISTENER_WEBSOCKET_PATH.name(),
          "found " + websocketPath + ", but protocol is " + protocol.configName()
              + ", which has no WebSocket",
          "set " + at + ".protocol to ws or wss, or remove websocket-path");
    }
    int maxConnections = value(m, at, ConfigKeys.LISTENER_MAX_CONNECTIONS);
    String tlsAt = at + "." + ConfigKeys.TLS_SECTION.name();
    TlsConfig tls = tls(childSection(m, ConfigKeys.TLS_SECTION, at), tlsAt, protocol, at);
    return build(at, m, () -> new ListenerConfig(name, host, port, keepAlive, protocol, tls,
        websocketPath, allowAnonymous, maxConnections));
  }

  /**
   * The {@code tls} section of a listener speaking {@code protocol}. Its files are read and checked
   * now, so that a bad one is reported with its line; the broker reads them again when it starts.
   */
  private TlsConfig tls(Mapping m, String at, ListenerConfig.Protocol protocol,
      String listenerAt) {
    String certificate = value(m, at, ConfigKeys.TLS_CERTIFICATE);
    String key = value(m, at, ConfigKeys.TLS_KEY);
    String ca = value(m, at, ConfigKeys.TLS_CA);
    TlsConfig.ClientAuth clientAuth = value(m, at, ConfigKeys.TLS_CLIENT_AUTH);
    boolean subjectAsUsername = value(m, at, ConfigKeys.TLS_USE_SUBJECT_AS_USERNAME);
    Duration reloadInterval = value(m, at, ConfigKeys.TLS_RELOAD_INTERVAL);
    TlsConfig tls = build(at, m, () -> new TlsConfig(certificate, key, ca, clientAuth,
        subjectAsUsername, reloadInterval));
    if (!protocol.tls()) {
      // The example file writes every key at its default: only values that would mean something
      // are refused on a listener without TLS.
      for (ConfigKey<?> k : List.of(ConfigKeys.TLS_CERTIFICATE, ConfigKeys.TLS_KEY,
          ConfigKeys.TLS_CA, ConfigKeys.TLS_CLIENT_AUTH, ConfigKeys.TLS_USE_SUBJECT_AS_USERNAME,
          ConfigKeys.TLS_RELOAD_INTERVAL)) {
        Entry e = m.get(k.name());
        if (e != null && !value(m, at, k).equals(k.defaultValue())) {
          throw error(e.value(), at + "." + k.name(), "set, but " + listenerAt + ".protocol is "
                  + protocol.configName() + ", which has no TLS",
              "set " + listenerAt + ".protocol to mqtt+tls or wss, or remove " + at);
        }
      }
      return TlsConfig.DEFAULTS;
    }
    for (ConfigKey<String> k : List.of(ConfigKeys.TLS_CERTIFICATE, ConfigKeys.TLS_KEY)) {
      if (value(m, at, k).isEmpty()) {
        Entry e = m.get(k.name());
        throw error(e == null ? m : e.value(), at + "." + k.name(),
            "missing, but " + listenerAt + ".protocol " + protocol.configName() + " needs it",
            "give the path of the PEM file of the server's " + (k == ConfigKeys.TLS_KEY
                ? "private key" : "certificate") + " (docs/security.md shows how to make one)");
      }
    }
    if (clientAuth == TlsConfig.ClientAuth.NONE) {
      if (!ca.isEmpty()) {
        Entry e = Objects.requireNonNull(m.get(ConfigKeys.TLS_CA.name()));
        throw error(e.value(), at + "." + ConfigKeys.TLS_CA.name(),
            "set, but client-auth is none, so no client certificate is checked against it",
            "set " + at + ".client-auth to optional or required, or remove ca");
      }
      if (subjectAsUsername) {
        Entry e = Objects.requireNonNull(m.get(ConfigKeys.TLS_USE_SUBJECT_AS_USERNAME.name()));
        throw error(e.value(), at + "." + ConfigKeys.TLS_USE_SUBJECT_AS_USERNAME.name(),
            "true, but client-auth is none, so clients present no certificate",
            "set " + at + ".client-auth to optional or required, or remove"
                + " use-subject-as-username");
      }
    } else if (ca.isEmpty()) {
      Entry e = m.get(ConfigKeys.TLS_CLIENT_AUTH.name());
      throw error(e == null ? m : e.value(), at + "." + ConfigKeys.TLS_CA.name(),
          "missing, but client-auth is " + ConfigKeys.TLS_CLIENT_AUTH.type().format(clientAuth)
              + ": client certificates need a CA to be checked against",
          "give " + at + ".ca, the PEM file of the CA that signs the client certificates");
    }
    try {
      TlsFiles.load(tls);
    } catch (TlsFiles.Problem p) {
      Entry e = m.get(p.key());
      throw error(e == null ? m : e.value(), at + "." + p.key(), p.problem(), p.fix());
    }
    return tls;
  }

  private KeepAliveConfig keepAlive(Mapping m, String at) {
    int minimum = value(m, at, ConfigKeys.KEEP_ALIVE_MINIMUM);
    int maximum = value(m, at, ConfigKeys.KEEP_ALIVE_MAXIMUM);
    if (minimum > maximum) {
      // Blame the key that was written: the other one holds its default.
      Entry min = m.get(ConfigKeys.KEEP_ALIVE_MINIMUM.name());
      Entry max = m.get(ConfigKeys.KEEP_ALIVE_MAXIMUM.name());
      boolean blameMax = max != null && min == null;
      ConfigKey<Integer> key = blameMax ? ConfigKeys.KEEP_ALIVE_MAXIMUM
          : ConfigKeys.KEEP_ALIVE_MINIMUM;
      Entry e = blameMax ? max : min;
      throw error(e == null ? m : e.value(), at + "." + key.name(),
          blameMax
              ? "found " + maximum + ", below minimum (" + minimum + "), allowed: minimum to 65535"
              : "found " + minimum + ", above maximum (" + maximum + "), allowed: 0 to maximum",
          "make minimum at most maximum: lower " + at + ".minimum or raise " + at + ".maximum");
    }
    KeepAliveConfig.OutOfRange outOfRange = value(m, at, ConfigKeys.KEEP_ALIVE_OUT_OF_RANGE);
    boolean allowZero = value(m, at, ConfigKeys.KEEP_ALIVE_ALLOW_ZERO);
    if (!allowZero && maximum == 0) {
      // Maximum 0 gives every client keep alive 0, which allow-zero: false forbids.
      Entry e = m.get(ConfigKeys.KEEP_ALIVE_ALLOW_ZERO.name());
      throw error(e == null ? m : e.value(), at + "." + ConfigKeys.KEEP_ALIVE_ALLOW_ZERO.name(),
          "found false, but maximum is 0, which turns keep alive off for every client",
          "raise " + at + ".maximum, or remove allow-zero");
    }
    KeepAliveConfig.Counting counting = value(m, at, ConfigKeys.KEEP_ALIVE_COUNTING);
    Duration maxPacketArrival = value(m, at, ConfigKeys.KEEP_ALIVE_MAX_PACKET_ARRIVAL);
    Duration connectTimeout = value(m, at, ConfigKeys.KEEP_ALIVE_CONNECT_TIMEOUT);
    return build(at, m, () -> new KeepAliveConfig(minimum, maximum, outOfRange, allowZero,
        counting, maxPacketArrival, connectTimeout));
  }

  // ---- reading values ----

  /**
   * The value of {@code key} in {@code m} (the mapping at {@code at}, such as {@code
   * listeners[0].keep-alive}), or its default when absent.
   */
  private <T> T value(Mapping m, String at, ConfigKey<T> key) {
    Entry e = m.get(key.name());
    if (e == null) {
      return key.defaultValue();
    }
    String path = join(at, key.name());
    Node node = e.value();
    String fallback = "write an allowed value, or remove the key for the default ("
        + key.defaultText() + ")";
    if (!(node instanceof Scalar s)) {
      throw error(node, path, "found " + describe(node) + ", allowed: " + key.allowed(),
          "write a single value on the line of the key, or remove the key for the default ("
              + key.defaultText() + ")");
    }
    boolean emptyString = s.token() == JsonToken.VALUE_STRING && s.text().isEmpty();
    if (s.isEmpty() && !(emptyString && key.type().acceptsEmpty())) {
      throw error(node, path, "found no value, allowed: " + key.allowed(),
          "write a value after the colon, or remove the key for the default ("
              + key.defaultText() + ")");
    }
    try {
      return key.type().parse(s.text());
    } catch (ValueType.Rejected r) {
      String fix = r.fix() == null ? fallback : r.fix();
      throw error(node, path, "found " + describe(node) + ", allowed: " + key.allowed(), fix);
    }
  }

  /** The mapping of section {@code section} inside {@code parent}; empty when absent. */
  private Mapping childSection(Mapping parent, ConfigSection section, String parentAt) {
    Entry e = parent.get(section.name());
    String at = join(parentAt, section.name());
    if (e == null) {
      return Mapping.empty(parent.line(), parent.column());
    }
    Mapping m = section(e.value(), at, "section " + section.name(), e.line(), e.column());
    checkKeys(m, section.itemPath(), at);
    return m;
  }

  /** {@code node} as a mapping; nothing at all counts as an empty one. */
  private Mapping section(@Nullable Node node, String at, String what, int line, int column) {
    if (node == null || isEmpty(node)) {
      return Mapping.empty(line, column);
    }
    if (node instanceof Mapping m) {
      return m;
    }
    String pattern = at.replaceAll("\\[\\d+]", "[]");
    String keys = ConfigKeys.childrenOf(pattern).stream().map(ConfigEntry::name)
        .collect(Collectors.joining(", "));
    if (at.isEmpty()) {
      throw new ConfigException(source, node.line(), 0, null,
          "found " + describe(node) + " at the top, allowed: a mapping of the sections " + keys,
          "start the file with a section, such as a line 'listeners:' or 'sessions:'");
    }
    throw error(node, at, "found " + describe(node) + ", allowed: " + what
            + ", a mapping of keys (" + keys + ")",
        "write 'key: value' lines indented under " + at + ", or remove it for the defaults");
  }

  /** Refuses keys {@code m} may not hold, suggesting the closest known one. */
  private void checkKeys(Mapping m, String pattern, String at) {
    List<ConfigEntry> known = ConfigKeys.childrenOf(pattern);
    List<String> names = known.stream().map(ConfigEntry::name).collect(Collectors.toList());
    for (Entry e : m.entries().values()) {
      if (names.contains(e.key())) {
        continue;
      }
      String path = join(at, e.key());
      String here = at.isEmpty() ? "at the top" : "in " + at;
      String close = Suggestions.closest(e.key(), names);
      if (close != null) {
        throw new ConfigException(source, e.line(), e.column(), path,
            "unknown key; did you mean " + join(at, close) + "?",
            "rename it to " + close + " (keys " + here + ": " + String.join(", ", names) + ")");
      }
      String elsewhere = ConfigKeys.ENTRIES.stream()
          .filter(k -> k.name().equals(e.key()))
          .map(ConfigEntry::path)
          .findFirst()
          .orElseGet(() -> ConfigKeys.ENTRIES.stream()
              .filter(k -> Suggestions.closest(e.key(), List.of(k.name())) != null)
              .map(ConfigEntry::path)
              .findFirst()
              .orElse(null));
      throw new ConfigException(source, e.line(), e.column(), path,
          "unknown key" + (elsewhere == null ? "" : "; did you mean " + elsewhere
              + ", which belongs elsewhere?"),
          (elsewhere == null ? "remove it" : "move it") + " (keys " + here + ": "
              + String.join(", ", names) + "; all keys are in docs/configuration.md)");
    }
  }

  /** Builds a record; what its own checks refuse is reported against its section. */
  private <T> T build(String at, Mapping m, Supplier<T> constructor) {
    try {
      return constructor.get();
    } catch (IllegalArgumentException e) {
      throw error(m, at, e.getMessage() == null ? "refused" : e.getMessage(),
          "see docs/configuration.md for what the keys of " + at + " allow");
    }
  }

  // ---- helpers ----

  private ConfigException error(Node at, @Nullable String key, String problem, String fix) {
    return new ConfigException(source, at.line(), 0, key, problem, fix);
  }

  private static boolean isEmpty(Node node) {
    return node instanceof Scalar s && s.isEmpty();
  }

  private static String join(String at, String name) {
    return at.isEmpty() ? name : at + "." + name;
  }

  /** How a value found in the file is shown in a message. */
  private static String describe(Node node) {
    if (node instanceof Mapping) {
      return "a mapping (key: value lines)";
    }
    if (node instanceof Sequence seq) {
      return seq.items().isEmpty() ? "an empty list" : "a list";
    }
    Scalar s = (Scalar) node;
    if (s.isEmpty()) {
      return "no value";
    }
    String text = s.text();
    boolean plain = text.matches("[A-Za-z0-9._:/-]+");
    return plain ? text : "'" + text + "'";
  }
}
