package dev.midge.client.internal;

import java.util.BitSet;

/**
 * Packet identifiers 1 to 65535 for PUBLISH (QoS 1, 2), SUBSCRIBE and UNSUBSCRIBE. An identifier
 * stays taken until its flow completes, so two flows in progress never share one
 * (MQTT-2.2.1-3); free ones are handed out round-robin, so a just-released identifier is not
 * reused at once (a late PUBACK for it then cannot be mistaken for the new flow's).
 *
 * <p>Not thread-safe: used on the client's event loop only.
 */
public final class PacketIds {
  static final int MAX = 0xFFFF;

  private final BitSet used = new BitSet(MAX + 1);
  private int last;
  private int inUse;

  /** A free identifier, now taken; or 0 when all 65535 are taken. */
  public int take() {
    if (inUse == MAX) {
      return 0;
    }
    int next = used.nextClearBit(last + 1);
    if (next > MAX) {
      next = used.nextClearBit(1);
    }
    used.set(next);
    last = next;
    inUse++;
    return next;
  }

  /** Marks {@code id} taken, for a flow carried over; false if it already was. */
  public boolean claim(int id) {
    if (used.get(id)) {
      return false;
    }
    used.set(id);
    inUse++;
    return true;
  }

  /** Frees {@code id}; releasing a free identifier does nothing. */
  public void release(int id) {
    if (id >= 1 && id <= MAX && used.get(id)) {
      used.clear(id);
      inUse--;
    }
  }

  /** How many identifiers are taken. */
  public int inUse() {
    return inUse;
  }
}
