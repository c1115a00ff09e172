package dev.midge.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class PacketIdsTest {
  @Test
  @DisplayName("MQTT-2.2.1-3: an identifier in use is not handed out again")
  void take_whenIdentifiersReleased_thenRoundRobinWithoutReuseOfTakenOnes() {
    PacketIds ids = new PacketIds();
    assertThat(ids.take()).isEqualTo(1);
    assertThat(ids.take()).isEqualTo(2);
    ids.release(1);
    assertThat(ids.take()).isEqualTo(3); // not 1 again at once
    assertThat(ids.inUse()).isEqualTo(2);
  }

  @Test
  void take_whenAllTaken_thenZeroUntilOneIsReleased() {
    PacketIds ids = new PacketIds();
    for (int i = 1; i <= 65_535; i++) {
      assertThat(ids.take()).isEqualTo(i);
    }
    assertThat(ids.take()).isZero();
    ids.release(777);
    assertThat(ids.take()).isEqualTo(777);
  }
}
