package dev.midge.broker.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What a real client received, in order, for a test to wait on: the client library's callback
 * threads {@link #add} and the test thread takes. Every wait is bounded by {@link #WAIT}; a
 * message that does not come fails the test with what did come.
 *
 * <p>A test proves that something did <em>not</em> arrive with a fence: a later message that
 * must arrive after it if it were coming at all ({@link #until}), or, where only time can tell
 * (a will held for its delay), by {@link #expectNothingFor} a bounded window.
 *
 * @param <T> the client library's message type
 */
final class Inbox<T> {
  /** How long any one expected message may take. */
  static final Duration WAIT = Duration.ofSeconds(10);

  private final LinkedBlockingQueue<T> queue = new LinkedBlockingQueue<>();
  private final Function<T, String> describe;

  /** @param describe how a message is shown in a failure (its payload as text, say) */
  Inbox(Function<T, String> describe) {
    this.describe = describe;
  }

  /** Called by the client library, on any thread. */
  void add(T message) {
    queue.add(message);
  }

  /** The next message, waiting up to {@link #WAIT}. */
  T next() throws InterruptedException {
    return next(1).get(0);
  }

  /** The next {@code n} messages, waiting up to {@link #WAIT} for all of them. */
  List<T> next(int n) throws InterruptedException {
    List<T> got = new ArrayList<>();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (got.size() < n) {
      T m = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (m == null) {
        fail("received " + got.size() + " of " + n + " messages within " + WAIT + ": " + show(got));
      }
      got.add(m);
    }
    return got;
  }

  /** Every message up to and including the first that {@code last} accepts. */
  List<T> until(Predicate<T> last) throws InterruptedException {
    List<T> got = new ArrayList<>();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (got.isEmpty() || !last.test(got.get(got.size() - 1))) {
      T m = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (m == null) {
        fail("the awaited message did not arrive within " + WAIT + "; got " + show(got));
      }
      got.add(m);
    }
    return got;
  }

  /** Fails if anything arrives within {@code window}. */
  void expectNothingFor(Duration window) {
    await().during(window).atMost(window.plusSeconds(5))
        .pollInterval(Duration.ofMillis(50))
        .until(queue::isEmpty);
    assertThat(queue).as("messages received").isEmpty();
  }

  /** How many messages are waiting to be taken. */
  int size() {
    return queue.size();
  }

  private String show(List<T> got) {
    return got.stream().map(describe).toList().toString();
  }
}
