package dev.midge.codec;

import dev.midge.codec.reason.ReasonCode;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Input the decoder refused: what the specification calls a malformed packet or a protocol error,
 * or a packet larger than allowed. It is a value, passed down the pipeline in place of a packet;
 * after it the decoder discards everything else the connection sends.
 *
 * <p>The one place that handles it turns it into the answer the specification asks for: a CONNACK
 * with the reason code when the CONNECT itself failed in a way that has one (unsupported protocol
 * version, for instance), otherwise a DISCONNECT with the reason code for MQTT 5.0, then closing
 * the connection.
 *
 * @param reasonCode what went wrong, as an MQTT 5.0 reason code: {@link
 *     ReasonCode#MALFORMED_PACKET}, {@link ReasonCode#PROTOCOL_ERROR}, {@link
 *     ReasonCode#PACKET_TOO_LARGE}, {@link ReasonCode#UNSUPPORTED_PROTOCOL_VERSION} and so on
 * @param statementId the normative statement the input breaks, such as {@code MQTT-3.3.1-4}, or a
 *     section reference such as {@code MQTT-5.0 §2.2.2.2} where the specification gives no id
 * @param message what was wrong, for logs; never contains a password or a payload
 * @param packetType the packet being decoded, or null when the fixed header itself was bad
 * @param version the connection's protocol version when known (always after CONNECT)
 */
public record DecodeFailure(
    ReasonCode reasonCode,
    String statementId,
    String message,
    @Nullable MqttPacketType packetType,
    @Nullable MqttVersion version) {

  public DecodeFailure {
    Objects.requireNonNull(reasonCode, "reasonCode");
    Objects.requireNonNull(statementId, "statementId");
    Objects.requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    return reasonCode + " (" + statementId + "): " + message
        + (packetType == null ? "" : " in " + packetType)
        + (version == null ? "" : ", MQTT " + version);
  }
}
