package dev.midge.broker.connection;

import dev.midge.broker.store.Storage;
import dev.midge.broker.store.WriteTicket;
import dev.midge.codec.packet.MqttPacket;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import java.util.ArrayDeque;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The acknowledgements one connection owes its client for QoS 1 and 2 PUBLISH and for PUBREL:
 * PUBACK, PUBREC and PUBCOMP. With a durable store each goes out only once what its packet
 * changed is durable — the message in every matching persistent session's queue and in the
 * retained store, the inbound QoS 2 packet identifier — so that the client never discards a
 * message the broker could still lose. Whatever the store, they go out in the order the packets
 * arrived (MQTT-4.6.0-2, MQTT-4.6.0-3 in 3.1.1): an acknowledgement whose writes are durable
 * waits for the ones before it.
 *
 * <pre>{@code
 * acks.acknowledge(() -> {
 *   int n = broker.publish(message, clientId);
 *   return new Puback(packetId, ...);
 * });
 * }</pre>
 *
 * <p>In memory nothing waits: the acknowledgement is written at once. If the store fails to
 * write, the connection is closed without the acknowledgement, so the client sends again.
 *
 * <p>Per connection; called on its event loop only.
 */
final class DurableAcks {
  private static final class Slot {
    @Nullable MqttPacket ack;
    boolean done;
    @Nullable Exception failure;
  }

  private final Storage storage;
  private final ChannelHandlerContext ctx;
  private final Consumer<Exception> onFailure;
  private final ArrayDeque<Slot> waiting = new ArrayDeque<>();
  private boolean failed;

  /**
   * @param onFailure called once, on the event loop, when a write an acknowledgement waited for
   *     failed: the connection is to be closed
   */
  DurableAcks(Storage storage, ChannelHandlerContext ctx, Consumer<Exception> onFailure) {
    this.storage = storage;
    this.ctx = ctx;
    this.onFailure = onFailure;
  }

  /**
   * Runs {@code work}, which handles a packet and returns the acknowledgement to send for it, and
   * sends that once every write the work caused is durable, after the acknowledgements before it.
   * Written, not flushed, when it can go at once (the read loop flushes); flushed otherwise.
   */
  void acknowledge(Supplier<MqttPacket> work) {
    if (!storage.isDurable()) {
      ctx.write(work.get());
      return;
    }
    Slot slot = new Slot();
    waiting.add(slot);
    EventLoop loop = ctx.channel().eventLoop();
    WriteTicket ticket = WriteTicket.begin(storage::afterWrites);
    try {
      slot.ack = work.get();
    } finally {
      ticket.end(failure -> {
        if (loop.inEventLoop()) {
          done(slot, failure, false); // nothing to wait for: still inside the read
        } else {
          loop.execute(() -> done(slot, failure, true));
        }
      });
    }
  }

  /** Acknowledgements waiting for the store now. */
  int waiting() {
    return waiting.size();
  }

  private void done(Slot slot, @Nullable Exception failure, boolean flush) {
    slot.done = true;
    slot.failure = failure;
    boolean wrote = false;
    Slot head;
    while (!failed && (head = waiting.peek()) != null && head.done) {
      waiting.poll();
      Exception f = head.failure;
      if (f != null) {
        failed = true;
        waiting.clear();
        onFailure.accept(f);
        return;
      }
      MqttPacket ack = head.ack;
      if (ack != null) {
        ctx.write(ack);
        wrote = true;
      }
    }
    if (wrote && flush) {
      ctx.flush();
    }
  }
}
