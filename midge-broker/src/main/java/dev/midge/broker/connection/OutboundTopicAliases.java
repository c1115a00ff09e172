package dev.midge.broker.connection;

import dev.midge.codec.packet.Publish;
import dev.midge.codec.property.PropertyId;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The Topic Aliases the broker uses on PUBLISH packets to one client on one network connection
 * (MQTT 5 §3.3.2.3.4), never above the Topic Alias Maximum the client sent in CONNECT
 * (MQTT-3.3.2-11).
 *
 * <p>The policy is first come, first served: each new topic gets the next alias until the
 * client's maximum is used up, then topics without one go out in full. A topic's first PUBLISH
 * carries the topic and its alias, later ones an empty topic and the alias. Aliases are applied
 * as packets are written, never stored with the session's messages, so a message resent on a new
 * connection carries its full topic (the new connection starts with no aliases, MQTT-3.3.2-7).
 *
 * <p>Per connection; used on the channel's event loop only, in the order packets are written,
 * which is the order the client reads them.
 */
final class OutboundTopicAliases {
  private final int maximum;
  private final Map<String, Integer> aliases = new HashMap<>();

  /** @param maximum the client's Topic Alias Maximum, 1 or more */
  OutboundTopicAliases(int maximum) {
    if (maximum < 1) {
      throw new IllegalArgumentException("topic alias maximum must be 1 or more: " + maximum);
    }
    this.maximum = maximum;
  }

  /**
   * The PUBLISH to write in place of {@code publish}: with an alias when one is set or free and
   * the result {@code fits}, else {@code publish} unchanged. An alias is assigned only when the
   * packet that sets it is written.
   */
  Publish apply(Publish publish, Predicate<Publish> fits) {
    String topic = publish.topic();
    Integer alias = aliases.get(topic);
    if (alias != null) {
      Publish aliased = withAlias(publish, alias).withTopic("");
      return fits.test(aliased) ? aliased : publish;
    }
    if (aliases.size() >= maximum) {
      return publish;
    }
    int next = aliases.size() + 1;
    Publish setting = withAlias(publish, next);
    if (!fits.test(setting)) {
      return publish;
    }
    aliases.put(topic, next);
    return setting;
  }

  private static Publish withAlias(Publish publish, int alias) {
    return publish.withProperties(
        publish.properties().toBuilder().set(PropertyId.TOPIC_ALIAS, alias).build());
  }
}
