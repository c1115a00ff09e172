package dev.midge.broker.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** How refusals are slowed down by source address. */
class FailureDelayTest {
  private final AtomicLong now = new AtomicLong();
  private final FailureDelay delay = new FailureDelay(Duration.ofMillis(100),
      Duration.ofMillis(700), Duration.ofSeconds(60), now::get);

  @Test
  void failed_whenRepeated_thenDoublesUpToTheMaximum() {
    assertThat(delay.failed("10.0.0.1")).isZero();
    assertThat(delay.failed("10.0.0.1")).isEqualTo(100);
    assertThat(delay.failed("10.0.0.1")).isEqualTo(200);
    assertThat(delay.failed("10.0.0.1")).isEqualTo(400);
    assertThat(delay.failed("10.0.0.1")).isEqualTo(700);
    assertThat(delay.failed("10.0.0.1")).isEqualTo(700);
  }

  @Test
  void failed_whenOtherAddress_thenCountedApart() {
    delay.failed("10.0.0.1");
    delay.failed("10.0.0.1");

    assertThat(delay.failed("10.0.0.2")).isZero();
  }

  @Test
  void failed_whenQuietForForgetAfter_thenStartsAfresh() {
    delay.failed("10.0.0.1");
    delay.failed("10.0.0.1");
    now.addAndGet(Duration.ofSeconds(61).toNanos());

    assertThat(delay.failed("10.0.0.1")).isZero();
  }

  @Test
  void failed_whenManyAddresses_thenMemoryBounded() {
    for (int i = 0; i < FailureDelay.MAX_ADDRESSES + 50; i++) {
      delay.failed("a" + i);
    }
    assertThat(delay.size()).isEqualTo(FailureDelay.MAX_ADDRESSES);
    now.addAndGet(Duration.ofSeconds(61).toNanos());

    delay.failed("new");

    assertThat(delay.size()).isEqualTo(1);
  }
}
