package dev.midge.broker.config;

/**
 * Limits that protect the broker from one client, and from too many.
 *
 * @param maxPacketSize the largest packet accepted, fixed header included (at most 268,435,460
 *     bytes, the most MQTT can express); larger ones close the connection (0x95 in MQTT 5)
 * @param maxClientIdLength the longest client identifier accepted, in UTF-8 bytes (MQTT 3.1
 *     clients are held to the 23 characters their specification allows)
 * @param maxConnections clients connected at once over all listeners, at most; 0 for no limit. A
 *     CONNECT beyond it is refused with CONNACK 0x89 Server busy (MQTT 5) or 0x03 Server
 *     unavailable (MQTT 3.x), counted and logged
 * @param maxRetainedMessages retained messages kept, at most; 0 for no limit. When full, a
 *     retained PUBLISH to a topic that has none is not kept (MQTT 5: reason code 0x97 Quota
 *     exceeded; MQTT 3.x: the message is dropped); replacing or deleting one is always allowed
 */
public record LimitsConfig(
    int maxPacketSize, int maxClientIdLength, int maxConnections, int maxRetainedMessages) {

  /** One MiB per packet, client ids up to 65,535 bytes, no limit on connections or retained. */
  public static final LimitsConfig DEFAULTS = new LimitsConfig(1024 * 1024, 65535, 0, 0);

  /** The largest packet MQTT can express: a 268,435,455-byte remaining length and a 5-byte header. */
  public static final int MQTT_MAX_PACKET_SIZE = 268_435_460;

  public LimitsConfig {
    if (maxPacketSize < 16 || maxPacketSize > MQTT_MAX_PACKET_SIZE) {
      throw new IllegalArgumentException("max packet size must be 16 to " + MQTT_MAX_PACKET_SIZE);
    }
    if (maxClientIdLength < 23 || maxClientIdLength > 65535) {
      throw new IllegalArgumentException("max client id length must be 23 to 65535");
    }
    if (maxConnections < 0) {
      throw new IllegalArgumentException("max connections must be 0 (no limit) or more");
    }
    if (maxRetainedMessages < 0) {
      throw new IllegalArgumentException("max retained messages must be 0 (no limit) or more");
    }
  }

  /** Packet and client id limits as given; no limit on connections or retained messages. */
  public LimitsConfig(int maxPacketSize, int maxClientIdLength) {
    this(maxPacketSize, maxClientIdLength, 0, 0);
  }

  public LimitsConfig withMaxConnections(int newMaxConnections) {
    return new LimitsConfig(maxPacketSize, maxClientIdLength, newMaxConnections,
        maxRetainedMessages);
  }

  public LimitsConfig withMaxRetainedMessages(int newMaxRetainedMessages) {
    return new LimitsConfig(maxPacketSize, maxClientIdLength, maxConnections,
        newMaxRetainedMessages);
  }
}
