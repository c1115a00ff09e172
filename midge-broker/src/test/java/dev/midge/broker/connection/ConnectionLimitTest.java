package dev.midge.broker.connection;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link ConnectionLimit}: places taken atomically, given back once, and a takeover let in. */
class ConnectionLimitTest {

  @Test
  void tryAcquire_whenFull_thenRefusedUntilReleased() {
    ConnectionLimit limit = new ConnectionLimit(2);
    assertThat(limit.tryAcquire(false)).isTrue();
    assertThat(limit.tryAcquire(false)).isTrue();
    assertThat(limit.tryAcquire(false)).isFalse();
    limit.release();
    assertThat(limit.tryAcquire(false)).isTrue();
    assertThat(limit.held()).isEqualTo(2);
  }

  @Test
  void tryAcquire_whenFullButTakingOver_thenTaken() {
    ConnectionLimit limit = new ConnectionLimit(1);
    assertThat(limit.tryAcquire(false)).isTrue();
    assertThat(limit.tryAcquire(true)).isTrue();
    assertThat(limit.held()).isEqualTo(2); // until the old connection closes
    limit.release();
    assertThat(limit.held()).isEqualTo(1);
  }

  @Test
  void tryAcquire_whenNoLimit_thenAlwaysTaken() {
    ConnectionLimit limit = new ConnectionLimit(0);
    for (int i = 0; i < 10_000; i++) {
      assertThat(limit.tryAcquire(false)).isTrue();
    }
    assertThat(limit.held()).isEqualTo(10_000);
  }

  @Test
  void tryAcquire_whenManyRaceForTheLastPlaces_thenNoOvershoot() throws Exception {
    ConnectionLimit limit = new ConnectionLimit(100);
    AtomicInteger taken = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> all = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        all.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < 1000; i++) {
            if (limit.tryAcquire(false)) {
              taken.incrementAndGet();
            }
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<?> f : all) {
        f.get(10, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(taken.get()).isEqualTo(100);
    assertThat(limit.held()).isEqualTo(100);
  }
}
