package dev.midge.benchmarks;

import dev.midge.codec.topic.TopicTree;
import dev.midge.codec.topic.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Throughput of topic matching, the work a broker does for every PUBLISH it routes.
 *
 * <ul>
 *   <li>{@code matches*}: {@link Topics#matches} on one filter and one topic name: an exact
 *       filter, {@code +} in the middle, {@code #} at the end, and a filter that fails at its third
 *       level. Each should run in tens of nanoseconds and allocate nothing.
 *   <li>{@link #treeForEachMatch}: {@link TopicTree#forEachMatch} for the topic {@value #TOPIC} in
 *       a tree of 10,000 or 100,000 subscriptions (parameter {@code subscriptions}), of which
 *       exactly {@value Tree#MATCHING} match it. The others are generated from a fixed seed, so
 *       every run builds the same tree: about 70 % exact filters, 20 % with one {@code +}, 5 % with
 *       two, 5 % ending in {@code #}, over 100 buildings × 20 floors × 50 rooms × 8 metrics. Its
 *       cost should follow the topic's depth and the matches, not the tree's size.
 *   <li>{@link #linearScan}: the same question answered by {@link Topics#matches} over every
 *       filter of the tree, the baseline a trie exists to beat.
 * </ul>
 *
 * <p>Run it, with allocation per operation ({@code gc.alloc.rate.norm}), from the repository's
 * root after {@code mvn -B -pl midge-benchmarks -am package -DskipTests}:
 *
 * <pre>{@code
 * java -jar midge-benchmarks/target/benchmarks.jar TopicMatchingBenchmark -prof gc
 * java -jar midge-benchmarks/target/benchmarks.jar 'TopicMatchingBenchmark.tree' -p subscriptions=100000
 * }</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class TopicMatchingBenchmark {
  /** The topic published to in the tree benchmarks. */
  static final String TOPIC = "sensors/building-7/floor-3/room-12/temperature";

  // Fields, not constants, so that the JIT cannot fold the answers.
  private String topic = "sensors/building-7/floor-3/temperature";
  private String exactFilter = "sensors/building-7/floor-3/temperature";
  private String singleLevelFilter = "sensors/+/floor-3/temperature";
  private String multiLevelFilter = "sensors/building-7/#";
  private String otherFilter = "sensors/building-7/floor-4/temperature";

  private final SumOfMatches sum = new SumOfMatches();

  /** An exact filter equal to the topic: a full comparison of both strings. */
  @Benchmark
  public boolean matchesExact() {
    return Topics.matches(exactFilter, topic);
  }

  /** {@code +} in the middle of the filter. */
  @Benchmark
  public boolean matchesSingleLevelWildcard() {
    return Topics.matches(singleLevelFilter, topic);
  }

  /** {@code #} at the end of the filter, after two levels. */
  @Benchmark
  public boolean matchesMultiLevelWildcard() {
    return Topics.matches(multiLevelFilter, topic);
  }

  /** A filter that differs from the topic in its third level: false. */
  @Benchmark
  public boolean matchesNoMatch() {
    return Topics.matches(otherFilter, topic);
  }

  /** Every subscription matching {@value #TOPIC}, found in the trie. */
  @Benchmark
  public int treeForEachMatch(Tree tree) {
    sum.value = 0;
    tree.tree.forEachMatch(TOPIC, sum);
    return sum.value;
  }

  /** Every subscription matching {@value #TOPIC}, found by trying each filter in turn. */
  @Benchmark
  public void linearScan(Tree tree, Blackhole bh) {
    String[] filters = tree.filters;
    int[] values = tree.values;
    for (int i = 0; i < filters.length; i++) {
      if (Topics.matches(filters[i], TOPIC)) {
        bh.consume(values[i]);
      }
    }
  }

  /** Adds up the values reported, so that the match cannot be optimised away; allocates nothing. */
  static final class SumOfMatches implements Consumer<Integer> {
    int value;

    @Override
    public void accept(Integer v) {
      value += v;
    }
  }

  /** A {@link TopicTree} of {@code subscriptions} filters, one value each, built once per run. */
  @State(Scope.Benchmark)
  public static class Tree {
    /** How many of the tree's filters match {@link #TOPIC}: the fixed ones in {@link #setUp}. */
    static final int MATCHING = 5;

    private static final String[] METRICS = {
        "temperature", "humidity", "co2", "occupancy", "light", "noise", "pressure", "voc"};

    @Param({"10000", "100000"})
    public int subscriptions;

    TopicTree<Integer> tree;
    String[] filters;
    int[] values;

    @Setup(Level.Trial)
    public void setUp() {
      List<String> matching = List.of(
          TOPIC,
          "sensors/building-7/floor-3/+/temperature",
          "sensors/+/floor-3/room-12/temperature",
          "sensors/building-7/floor-3/room-12/+",
          "sensors/building-7/#");
      tree = new TopicTree<>();
      List<String> added = new ArrayList<>(subscriptions);
      Random random = new Random(20_260_101L);
      while (added.size() < subscriptions - matching.size()) {
        String filter = randomFilter(random);
        // Keep the number of matches fixed at the handful added below.
        if (!Topics.matches(filter, TOPIC) && tree.add(filter, added.size())) {
          added.add(filter);
        }
      }
      for (String filter : matching) {
        tree.add(filter, added.size());
        added.add(filter);
      }
      filters = added.toArray(String[]::new);
      values = new int[filters.length];
      for (int i = 0; i < values.length; i++) {
        values[i] = i;
      }
      int found = tree.matches(TOPIC).size();
      if (tree.size() != subscriptions || found != MATCHING) {
        throw new IllegalStateException(
            "tree of " + tree.size() + " with " + found + " matches, expected " + subscriptions
                + " with " + MATCHING);
      }
    }

    private static String randomFilter(Random random) {
      String[] levels = {
          "sensors",
          "building-" + random.nextInt(100),
          "floor-" + random.nextInt(20),
          "room-" + random.nextInt(50),
          METRICS[random.nextInt(METRICS.length)]};
      int kind = random.nextInt(100);
      if (kind < 70) {
        return String.join("/", levels);
      }
      if (kind < 95) {
        levels[1 + random.nextInt(4)] = "+";
        if (kind >= 90) {
          levels[1 + random.nextInt(4)] = "+"; // may hit the same level: then just one
        }
        return String.join("/", levels);
      }
      int depth = 2 + random.nextInt(3); // sensors/building-b/# to sensors/.../room-r/#
      return String.join("/", List.of(levels).subList(0, depth)) + "/#";
    }
  }
}
