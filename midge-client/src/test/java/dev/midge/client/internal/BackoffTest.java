package dev.midge.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void bound_whenAttemptsGrow_thenDoublesUpToTheCeiling() {
    Backoff b = new Backoff(100, 1000, () -> 0.5);
    assertThat(b.boundMillis(1)).isEqualTo(100);
    assertThat(b.boundMillis(2)).isEqualTo(200);
    assertThat(b.boundMillis(4)).isEqualTo(800);
    assertThat(b.boundMillis(5)).isEqualTo(1000);
    assertThat(b.boundMillis(64)).isEqualTo(1000);
    assertThat(b.boundMillis(Integer.MAX_VALUE)).isEqualTo(1000);
  }

  @Test
  void delay_whenRandomSpansItsRange_thenFullJitterFromZeroToTheBound() {
    assertThat(new Backoff(100, 1000, () -> 0.0).delayMillis(3)).isZero();
    assertThat(new Backoff(100, 1000, () -> 0.5).delayMillis(3)).isEqualTo(200);
    assertThat(new Backoff(100, 1000, () -> 0.999_999).delayMillis(3)).isEqualTo(400);
    assertThat(new Backoff(100, 1000, () -> 0.999_999).delayMillis(30)).isEqualTo(1000);
  }

  @Test
  void constructor_whenCeilingBelowInitial_thenRefused() {
    assertThatThrownBy(() -> new Backoff(100, 10, () -> 0)).isInstanceOf(
        IllegalArgumentException.class);
  }
}
