package dev.midge.testkit;

import dev.midge.codec.DecodeFailure;
import dev.midge.codec.packet.MqttPacket;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One packet as it came off the socket: its exact bytes, what the client-role decoder made of
 * them, and when it arrived.
 *
 * @param bytes the whole packet, fixed header included; do not change it
 * @param decoded an {@link MqttPacket}, or a {@link DecodeFailure} when the bytes were not a valid
 *     packet from a server
 * @param arrivalNanos {@link System#nanoTime()} when the last byte of the packet had been read
 */
public record Frame(byte[] bytes, Object decoded, long arrivalNanos) {

  public Frame {
    Objects.requireNonNull(bytes, "bytes");
    if (!(decoded instanceof MqttPacket) && !(decoded instanceof DecodeFailure)) {
      throw new IllegalArgumentException("decoded must be a packet or a failure: " + decoded);
    }
  }

  /** The packet, or null when the bytes did not decode. */
  public @Nullable MqttPacket packet() {
    return decoded instanceof MqttPacket p ? p : null;
  }

  /** The failure, or null when the bytes decoded. */
  public @Nullable DecodeFailure failure() {
    return decoded instanceof DecodeFailure f ? f : null;
  }

  /** The bytes as hex pairs: {@code "40 02 00 11"}. */
  public String hex() {
    return Hex.format(bytes);
  }

  @Override
  public String toString() {
    return decoded + " [" + Hex.format(bytes, 24) + "]";
  }
}
