package dev.midge.broker.connection;

import dev.midge.broker.store.Storage;
import dev.midge.broker.store.WriteTicket;
import dev.midge.codec.packet.MqttPacket;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * What one connection's PUBLISH and PUBREL packets lead to, released in the order the packets
 * came: the deliveries of the messages to subscribers, and the acknowledgements owed to the
 * client (PUBACK, PUBREC, PUBCOMP; MQTT-4.6.0-2, MQTT-4.6.0-3 in 3.1.1).
 *
 * <p>With a durable store each packet is handled in a {@link WriteTicket}: its writes (the
 * message's records in the matching persistent sessions, the inbound QoS 2 packet identifier, a
 * retained message) are made durable together, and only then is the message delivered and the
 * acknowledgement sent — so that the client never discards, and no subscriber ever sees, a
 * message the broker could still lose. A packet whose writes are durable waits for those before
 * it, and one that wrote nothing (QoS 0) too, so that order per topic holds (MQTT-4.6.0-6).
 *
 * <pre>{@code
 * acks.acknowledge(() -> {
 *   int n = broker.publish(message, clientId);
 *   return new Puback(packetId, ...);
 * });
 * }</pre>
 *
 * <p>In memory nothing waits: work runs, delivers and acknowledges at once. If the store fails
 * to write, the acknowledgements are not sent and the connection is closed, so the client sends
 * again; the deliveries still go (the broker's memory has the message).
 *
 * <p>Per connection; called on its event loop only.
 */
final class DurableAcks {
  private static final class Slot {
    @Nullable MqttPacket ack;
    List<Runnable> deliveries = List.of();
    boolean done;
    @Nullable Exception failure;
  }

  private final Storage storage;
  private final ChannelHandlerContext ctx;
  private final Consumer<Exception> onFailure;
  private final ArrayDeque<Slot> waiting = new ArrayDeque<>(1); // grows; most stay empty
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
   * Runs {@code work}, which handles a packet and returns the acknowledgement to send for it
   * (null for none), and once every write the work caused is durable runs the deliveries it left
   * and sends the acknowledgement, after those of the packets before it. Written, not flushed,
   * when it can go at once (the read loop flushes); flushed otherwise.
   */
  void acknowledge(Supplier<@Nullable MqttPacket> work) {
    if (!storage.isDurable()) {
      MqttPacket ack = work.get();
      if (ack != null) {
        ctx.write(ack);
      }
      return;
    }
    Slot slot = new Slot();
    waiting.add(slot);
    EventLoop loop = ctx.channel().eventLoop();
    WriteTicket ticket = WriteTicket.begin(storage);
    try {
      slot.ack = work.get();
    } finally {
      slot.deliveries = ticket.deliveries();
      ticket.end(failure -> {
        if (loop.inEventLoop()) {
          done(slot, failure, false); // nothing to wait for: still inside the read
        } else {
          loop.execute(() -> done(slot, failure, true));
        }
      });
    }
  }

  /** Packets whose writes are not yet durable, or that wait for one that is not. */
  int waiting() {
    return waiting.size();
  }

  private void done(Slot slot, @Nullable Exception failure, boolean flush) {
    slot.done = true;
    slot.failure = failure;
    boolean wrote = false;
    Slot head;
    while ((head = waiting.peek()) != null && head.done) {
      waiting.poll();
      head.deliveries.forEach(Runnable::run);
      Exception f = head.failure;
      if (f != null && !failed) {
        failed = true;
        onFailure.accept(f);
      }
      MqttPacket ack = head.ack;
      if (ack != null && !failed) {
        ctx.write(ack);
        wrote = true;
      }
    }
    if (wrote && flush) {
      ctx.flush();
    }
  }
}
