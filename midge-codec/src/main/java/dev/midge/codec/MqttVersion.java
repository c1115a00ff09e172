package dev.midge.codec;

import org.jspecify.annotations.Nullable;

/**
 * The protocol versions Midge speaks, with the protocol name and level a CONNECT carries.
 *
 * <p>MQTT 3.1 names itself {@code MQIsdp} at level 3; 3.1.1 and 5.0 name themselves {@code MQTT}
 * at levels 4 and 5.
 */
public enum MqttVersion {
  V3_1("MQIsdp", 3),
  V3_1_1("MQTT", 4),
  V5("MQTT", 5);

  private final String protocolName;
  private final int level;

  MqttVersion(String protocolName, int level) {
    this.protocolName = protocolName;
    this.level = level;
  }

  /** The protocol name written in CONNECT. */
  public String protocolName() {
    return protocolName;
  }

  /** The protocol level byte written in CONNECT. */
  public int level() {
    return level;
  }

  /** Whether this version has properties and reason codes (MQTT 5.0). */
  public boolean isV5() {
    return this == V5;
  }

  /** The version a CONNECT's protocol level names, or null for a level Midge does not speak. */
  public static @Nullable MqttVersion ofLevel(int level) {
    return switch (level) {
      case 3 -> V3_1;
      case 4 -> V3_1_1;
      case 5 -> V5;
      default -> null;
    };
  }

  @Override
  public String toString() {
    return switch (this) {
      case V3_1 -> "3.1";
      case V3_1_1 -> "3.1.1";
      case V5 -> "5.0";
    };
  }
}
