package dev.midge.broker.retain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.codec.MqttQos;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.property.Properties;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class InMemoryRetainedStoreTest {
  private final InMemoryRetainedStore store = new InMemoryRetainedStore();

  private static Publish retained(String topic, String payload) {
    return new Publish(topic, MqttQos.AT_LEAST_ONCE, true, false, 0,
        payload.getBytes(StandardCharsets.UTF_8), Properties.EMPTY);
  }

  private List<String> matching(String filter, long now) {
    List<String> got = new ArrayList<>();
    store.forEachMatching(filter, now,
        r -> got.add(new String(r.message().payload(), StandardCharsets.UTF_8)));
    return got;
  }

  @Test
  @DisplayName("§3.3.1.3: an expired retained message is not handed out, even before removal")
  void forEachMatching_whenExpired_thenSkipped() {
    store.retain(retained("a/1", "short"), 1_000);
    store.retain(retained("a/2", "forever"), 0);
    assertThat(matching("a/#", 999)).containsExactlyInAnyOrder("short", "forever");
    assertThat(matching("a/#", 1_000)).containsExactly("forever");
    assertThat(store.size()).isEqualTo(2);
  }

  @Test
  @DisplayName("§3.3.1.3: removeExpired forgets what has expired, soonest first, nothing else")
  void removeExpired_whenSomeExpired_thenOnlyThoseRemoved() {
    store.retain(retained("a/1", "one"), 3_000);
    store.retain(retained("a/2", "two"), 1_000);
    store.retain(retained("a/3", "three"), 0);
    assertThat(store.removeExpired(999)).isZero();
    assertThat(store.removeExpired(1_000)).isEqualTo(1);
    assertThat(store.size()).isEqualTo(2);
    assertThat(store.removeExpired(10_000)).isEqualTo(1);
    assertThat(matching("#", 10_000)).containsExactly("three");
    assertThat(store.size()).isEqualTo(1);
  }

  @Test
  @DisplayName("MQTT-3.3.1-5: a replacing message takes its own deadline; the old one's is void")
  void retain_whenReplaced_thenOldDeadlineNoLongerApplies() {
    store.retain(retained("a", "old"), 1_000);
    store.retain(retained("a", "new"), 0);
    assertThat(store.removeExpired(5_000)).isZero();
    assertThat(matching("a", 5_000)).containsExactly("new");

    store.retain(retained("b", "first"), 0);
    store.retain(retained("b", "second"), 2_000);
    assertThat(store.removeExpired(2_000)).isEqualTo(1);
    assertThat(matching("b", 0)).isEmpty();
  }

  @Test
  @DisplayName("MQTT-3.3.1-6: an empty payload removes the message and its deadline")
  void retain_whenEmptyPayload_thenRemovedWithDeadline() {
    store.retain(retained("a/b", "x"), 1_000);
    store.retain(retained("a/b", ""), 0);
    assertThat(store.size()).isZero();
    assertThat(store.removeExpired(5_000)).isZero();
    store.retain(retained("a/b", "y"), 0);
    assertThat(store.removeExpired(5_000)).isZero();
    assertThat(matching("a/b", 5_000)).containsExactly("y");
  }
}
