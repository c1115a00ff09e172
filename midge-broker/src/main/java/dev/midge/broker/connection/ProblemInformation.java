package dev.midge.broker.connection;

import dev.midge.codec.MqttVersion;
import dev.midge.codec.PacketEncoder;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.MqttPacket;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Pubcomp;
import dev.midge.codec.packet.Pubrec;
import dev.midge.codec.packet.Pubrel;
import dev.midge.codec.packet.Suback;
import dev.midge.codec.packet.Unsuback;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.ConnackReasonCode;
import dev.midge.codec.reason.DisconnectReasonCode;
import dev.midge.codec.reason.PubackReasonCode;
import dev.midge.codec.reason.PubcompReasonCode;
import dev.midge.codec.reason.PubrecReasonCode;
import dev.midge.codec.reason.PubrelReasonCode;
import dev.midge.codec.reason.SubackReasonCode;
import dev.midge.codec.reason.UnsubackReasonCode;
import java.util.List;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Builds the broker's answers that may explain a failure with an MQTT 5 Reason String: CONNACK
 * refusals, PUBACK / PUBREC / PUBREL / PUBCOMP, SUBACK, UNSUBACK and server DISCONNECT. The text is
 * the one the broker logs for the cause, so the client sees what the operator sees.
 *
 * <p>Two rules of the client's decide whether it goes:
 *
 * <ul>
 *   <li>Request Problem Information 0 in CONNECT (§3.1.2.11.7): no Reason String (nor User
 *       Property) on any packet but PUBLISH, CONNACK and DISCONNECT (MQTT-3.1.2-29). CONNACK and
 *       DISCONNECT, which the spec lets carry one all the same, still do: they end the connection,
 *       and the text is all the client learns of why.
 *   <li>The client's Maximum Packet Size (§3.1.2.11.4): a Reason String that would make the packet
 *       larger is left out, the packet sent without it (MQTT-3.2.2-19 CONNACK, MQTT-3.4.2-2 PUBACK,
 *       MQTT-3.5.2-2 PUBREC, MQTT-3.6.2-2 PUBREL, MQTT-3.7.2-2 PUBCOMP, MQTT-3.9.2-1 SUBACK,
 *       MQTT-3.11.2-1 UNSUBACK, MQTT-3.14.2-3 DISCONNECT). The broker sends no User Properties on
 *       these packets, so their twin rules (MQTT-3.2.2-20, -3.4.2-3, …) hold trivially.
 * </ul>
 *
 * <p>MQTT 3.x has no properties: the packets go without. A Reason String is cut to {@value
 * #MAX_REASON_LENGTH} characters, and control characters in it become spaces, so that a long or
 * odd topic quoted in it cannot make it large or unreadable.
 *
 * <p>Immutable; one per connection, made when CONNECT is read.
 */
final class ProblemInformation {
  /** The longest Reason String sent, in characters. */
  static final int MAX_REASON_LENGTH = 256;

  /** Before CONNECT, or for MQTT 3.x: no Reason Strings. */
  static final ProblemInformation NONE =
      new ProblemInformation(MqttVersion.V3_1_1, false, Long.MAX_VALUE);

  private final MqttVersion version;
  private final boolean requested;
  private final long maximumPacketSize;

  private ProblemInformation(MqttVersion version, boolean requested, long maximumPacketSize) {
    this.version = version;
    this.requested = requested;
    this.maximumPacketSize = maximumPacketSize;
  }

  /**
   * For a client of {@code version} that sent these CONNECT properties.
   *
   * @param requestProblemInformation the client's Request Problem Information, null when absent
   *     (which means 1)
   * @param maximumPacketSize the client's Maximum Packet Size, null when absent (no limit)
   */
  static ProblemInformation of(MqttVersion version, @Nullable Integer requestProblemInformation,
      @Nullable Long maximumPacketSize) {
    if (!version.isV5()) {
      return NONE;
    }
    return new ProblemInformation(version,
        requestProblemInformation == null || requestProblemInformation != 0,
        maximumPacketSize == null ? Long.MAX_VALUE : maximumPacketSize);
  }

  /** Whether acknowledgements carry Reason Strings: MQTT 5 and Request Problem Information 1. */
  boolean requested() {
    return version.isV5() && requested;
  }

  Puback puback(int packetId, PubackReasonCode code, @Nullable String reason) {
    return fit(() -> new Puback(packetId, code, ackReason(reason)),
        () -> new Puback(packetId, code, Properties.EMPTY));
  }

  Pubrec pubrec(int packetId, PubrecReasonCode code, @Nullable String reason) {
    return fit(() -> new Pubrec(packetId, code, ackReason(reason)),
        () -> new Pubrec(packetId, code, Properties.EMPTY));
  }

  Pubrel pubrel(int packetId, PubrelReasonCode code, @Nullable String reason) {
    return fit(() -> new Pubrel(packetId, code, ackReason(reason)),
        () -> new Pubrel(packetId, code, Properties.EMPTY));
  }

  Pubcomp pubcomp(int packetId, PubcompReasonCode code, @Nullable String reason) {
    return fit(() -> new Pubcomp(packetId, code, ackReason(reason)),
        () -> new Pubcomp(packetId, code, Properties.EMPTY));
  }

  Suback suback(int packetId, List<SubackReasonCode> codes, @Nullable String reason) {
    return fit(() -> new Suback(packetId, codes, ackReason(reason)),
        () -> new Suback(packetId, codes, Properties.EMPTY));
  }

  Unsuback unsuback(int packetId, List<UnsubackReasonCode> codes, @Nullable String reason) {
    return fit(() -> new Unsuback(packetId, codes, ackReason(reason)),
        () -> new Unsuback(packetId, codes, Properties.EMPTY));
  }

  /** A CONNACK refusing the connection (session present 0, MQTT-3.2.2-6). */
  Connack connackRefusal(ConnackReasonCode code, @Nullable String reason) {
    return fit(() -> new Connack(false, code, finalReason(reason)),
        () -> new Connack(false, code, Properties.EMPTY));
  }

  Disconnect disconnect(DisconnectReasonCode code, @Nullable String reason) {
    return fit(() -> new Disconnect(code, finalReason(reason)), () -> new Disconnect(code));
  }

  /**
   * A DISCONNECT with {@code extra} properties (such as a Server Reference) and the Reason String;
   * what does not fit the client's Maximum Packet Size is left out, the Reason String first.
   */
  Disconnect disconnect(DisconnectReasonCode code, Properties extra, @Nullable String reason) {
    if (extra.isEmpty()) {
      return disconnect(code, reason);
    }
    Properties withReason = finalReason(reason).isEmpty() ? extra
        : extra.toBuilder().reasonString(readable(reason)).build();
    return fit(() -> new Disconnect(code, withReason),
        () -> fit(() -> new Disconnect(code, extra), () -> new Disconnect(code)));
  }

  /** On an acknowledgement: only when the client asked for problem information (MQTT-3.1.2-29). */
  private Properties ackReason(@Nullable String reason) {
    return requested ? finalReason(reason) : Properties.EMPTY;
  }

  /** On CONNACK and DISCONNECT: whenever there is one (MQTT 5). */
  private Properties finalReason(@Nullable String reason) {
    if (!version.isV5() || reason == null || reason.isEmpty()) {
      return Properties.EMPTY;
    }
    return Properties.builder().reasonString(readable(reason)).build();
  }

  /** The packet with its Reason String if it fits the client's Maximum Packet Size, else without. */
  private <T extends MqttPacket> T fit(Supplier<T> withReason, Supplier<T> without) {
    T packet = withReason.get();
    if (maximumPacketSize == Long.MAX_VALUE
        || PacketEncoder.encodedSize(packet, version) <= maximumPacketSize) {
      return packet;
    }
    return without.get();
  }

  /**
   * {@code text} as a Reason String: at most {@link #MAX_REASON_LENGTH} characters, not cut inside
   * a surrogate pair, with control characters (U+0000 is not allowed at all, MQTT-1.5.4-2) as
   * spaces.
   */
  static String readable(String text) {
    String s = text;
    if (s.length() > MAX_REASON_LENGTH) {
      int end = MAX_REASON_LENGTH - 1;
      if (Character.isHighSurrogate(s.charAt(end - 1))) {
        end--;
      }
      s = s.substring(0, end) + "…";
    }
    StringBuilder out = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean control = c < 0x20 || (c >= 0x7F && c < 0xA0);
      boolean lone = Character.isSurrogate(c) && !(Character.isHighSurrogate(c)
          && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1)))
          && !(Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(s.charAt(i - 1)));
      if (control || lone) {
        if (out == null) {
          out = new StringBuilder(s.length()).append(s, 0, i);
        }
        out.append(control ? ' ' : '?');
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? s : out.toString();
  }
}
