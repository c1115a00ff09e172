package dev.midge.broker.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.codec.packet.Publish;
import dev.midge.codec.property.Properties;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class MessageExpiryTest {
  private static final long T0 = 1_900_000_000_000L;

  private static Publish withInterval(long seconds) {
    return Publish.atMostOnce("t", new byte[0])
        .withProperties(Properties.builder().messageExpiryInterval(seconds).build());
  }

  @Test
  @DisplayName("§3.3.2.3.3: absent, the message does not expire")
  void deadline_whenNoInterval_thenNever() {
    assertThat(MessageExpiry.deadline(Publish.atMostOnce("t", new byte[0]), T0))
        .isEqualTo(MessageExpiry.NEVER);
    assertThat(MessageExpiry.isExpired(MessageExpiry.NEVER, Long.MAX_VALUE)).isFalse();
  }

  @Test
  @DisplayName("§3.3.2.3.3: the deadline is the receipt time plus the interval, up to 0xFFFFFFFF s")
  void deadline_whenInterval_thenReceiptPlusInterval() {
    assertThat(MessageExpiry.deadline(withInterval(10), T0)).isEqualTo(T0 + 10_000);
    assertThat(MessageExpiry.deadline(withInterval(0xFFFF_FFFFL), T0))
        .isEqualTo(T0 + 0xFFFF_FFFFL * 1000);
  }

  @Test
  @DisplayName("MQTT-3.3.2-5: expired from the deadline on, not before")
  void isExpired_whenAtOrAfterDeadline_thenTrue() {
    long deadline = T0 + 10_000;
    assertThat(MessageExpiry.isExpired(deadline, deadline - 1)).isFalse();
    assertThat(MessageExpiry.isExpired(deadline, deadline)).isTrue();
    assertThat(MessageExpiry.isExpired(MessageExpiry.deadline(withInterval(0), T0), T0)).isTrue();
  }

  @Test
  @DisplayName("MQTT-3.3.2-6: the interval sent is the received one minus the whole seconds waited")
  void withRemaining_whenWaited_thenIntervalLessWholeSecondsWaited() {
    long deadline = MessageExpiry.deadline(withInterval(30), T0);
    Publish p = withInterval(30);
    assertThat(MessageExpiry.withRemaining(p, deadline, T0)).isSameAs(p);
    assertThat(MessageExpiry.withRemaining(p, deadline, T0 + 999).properties()
        .messageExpiryInterval()).isEqualTo(30L);
    assertThat(MessageExpiry.withRemaining(p, deadline, T0 + 1000).properties()
        .messageExpiryInterval()).isEqualTo(29L);
    assertThat(MessageExpiry.withRemaining(p, deadline, T0 + 29_999).properties()
        .messageExpiryInterval()).isEqualTo(1L);
    assertThat(MessageExpiry.withRemaining(p, deadline, T0 + 45_000).properties()
        .messageExpiryInterval()).isZero();
  }

  @Test
  @DisplayName("MQTT-3.3.2-6: a message that does not expire is sent without an interval")
  void withRemaining_whenNever_thenUnchanged() {
    Publish p = Publish.atMostOnce("t", new byte[0]);
    assertThat(MessageExpiry.withRemaining(p, MessageExpiry.NEVER, T0)).isSameAs(p);
  }
}
