package dev.midge.broker.will;

import dev.midge.broker.session.Session;
import dev.midge.codec.packet.Publish;

/**
 * Where wills waiting out their Will Delay Interval are kept, so that a broker restarted before
 * the delay ends still publishes them: {@link PendingWills} tells it when a will is held and when
 * it goes (published, cancelled, or its session ended). {@link #NONE} keeps nothing.
 *
 * <p>Thread-safe.
 */
public interface WillStore {
  /**
   * A will of {@code session} is held until {@code publishAt}.
   *
   * @param publishAt when the will delay ends, in milliseconds since the epoch
   * @return an identifier to pass to {@link #released}; 0 when nothing was kept
   */
  long held(Session session, Publish message, long publishAt);

  /** The will kept as {@code id} is no longer pending: published or cancelled. */
  void released(Session session, long id);

  /** Keeps nothing: wills are lost with the process. */
  WillStore NONE = new WillStore() {
    @Override
    public long held(Session session, Publish message, long publishAt) {
      return 0;
    }

    @Override
    public void released(Session session, long id) {}
  };
}
