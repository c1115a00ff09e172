package dev.midge.broker.retain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.broker.session.MessageExpiry;
import dev.midge.codec.MqttQos;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.property.Properties;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link InMemoryRetainedStore#retain(Publish, int)}: limits.max-retained-messages. */
class InMemoryRetainedStoreLimitTest {
  private final InMemoryRetainedStore store = new InMemoryRetainedStore();

  private static Publish retained(String topic, String payload) {
    return new Publish(topic, MqttQos.AT_MOST_ONCE, true, false, 0,
        payload.getBytes(StandardCharsets.UTF_8), Properties.EMPTY);
  }

  private List<String> payloads(String filter) {
    List<String> out = new ArrayList<>();
    store.forEachMatching(filter, 0,
        m -> out.add(new String(m.message().payload(), StandardCharsets.UTF_8)));
    return out;
  }

  @Test
  void retain_whenFullAndNewTopic_thenRefused() {
    assertThat(store.retain(retained("a/1", "one"), MessageExpiry.NEVER, 2)).isTrue();
    assertThat(store.retain(retained("a/2", "two"), MessageExpiry.NEVER, 2)).isTrue();
    assertThat(store.retain(retained("a/3", "three"), MessageExpiry.NEVER, 2)).isFalse();
    assertThat(store.retain(retained("a", "parent"), MessageExpiry.NEVER, 2)).as("a node without a message").isFalse();
    assertThat(store.size()).isEqualTo(2);
    assertThat(payloads("#")).containsExactlyInAnyOrder("one", "two");
  }

  @Test
  void retain_whenFullAndExistingTopic_thenReplaced() {
    store.retain(retained("a/1", "one"), MessageExpiry.NEVER, 1);
    assertThat(store.retain(retained("a/1", "uno"), MessageExpiry.NEVER, 1)).isTrue();
    assertThat(payloads("a/1")).containsExactly("uno");
  }

  @Test
  void retain_whenFullAndDeletion_thenDoneAndRoomMade() {
    store.retain(retained("a/1", "one"), MessageExpiry.NEVER, 1);
    assertThat(store.retain(retained("a/1", ""), MessageExpiry.NEVER, 1)).isTrue();
    assertThat(store.size()).isZero();
    assertThat(store.retain(retained("b", "bee"), MessageExpiry.NEVER, 1)).isTrue();
    assertThat(payloads("#")).containsExactly("bee");
  }

  @Test
  void retain_whenNoLimit_thenAlwaysKept() {
    for (int i = 0; i < 100; i++) {
      assertThat(store.retain(retained("t/" + i, "m"), MessageExpiry.NEVER, 0)).isTrue();
    }
    assertThat(store.size()).isEqualTo(100);
  }
}
