package dev.midge.codec.reason;

import java.util.function.ToIntFunction;
import org.jspecify.annotations.Nullable;

/** A 256-entry lookup from a reason code byte to its enum constant: O(1), no boxing. */
final class ReasonCodeTable<E extends Enum<E>> {
  private final Object[] byValue = new Object[256];

  ReasonCodeTable(E[] constants, ToIntFunction<E> value) {
    for (E constant : constants) {
      int v = value.applyAsInt(constant);
      if (byValue[v] != null) {
        throw new IllegalStateException("two reason codes with byte " + v + ": " + constant);
      }
      byValue[v] = constant;
    }
  }

  @SuppressWarnings("unchecked")
  @Nullable E get(int value) {
    return value >= 0 && value < 256 ? (E) byValue[value] : null;
  }
}
