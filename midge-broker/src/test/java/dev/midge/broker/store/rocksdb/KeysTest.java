package dev.midge.broker.store.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class KeysTest {

  @Test
  void child_whenNumbered_thenBytewiseOrderIsNumericOrder() {
    byte[] p = Keys.session("c", 1);
    long[] seqs = {1, 2, 255, 256, 65_536, 1L << 40, Long.MAX_VALUE};
    for (int i = 1; i < seqs.length; i++) {
      assertThat(Arrays.compareUnsigned(Keys.child(p, seqs[i - 1]), Keys.child(p, seqs[i])))
          .as("%d before %d", seqs[i - 1], seqs[i]).isNegative();
    }
  }

  @Test
  void end_whenOneClientIdStartsAnother_thenRangesDoNotOverlap() {
    byte[] a = Keys.session("a", 7);
    byte[] ab = Keys.session("ab", 7);
    byte[] aNext = Keys.session("a", 8);
    byte[] last = Keys.child(a, Long.MAX_VALUE);
    assertThat(Arrays.compareUnsigned(last, Keys.end(a))).isNegative();
    for (byte[] other : new byte[][] {ab, Keys.child(ab, 1), aNext, Keys.child(aNext, 0)}) {
      boolean inside = Arrays.compareUnsigned(other, a) >= 0
          && Arrays.compareUnsigned(other, Keys.end(a)) < 0;
      assertThat(inside).isFalse();
    }
  }

  @Test
  void prefix_whenReadBack_thenClientIdAndGeneration() {
    byte[] key = Keys.child(Keys.session("ünï/code", 42), "a/#");
    int n = Keys.prefixLength(key);
    byte[] prefix = Keys.prefixOf(key);
    assertThat(Keys.clientId(prefix)).isEqualTo("ünï/code");
    assertThat(Keys.generation(prefix)).isEqualTo(42);
    assertThat(Keys.filterOf(key, n)).isEqualTo("a/#");
    assertThat(Keys.packetIdOf(Keys.packetId(prefix, 65535), n)).isEqualTo(65535);
    assertThat(Keys.number(Keys.child(prefix, 9L), n)).isEqualTo(9L);
  }
}
