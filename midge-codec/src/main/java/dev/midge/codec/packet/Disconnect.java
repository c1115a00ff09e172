package dev.midge.codec.packet;

import dev.midge.codec.MqttPacketType;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.DisconnectReasonCode;
import java.util.Objects;

/**
 * DISCONNECT: the end of a connection. From a client it discards the will (unless, in MQTT 5.0,
 * the reason code is 0x04); in MQTT 5.0 a server may send one with a reason before it closes.
 */
public record Disconnect(DisconnectReasonCode reasonCode, Properties properties)
    implements MqttPacket {

  /** A normal disconnection without properties: all that MQTT 3.x can say. */
  public static final Disconnect NORMAL =
      new Disconnect(DisconnectReasonCode.NORMAL_DISCONNECTION, Properties.EMPTY);

  public Disconnect {
    Objects.requireNonNull(reasonCode, "reasonCode");
    Objects.requireNonNull(properties, "properties");
  }

  /** A DISCONNECT with a reason code and no properties. */
  public Disconnect(DisconnectReasonCode reasonCode) {
    this(reasonCode, Properties.EMPTY);
  }

  @Override
  public MqttPacketType type() {
    return MqttPacketType.DISCONNECT;
  }
}
