package dev.midge.codec;

import org.jspecify.annotations.Nullable;

/**
 * The fourteen control packet types of MQTT 3.1.1 plus AUTH of MQTT 5.0, with the flag bits the
 * fixed header must carry where they are reserved.
 */
public enum MqttPacketType {
  CONNECT(1, 0b0000),
  CONNACK(2, 0b0000),
  /** PUBLISH flags are DUP, QoS and RETAIN, checked separately. */
  PUBLISH(3, -1),
  PUBACK(4, 0b0000),
  PUBREC(5, 0b0000),
  PUBREL(6, 0b0010),
  PUBCOMP(7, 0b0000),
  SUBSCRIBE(8, 0b0010),
  SUBACK(9, 0b0000),
  UNSUBSCRIBE(10, 0b0010),
  UNSUBACK(11, 0b0000),
  PINGREQ(12, 0b0000),
  PINGRESP(13, 0b0000),
  DISCONNECT(14, 0b0000),
  /** MQTT 5.0 only. */
  AUTH(15, 0b0000);

  private static final @Nullable MqttPacketType[] BY_VALUE = new MqttPacketType[16];

  static {
    for (MqttPacketType type : values()) {
      BY_VALUE[type.value] = type;
    }
  }

  private final int value;
  private final int requiredFlags;

  MqttPacketType(int value, int requiredFlags) {
    this.value = value;
    this.requiredFlags = requiredFlags;
  }

  /** The packet type in the high nibble of the first byte. */
  public int value() {
    return value;
  }

  /**
   * The value the four flag bits must have (MQTT-2.1.3-1 in 5.0, MQTT-2.2.2-1 in 3.1.1), or -1
   * for PUBLISH whose flags carry meaning.
   */
  public int requiredFlags() {
    return requiredFlags;
  }

  /** The type of a nibble, or null for the reserved value 0 (and for 15 before MQTT 5.0). */
  public static @Nullable MqttPacketType of(int value) {
    return value >= 0 && value < 16 ? BY_VALUE[value] : null;
  }
}
