package dev.midge.broker.routing;

import dev.midge.broker.config.MqttConfig.SharedSubscriptionStrategy;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Picks the member of one shared subscription group that gets a message, by the configured
 * strategy ({@code mqtt.shared-subscription-strategy}). One selector per group: round robin and
 * sticky keep their state per group.
 *
 * <p>Connected members come first: an offline member (a persistent session without a
 * connection) is picked only when no eligible member is connected, and only when the caller
 * allows it, so that a message is queued rather than lost.
 *
 * <ul>
 *   <li>{@link SharedSubscriptionStrategy#ROUND_ROBIN}: one counter per group; message n goes to
 *       connected member n modulo their number, so members take turns.
 *   <li>{@link SharedSubscriptionStrategy#RANDOM}: a member drawn from {@link ThreadLocalRandom}.
 *   <li>{@link SharedSubscriptionStrategy#STICKY}: the member picked last, as long as it is still
 *       a member, eligible and connected; otherwise the next one in turn, which then sticks.
 * </ul>
 *
 * <p>Thread-safe and lock-free: routing calls it from publishers' event loops at the same time.
 * Members are given as an array snapshot the selector does not change.
 */
abstract class MemberSelector {

  /** A selector for a new group. */
  static MemberSelector of(SharedSubscriptionStrategy strategy) {
    return switch (strategy) {
      case ROUND_ROBIN -> new RoundRobin();
      case RANDOM -> new RandomPick();
      case STICKY -> new Sticky();
    };
  }

  /**
   * Picks a member.
   *
   * @param members the group's members now
   * @param eligible which members may be picked at all (not leaving, not ended)
   * @param connected which members have a connection; may change while the selector runs
   * @param allowOffline whether to fall back to an eligible offline member when none is connected
   * @return the member, or null if there is none to pick
   */
  <T> @Nullable T select(T[] members, Predicate<? super T> eligible,
      Predicate<? super T> connected, boolean allowOffline) {
    Predicate<T> online = m -> eligible.test(m) && connected.test(m);
    int n = count(members, online);
    if (n > 0) {
      T picked = nth(members, online, turn(n));
      if (picked != null) {
        return picked;
      }
    }
    if (!allowOffline) {
      return null;
    }
    n = count(members, eligible);
    return n == 0 ? null : nth(members, eligible, turn(n));
  }

  /** Picks among {@code n} candidates (n at least 1): an index from 0 to n - 1. */
  abstract int turn(int n);

  /**
   * The index-th member (from 0) among those that pass {@code ok}; as members connect and
   * disconnect meanwhile there may be fewer than counted, and then the last that passes, or null.
   */
  static <T> @Nullable T nth(T[] members, Predicate<? super T> ok, int index) {
    int seen = 0;
    T last = null;
    for (T m : members) {
      if (ok.test(m)) {
        if (seen++ == index) {
          return m;
        }
        last = m;
      }
    }
    return last;
  }

  static <T> int count(T[] members, Predicate<? super T> ok) {
    int n = 0;
    for (T m : members) {
      if (ok.test(m)) {
        n++;
      }
    }
    return n;
  }

  static final class RoundRobin extends MemberSelector {
    private final AtomicInteger next = new AtomicInteger();

    @Override
    int turn(int n) {
      return Math.floorMod(next.getAndIncrement(), n);
    }
  }

  static final class RandomPick extends MemberSelector {
    @Override
    int turn(int n) {
      return ThreadLocalRandom.current().nextInt(n);
    }
  }

  static final class Sticky extends MemberSelector {
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicReference<@Nullable Object> current = new AtomicReference<>();

    @Override
    int turn(int n) {
      return Math.floorMod(next.getAndIncrement(), n);
    }

    @Override
    @SuppressWarnings("unchecked")
    <T> @Nullable T select(T[] members, Predicate<? super T> eligible,
        Predicate<? super T> connected, boolean allowOffline) {
      Object held = current.get();
      if (held != null && stillGood((T) held, members, eligible, connected)) {
        return (T) held;
      }
      Predicate<T> online = m -> eligible.test(m) && connected.test(m);
      int n = count(members, online);
      T picked = n == 0 ? null : nth(members, online, turn(n));
      if (picked == null) {
        // Nobody connected: queue to an offline member, without sticking to it.
        return super.select(members, eligible, connected, allowOffline);
      }
      if (current.compareAndSet(held, picked)) {
        return picked;
      }
      // Another publisher picked at the same time: follow it, so that both agree.
      Object winner = current.get();
      return winner != null && stillGood((T) winner, members, eligible, connected)
          ? (T) winner : picked;
    }

    private static <T> boolean stillGood(T m, T[] members, Predicate<? super T> eligible,
        Predicate<? super T> connected) {
      if (!eligible.test(m) || !connected.test(m)) {
        return false;
      }
      for (T x : members) {
        if (x == m) {
          return true;
        }
      }
      return false;
    }
  }
}
