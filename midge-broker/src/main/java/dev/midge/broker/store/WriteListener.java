package dev.midge.broker.store;

import org.jspecify.annotations.Nullable;

/**
 * Told once when writes handed to a store are durable, or failed.
 *
 * <p>Called on the store's writer thread, or on the caller's thread when nothing had to be
 * written: keep it short and hand real work to an event loop.
 */
@FunctionalInterface
public interface WriteListener {
  /**
   * @param failure null when the writes are durable; otherwise why they are not (they may or may
   *     not have reached the disk)
   */
  void written(@Nullable Exception failure);
}
