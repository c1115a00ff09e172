package dev.midge.broker.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@link TokenBucket} and {@link ConnectRateLimit}, on a clock the test moves. */
class TokenBucketTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  @Test
  void tryTake_whenBurstUsed_thenRefusedUntilRefilled() {
    TokenBucket bucket = new TokenBucket(2, 3, 0);
    assertThat(bucket.tryTake(0)).isTrue();
    assertThat(bucket.tryTake(0)).isTrue();
    assertThat(bucket.tryTake(0)).isTrue();
    assertThat(bucket.tryTake(0)).isFalse();
    assertThat(bucket.tryTake(SECOND / 2 - 1)).isFalse();
    assertThat(bucket.tryTake(SECOND / 2)).isTrue();
    assertThat(bucket.tryTake(SECOND / 2)).isFalse();
  }

  @Test
  void tryTake_whenIdleLong_thenNoMoreThanCapacity() {
    TokenBucket bucket = new TokenBucket(10, 2, 0);
    long later = 100 * SECOND;
    assertThat(bucket.isFull(later)).isTrue();
    assertThat(bucket.tryTake(later)).isTrue();
    assertThat(bucket.tryTake(later)).isTrue();
    assertThat(bucket.tryTake(later)).isFalse();
  }

  @Test
  void take_whenDry_thenTellsTheWaitForTheNextToken() {
    TokenBucket bucket = new TokenBucket(4, 2, 0);
    assertThat(bucket.take(0)).isZero(); // one left
    long wait = bucket.take(0); // none left: the next comes in a quarter second
    assertThat(wait).isEqualTo(SECOND / 4);
    assertThat(bucket.take(wait)).isEqualTo(SECOND / 4);
    // In debt (taken without a token): the wait grows with it.
    assertThat(bucket.take(wait)).isEqualTo(SECOND / 2);
  }

  @Test
  void constructor_whenRateOrCapacityBelowOne_thenRefused() {
    assertThatThrownBy(() -> new TokenBucket(0, 1, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TokenBucket(1, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void connectRate_whenOneAddressDry_thenOthersUnaffected() throws Exception {
    AtomicLong now = new AtomicLong();
    ConnectRateLimit limit = new ConnectRateLimit(1, 2, now::get);
    InetAddress flood = InetAddress.getByName("10.0.0.1");
    InetAddress other = InetAddress.getByName("10.0.0.2");
    assertThat(limit.tryAcquire(flood)).isTrue();
    assertThat(limit.tryAcquire(flood)).isTrue();
    assertThat(limit.tryAcquire(flood)).isFalse();
    assertThat(limit.tryAcquire(other)).isTrue();
    now.addAndGet(SECOND);
    assertThat(limit.tryAcquire(flood)).isTrue();
    assertThat(limit.tryAcquire(flood)).isFalse();
  }

  @Test
  void connectRate_whenManyAddresses_thenBounded() throws Exception {
    ConnectRateLimit limit = new ConnectRateLimit(1, 1, () -> 0);
    byte[] ip = {10, 0, 0, 0};
    for (int i = 0; i < ConnectRateLimit.MAX_ADDRESSES + 500; i++) {
      ip[1] = (byte) (i >> 16);
      ip[2] = (byte) (i >> 8);
      ip[3] = (byte) i;
      limit.tryAcquire(InetAddress.getByAddress(ip));
    }
    assertThat(limit.addresses()).isEqualTo(ConnectRateLimit.MAX_ADDRESSES);
  }

  @Test
  void connectRate_whenZero_thenNoLimit() throws Exception {
    ConnectRateLimit limit = new ConnectRateLimit(0, 0, () -> 0);
    InetAddress a = InetAddress.getByName("10.0.0.1");
    for (int i = 0; i < 1000; i++) {
      assertThat(limit.tryAcquire(a)).isTrue();
    }
    assertThat(limit.enabled()).isFalse();
    assertThat(limit.addresses()).isZero();
  }
}
