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
 * @param maxSubscriptionsPerClient topic filters one client's session holds at once, at most; 0
 *     for no limit. A SUBSCRIBE filter that would be one more gets SUBACK 0x97 Quota exceeded
 *     (MQTT 3.x: 0x80 Failure); replacing a filter the session holds is always allowed
 * @param connectRatePerAddress new TCP connections per second from one source IP address; 0 for
 *     no limit. One beyond it (and beyond the burst) is closed at once, before TLS or CONNECT
 * @param connectBurstPerAddress connections one address may open at once before the rate holds
 *     it back (the token bucket's size); 0 for as many as the rate allows in a second
 * @param publishRatePerClient PUBLISH packets per second one connection may send; 0 for no limit.
 *     Beyond it the broker stops reading the connection until the rate allows the next one
 * @param publishBurstPerClient PUBLISH packets one connection may send at once before the rate
 *     holds it back; 0 for as many as the rate allows in a second
 */
public record LimitsConfig(
    int maxPacketSize, int maxClientIdLength, int maxConnections, int maxRetainedMessages,
    int maxSubscriptionsPerClient, int connectRatePerAddress, int connectBurstPerAddress,
    int publishRatePerClient, int publishBurstPerClient) {

  /**
   * One MiB per packet, client ids up to 65,535 bytes, no limit on connections, retained messages,
   * subscriptions, connection rate or publish rate.
   */
  public static final LimitsConfig DEFAULTS =
      new LimitsConfig(1024 * 1024, 65535, 0, 0, 0, 0, 0, 0, 0);

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
    if (maxSubscriptionsPerClient < 0) {
      throw new IllegalArgumentException(
          "max subscriptions per client must be 0 (no limit) or more");
    }
    if (connectRatePerAddress < 0 || connectBurstPerAddress < 0) {
      throw new IllegalArgumentException(
          "connect rate and burst per address must be 0 (no limit / the rate) or more");
    }
    if (publishRatePerClient < 0 || publishBurstPerClient < 0) {
      throw new IllegalArgumentException(
          "publish rate and burst per client must be 0 (no limit / the rate) or more");
    }
  }

  /** The first four limits as given; no limit on subscriptions, connection or publish rate. */
  public LimitsConfig(int maxPacketSize, int maxClientIdLength, int maxConnections,
      int maxRetainedMessages) {
    this(maxPacketSize, maxClientIdLength, maxConnections, maxRetainedMessages, 0, 0, 0, 0, 0);
  }

  /** The token bucket's size for connections from one address: the burst, or the rate if 0. */
  public int effectiveConnectBurst() {
    return connectBurstPerAddress == 0 ? connectRatePerAddress : connectBurstPerAddress;
  }

  /** The token bucket's size for one connection's PUBLISH packets: the burst, or the rate if 0. */
  public int effectivePublishBurst() {
    return publishBurstPerClient == 0 ? publishRatePerClient : publishBurstPerClient;
  }

  /** Packet and client id limits as given; no limit on anything else. */
  public LimitsConfig(int maxPacketSize, int maxClientIdLength) {
    this(maxPacketSize, maxClientIdLength, 0, 0);
  }

  public LimitsConfig withMaxConnections(int newMaxConnections) {
    return new LimitsConfig(maxPacketSize, maxClientIdLength, newMaxConnections,
        maxRetainedMessages, maxSubscriptionsPerClient, connectRatePerAddress,
        connectBurstPerAddress, publishRatePerClient, publishBurstPerClient);
  }

  public LimitsConfig withMaxRetainedMessages(int newMaxRetainedMessages) {
    return new LimitsConfig(maxPacketSize, maxClientIdLength, maxConnections,
        newMaxRetainedMessages, maxSubscriptionsPerClient, connectRatePerAddress,
        connectBurstPerAddress, publishRatePerClient, publishBurstPerClient);
  }

  public LimitsConfig withMaxSubscriptionsPerClient(int newMax) {
    return new LimitsConfig(maxPacketSize, maxClientIdLength, maxConnections,
        maxRetainedMessages, newMax, connectRatePerAddress, connectBurstPerAddress,
        publishRatePerClient, publishBurstPerClient);
  }

  /** Connections per second from one address, and the burst (0: the rate). */
  public LimitsConfig withConnectRatePerAddress(int newRate, int newBurst) {
    return new LimitsConfig(maxPacketSize, maxClientIdLength, maxConnections,
        maxRetainedMessages, maxSubscriptionsPerClient, newRate, newBurst, publishRatePerClient,
        publishBurstPerClient);
  }

  /** PUBLISH packets per second from one connection, and the burst (0: the rate). */
  public LimitsConfig withPublishRatePerClient(int newRate, int newBurst) {
    return new LimitsConfig(maxPacketSize, maxClientIdLength, maxConnections,
        maxRetainedMessages, maxSubscriptionsPerClient, connectRatePerAddress,
        connectBurstPerAddress, newRate, newBurst);
  }
}
