package dev.midge.broker.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.codec.MqttQos;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.property.Properties;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class InMemorySessionStoreTest {
  private final SessionState state = new InMemorySessionStore().create("c1");

  private static Publish message(int packetId, MqttQos qos) {
    return new Publish("t/" + packetId, qos, false, false, packetId, new byte[] {1}, Properties.EMPTY);
  }

  @Test
  @DisplayName("MQTT-4.4.0-1: in-flight messages come back in the order first sent, released ones in place")
  void inflight_whenOneIsReleased_thenOrderIsKept() {
    state.putInflight(message(7, MqttQos.EXACTLY_ONCE), 1_000, null);
    state.putInflight(message(3, MqttQos.AT_LEAST_ONCE), MessageExpiry.NEVER, "$share/g/t/#");
    state.putInflight(message(9, MqttQos.EXACTLY_ONCE), 3_000, null);
    state.markReleased(7);

    List<Integer> ids = new ArrayList<>();
    List<Boolean> released = new ArrayList<>();
    List<Long> deadlines = new ArrayList<>();
    for (SessionState.Inflight f : state.inflight()) {
      ids.add(f.packetId());
      released.add(f.released());
      deadlines.add(f.expiresAt());
    }
    assertThat(ids).containsExactly(7, 3, 9);
    assertThat(released).containsExactly(true, false, false);
    assertThat(deadlines).as("the deadline stays through markReleased").containsExactly(
        1_000L, 0L, 3_000L);

    state.removeInflight(3);
    assertThat(state.inflightCount()).isEqualTo(2);
    assertThat(state.inflight(3)).isNull();
  }

  @Test
  @DisplayName("MQTT 5 §4.8.2: a message keeps the shared subscription it was routed by, released"
      + " or not")
  void inflight_whenRoutedBySharedSubscription_thenRemembersIt() {
    state.putInflight(message(4, MqttQos.EXACTLY_ONCE), MessageExpiry.NEVER, "$share/g/t/#");
    state.markReleased(4);
    assertThat(state.inflight(4).sharedSubscription()).isEqualTo("$share/g/t/#");
    assertThat(state.inflight(4).released()).isTrue();
    state.enqueue(message(0, MqttQos.AT_LEAST_ONCE), MessageExpiry.NEVER, "$share/g/t/#");
    assertThat(state.pollQueued().sharedSubscription()).isEqualTo("$share/g/t/#");
  }

  @Test
  @DisplayName("the queue is first in, first out, and keeps each message's deadline")
  void queue_whenMessagesAreEnqueued_thenPolledInOrderWithTheirDeadlines() {
    state.enqueue(message(0, MqttQos.AT_MOST_ONCE).withTopic("a"), 5_000, null);
    state.enqueue(message(0, MqttQos.AT_MOST_ONCE).withTopic("b"), MessageExpiry.NEVER, null);
    assertThat(state.queuedCount()).isEqualTo(2);
    assertThat(state.peekQueued().message().topic()).isEqualTo("a");
    SessionState.Queued first = state.pollQueued();
    assertThat(first.message().topic()).isEqualTo("a");
    assertThat(first.expiresAt()).isEqualTo(5_000);
    SessionState.Queued second = state.pollQueued();
    assertThat(second.message().topic()).isEqualTo("b");
    assertThat(second.expiresAt()).isEqualTo(MessageExpiry.NEVER);
    assertThat(state.pollQueued()).isNull();
  }

  @Test
  @DisplayName("MQTT-4.3.3: an inbound QoS 2 packet identifier is held until PUBREL")
  void inboundQos2_whenReceivedTwice_thenSecondIsDuplicate() {
    assertThat(state.addInboundQos2(5)).isTrue();
    assertThat(state.addInboundQos2(5)).isFalse();
    assertThat(state.removeInboundQos2(5)).isTrue();
    assertThat(state.removeInboundQos2(5)).isFalse();
  }

  @Test
  @DisplayName("MQTT-3.8.4-3, MQTT 5 §3.8.2.1.2: a subscription to the same filter replaces the"
      + " old one, its Subscription Identifier (or the absence of one) included")
  void subscriptions_whenSameFilterTwice_thenReplaced() {
    assertThat(state.putSubscription(
        new StoredSubscription(new Subscription("a/#", MqttQos.AT_MOST_ONCE), 7))).isNull();
    assertThat(state.subscription("a/#").identifier()).isEqualTo(7);
    assertThat(state.putSubscription(
        new StoredSubscription(new Subscription("a/#", MqttQos.EXACTLY_ONCE)))).isNotNull();
    assertThat(state.subscription("a/#").qos()).isEqualTo(MqttQos.EXACTLY_ONCE);
    assertThat(state.subscription("a/#").hasIdentifier()).isFalse();
    state.clearMessages();
    assertThat(state.subscriptions()).containsOnlyKeys("a/#");
    assertThat(state.removeSubscription("a/#")).isNotNull();
    assertThat(state.subscriptions()).isEmpty();
  }
}
