package dev.midge.broker.connection;

import dev.midge.broker.store.Storage;
import dev.midge.codec.packet.MqttPacket;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import java.util.ArrayDeque;

/**
 * What the broker sends one client of a persistent session, held where it must wait for the
 * store: a QoS 2 PUBLISH goes out only once its in-flight record (with its packet identifier) is
 * durable, and a PUBREL only once "PUBREC received" is. Otherwise a crash could make the broker
 * send, after its restart, the same message again under a new packet identifier, or the PUBLISH
 * again after the client completed the flow and forgot the identifier: the client would take it
 * twice (MQTT-4.3.3). Packets written after a held one wait behind it, so the order of what the
 * client receives is the order written (MQTT-4.6.0).
 *
 * <p>A packet that waits is released when everything handed to the store before it is written
 * (synced, under {@code sync: always}); the wait is the store's group commit, shared with every
 * other write of that moment. In memory, and for sessions that are not persistent, nothing waits.
 *
 * <p>Per connection; on its event loop only.
 */
final class DurableSends {
  /** A point in the stream that later packets wait behind until the store says so. */
  private static final class Barrier {
    boolean passed;
  }

  private final Storage storage;
  private final ChannelHandlerContext ctx;
  private final ArrayDeque<Object> held = new ArrayDeque<>(1); // grows; most stay empty

  DurableSends(Storage storage, ChannelHandlerContext ctx) {
    this.storage = storage;
    this.ctx = ctx;
  }

  /**
   * Writes {@code packet} (flush with {@link ChannelHandlerContext#flush()} as usual), or holds
   * it behind earlier held packets.
   *
   * @param afterDurable whether it must wait for what was handed to the store before it
   */
  void write(MqttPacket packet, boolean afterDurable) {
    if (afterDurable && storage.isDurable()) {
      Barrier b = new Barrier();
      held.add(b);
      EventLoop loop = ctx.channel().eventLoop();
      // On failure too: the broker's memory has moved on; the store logged its failure.
      storage.afterWrites(failure -> loop.execute(() -> {
        b.passed = true;
        release();
      }));
    }
    if (held.isEmpty()) {
      ctx.write(packet, ctx.voidPromise());
    } else {
      held.add(packet);
    }
  }

  /** Packets held now. */
  int held() {
    int n = 0;
    for (Object o : held) {
      if (o instanceof MqttPacket) {
        n++;
      }
    }
    return n;
  }

  private void release() {
    boolean wrote = false;
    Object head;
    while ((head = held.peek()) != null) {
      if (head instanceof Barrier b) {
        if (!b.passed) {
          break;
        }
        held.poll();
        continue;
      }
      held.poll();
      ctx.write(head, ctx.voidPromise());
      wrote = true;
    }
    if (wrote) {
      ctx.flush();
    }
  }
}
