package dev.midge.broker.config;

/**
 * Limits that protect the broker from one client.
 *
 * @param maxPacketSize the largest packet accepted, fixed header included (at most 268,435,460
 *     bytes, the most MQTT can express); larger ones close the connection (0x95 in MQTT 5)
 * @param maxClientIdLength the longest client identifier accepted, in UTF-8 bytes (MQTT 3.1
 *     clients are held to the 23 characters their specification allows)
 */
public record LimitsConfig(int maxPacketSize, int maxClientIdLength) {

  /** One MiB per packet, client ids up to 65,535 bytes. */
  public static final LimitsConfig DEFAULTS = new LimitsConfig(1024 * 1024, 65535);

  /** The largest packet MQTT can express: a 268,435,455-byte remaining length and a 5-byte header. */
  public static final int MQTT_MAX_PACKET_SIZE = 268_435_460;

  public LimitsConfig {
    if (maxPacketSize < 16 || maxPacketSize > MQTT_MAX_PACKET_SIZE) {
      throw new IllegalArgumentException("max packet size must be 16 to " + MQTT_MAX_PACKET_SIZE);
    }
    if (maxClientIdLength < 23 || maxClientIdLength > 65535) {
      throw new IllegalArgumentException("max client id length must be 23 to 65535");
    }
  }
}
