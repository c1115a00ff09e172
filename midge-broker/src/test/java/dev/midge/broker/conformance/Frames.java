package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.codec.packet.MqttPacket;
import dev.midge.testkit.Frame;
import dev.midge.testkit.RawMqttConnection;
import java.time.Duration;
import java.util.List;

/** Checks on the exact bytes a server sent, for the scenarios that pin reason codes on the wire. */
final class Frames {
  private Frames() {}

  /**
   * Waits for a packet of {@code type}, then returns its bytes as hex pairs ({@code "e0 01 9b"}):
   * what went over the socket, not what the decoder made of it.
   */
  static String expectHex(RawMqttConnection c, Class<? extends MqttPacket> type, Duration wait) {
    MqttPacket p = c.expect(type, wait);
    List<Frame> all = c.received();
    for (int i = all.size() - 1; i >= 0; i--) {
      if (all.get(i).packet() == p) {
        return all.get(i).hex();
      }
    }
    throw new AssertionError("no frame for " + p + " on " + c);
  }

  /**
   * Asserts that the server closes the connection without sending anything after the {@code
   * before} frames it had sent: how MQTT 3.x clients are disconnected.
   */
  static void assertClosedSilently(RawMqttConnection c, int before, Duration wait) {
    c.expectClosed(wait);
    assertThat(c.received()).as("packets from the server before it closed " + c).hasSize(before);
  }
}
