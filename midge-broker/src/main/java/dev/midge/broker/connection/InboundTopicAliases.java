package dev.midge.broker.connection;

import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The Topic Aliases a client set on one network connection, client to broker (MQTT 5
 * §3.3.2.3.4): alias 1 to {@link #maximum()} maps to the topic of the last PUBLISH that carried
 * both. The mapping lives and dies with the connection, never with the session (MQTT-3.3.2-7).
 *
 * <p>Per connection; used on the channel's event loop only.
 */
final class InboundTopicAliases {
  private final int maximum;
  /** Set on first use: most connections set no alias, and the maximum may be 65,535. */
  private @Nullable Map<Integer, String> topics;

  /** @param maximum the Topic Alias Maximum the broker announced in CONNACK (0: none) */
  InboundTopicAliases(int maximum) {
    this.maximum = maximum;
  }

  /** The Topic Alias Maximum: the highest alias the client may use. */
  int maximum() {
    return maximum;
  }

  /** Whether {@code alias} is one the client may use: 1 to the maximum (§3.3.2.3.4). */
  boolean isValid(int alias) {
    return alias >= 1 && alias <= maximum;
  }

  /** Maps a valid alias to a topic, replacing what it mapped to before. */
  void put(int alias, String topic) {
    Map<Integer, String> t = topics;
    if (t == null) {
      t = new HashMap<>();
      topics = t;
    }
    t.put(alias, topic);
  }

  /** The topic a valid alias maps to, or null if the client has not set it on this connection. */
  @Nullable String topic(int alias) {
    Map<Integer, String> t = topics;
    return t == null ? null : t.get(alias);
  }
}
