package dev.midge.broker.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.broker.config.MqttConfig.SharedSubscriptionStrategy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The shared subscription strategies, on plain member names instead of sessions. */
class MemberSelectorTest {
  private static final String[] ABC = {"a", "b", "c"};

  private final Set<String> offline = new HashSet<>();
  private final Predicate<String> connected = m -> !offline.contains(m);
  private final Predicate<String> anyone = m -> true;

  private static List<String> picks(MemberSelector s, String[] members, Predicate<String> eligible,
      Predicate<String> connected, int n) {
    List<String> got = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      got.add(s.select(members, eligible, connected, true));
    }
    return got;
  }

  private static Map<String, Integer> counts(List<String> picks) {
    Map<String, Integer> c = new HashMap<>();
    picks.forEach(p -> c.merge(p, 1, Integer::sum));
    return c;
  }

  @Test
  @DisplayName("round robin: members take turns, message after message")
  void roundRobin_whenAllConnected_thenMembersTakeTurns() {
    MemberSelector s = MemberSelector.of(SharedSubscriptionStrategy.ROUND_ROBIN);
    assertThat(picks(s, ABC, anyone, connected, 7))
        .containsExactly("a", "b", "c", "a", "b", "c", "a");
  }

  @Test
  @DisplayName("round robin: each group keeps its own turn")
  void roundRobin_whenTwoGroups_thenEachRotatesOnItsOwn() {
    MemberSelector g1 = MemberSelector.of(SharedSubscriptionStrategy.ROUND_ROBIN);
    MemberSelector g2 = MemberSelector.of(SharedSubscriptionStrategy.ROUND_ROBIN);
    assertThat(g1.select(ABC, anyone, connected, true)).isEqualTo("a");
    assertThat(g1.select(ABC, anyone, connected, true)).isEqualTo("b");
    assertThat(g2.select(ABC, anyone, connected, true)).isEqualTo("a");
    assertThat(g1.select(ABC, anyone, connected, true)).isEqualTo("c");
  }

  @Test
  @DisplayName("round robin: publishers on many threads at once still share messages exactly"
      + " evenly")
  void roundRobin_whenPickedConcurrently_thenExactlyEven() throws Exception {
    MemberSelector s = MemberSelector.of(SharedSubscriptionStrategy.ROUND_ROBIN);
    String[] members = {"a", "b", "c", "d"};
    Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        done.add(pool.submit(() -> {
          for (int i = 0; i < 10_000; i++) {
            counts.computeIfAbsent(s.select(members, anyone, m -> true, true),
                k -> new AtomicInteger()).incrementAndGet();
          }
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(counts).hasSize(4);
    assertThat(counts.values()).allSatisfy(c -> assertThat(c.get()).isEqualTo(10_000));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(SharedSubscriptionStrategy.class)
  @DisplayName("every strategy: a connected member is preferred to an offline one")
  void select_whenSomeOffline_thenOnlyConnectedPicked(SharedSubscriptionStrategy strategy) {
    MemberSelector s = MemberSelector.of(strategy);
    offline.add("a");
    List<String> got = picks(s, ABC, anyone, connected, 60);
    assertThat(got).doesNotContain("a");
    if (strategy != SharedSubscriptionStrategy.STICKY) {
      assertThat(got).contains("b", "c");
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(SharedSubscriptionStrategy.class)
  @DisplayName("every strategy: with nobody connected, an offline member is picked when allowed,"
      + " none otherwise")
  void select_whenNoneConnected_thenOfflineOnlyWhenAllowed(SharedSubscriptionStrategy strategy) {
    MemberSelector s = MemberSelector.of(strategy);
    offline.addAll(List.of(ABC));
    assertThat(s.select(ABC, anyone, connected, true)).isIn((Object[]) ABC);
    assertThat(s.select(ABC, anyone, connected, false)).isNull();
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(SharedSubscriptionStrategy.class)
  @DisplayName("every strategy: a member that is not eligible (leaving) is never picked; an empty"
      + " group picks nobody")
  void select_whenMemberNotEligible_thenNeverPicked(SharedSubscriptionStrategy strategy) {
    MemberSelector s = MemberSelector.of(strategy);
    Predicate<String> notB = m -> !m.equals("b");
    assertThat(picks(s, ABC, notB, connected, 60)).doesNotContain("b");
    offline.add("a");
    offline.add("c");
    assertThat(s.select(ABC, notB, connected, false)).isNull(); // only b is connected
    assertThat(s.select(new String[0], anyone, connected, true)).isNull();
  }

  @Test
  @DisplayName("random: every member gets a fair share")
  void random_whenManyMessages_thenEveryMemberGetsAFairShare() {
    MemberSelector s = MemberSelector.of(SharedSubscriptionStrategy.RANDOM);
    Map<String, Integer> c = counts(picks(s, ABC, anyone, connected, 3000));
    // Expected 1000 each with a standard deviation near 26: 200 away is beyond 7 deviations.
    assertThat(c).containsOnlyKeys("a", "b", "c");
    assertThat(c.values()).allSatisfy(n -> assertThat(n).isBetween(800, 1200));
  }

  @Test
  @DisplayName("sticky: one member gets everything until it disconnects, then the next one"
      + " sticks, even when the first comes back")
  void sticky_whenMemberDisconnects_thenNextOneSticks() {
    MemberSelector s = MemberSelector.of(SharedSubscriptionStrategy.STICKY);
    List<String> first = picks(s, ABC, anyone, connected, 10);
    assertThat(new HashSet<>(first)).hasSize(1);
    String held = first.get(0);

    offline.add(held);
    List<String> second = picks(s, ABC, anyone, connected, 10);
    assertThat(new HashSet<>(second)).hasSize(1);
    assertThat(second.get(0)).isNotEqualTo(held);

    offline.remove(held);
    assertThat(picks(s, ABC, anyone, connected, 10)).containsOnly(second.get(0));
  }

  @Test
  @DisplayName("sticky: a member that left the group is not kept")
  void sticky_whenMemberLeaves_thenAnotherPicked() {
    MemberSelector s = MemberSelector.of(SharedSubscriptionStrategy.STICKY);
    String held = s.select(ABC, anyone, connected, true);
    String[] without = List.of(ABC).stream().filter(m -> !m.equals(held)).toArray(String[]::new);
    assertThat(s.select(without, anyone, connected, true)).isIn((Object[]) without);
  }
}
