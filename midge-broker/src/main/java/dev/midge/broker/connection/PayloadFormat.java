package dev.midge.broker.connection;

import dev.midge.codec.Utf8;
import dev.midge.codec.property.Properties;

/**
 * The optional check of MQTT 5's Payload Format Indicator (§3.3.2.3.2 for PUBLISH, §3.1.3.2.3 for
 * a will): a payload declared as UTF-8 Encoded Character Data (indicator 1) must be well-formed
 * UTF-8 (RFC 3629; U+0000 allowed). The receiver MAY check it; the broker does when {@code
 * mqtt.payload-format-validation} is true, and answers a payload that is not with reason code 0x99
 * (Payload format invalid). Indicator 0 or absent: unspecified bytes, never checked.
 *
 * <p>The scan is the codec's {@link Utf8#isWellFormed(byte[])}: ASCII runs without per-byte
 * branches, nothing allocated but a buffer wrapper. Pure; thread-safe.
 */
final class PayloadFormat {
  /** The reason given to the client, in the acknowledgement's Reason String and in the log. */
  static final String INVALID =
      "payload format invalid: Payload Format Indicator 1 but the payload is not UTF-8";

  private PayloadFormat() {}

  /** Whether a payload with these properties says it is UTF-8 and is not. */
  static boolean isInvalid(Properties properties, byte[] payload) {
    Integer indicator = properties.payloadFormatIndicator();
    return indicator != null && indicator == 1 && !Utf8.isWellFormed(payload);
  }
}
