package dev.midge.loadgen.internal;

import dev.midge.codec.DecodeFailure;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.Pingreq;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Pubcomp;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Pubrec;
import dev.midge.codec.packet.Pubrel;
import dev.midge.codec.packet.Suback;
import dev.midge.codec.packet.Subscribe;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.SubackReasonCode;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One connection of a load run, speaking MQTT through the codec: it connects, then publishes,
 * subscribes (and acknowledges what it receives), or stays idle, as the run asks.
 *
 * <p>A publisher sends as fast as the connection takes ({@code rate} 0: while the channel is
 * writable and, at QoS 1 and 2, while fewer than {@code inflight} messages are unacknowledged) or
 * on a schedule, where message <i>k</i> is due at {@code start + k / rate}; a message sent late
 * carries its scheduled time, so latency includes the wait (no coordinated omission). The first
 * 20 bytes of each payload hold the send time ({@link System#nanoTime()}), the publisher and a
 * sequence number.
 *
 * <p>Threading: every method runs on the channel's event loop, except {@link #startPublishing},
 * {@link #stopPublishing} and {@link #subscribe}, which hand their work to it, and the futures,
 * which any thread may read.
 */
public final class BenchClient extends ChannelInboundHandlerAdapter {
  private static final int MAX_PACKET_ID = 0xFFFF;
  /** Messages written before yielding the event loop to reads, in open loop. */
  private static final int BURST = 256;

  private final String clientId;
  private final MqttVersion version;
  private final int keepAlive;
  private final boolean pings;
  private final Stats stats;

  /** CONNACK with success. */
  public final CompletableFuture<Void> connected = new CompletableFuture<>();
  /** SUBACK granting every filter. */
  public final CompletableFuture<Void> subscribed = new CompletableFuture<>();
  /** The channel closed: completes with {@link System#nanoTime()} at the time. */
  public final CompletableFuture<Long> closed = new CompletableFuture<>();

  private @Nullable ChannelHandlerContext ctx;
  private volatile long lastWriteNanos;
  private volatile int disconnectReason = -1;

  // ---- publisher state: event loop only ----
  private @Nullable String topic;
  private MqttQos qos = MqttQos.AT_MOST_ONCE;
  private int payloadSize;
  private int publisherIndex;
  private int window;
  private double ratePerSecond;
  private long startNanos;
  private long sequence;
  private boolean publishing;
  private boolean pumpScheduled;
  private int inflight;
  /**
   * Packet identifiers in use, made on the first QoS 1 or 2 message: 64 KiB each would cost a
   * storm of idle clients more than the connections themselves.
   */
  private boolean @Nullable [] usedIds;
  private int nextId = 1;
  private @Nullable ScheduledFuture<?> ticker;
  private @Nullable ScheduledFuture<?> pinger;
  private final Runnable pumpTask = () -> {
    pumpScheduled = false;
    pump();
  };

  /**
   * @param pings whether to send PINGREQ every keep alive, as a live client does (false for the
   *     keepalive scenario's silent clients)
   */
  public BenchClient(String clientId, MqttVersion version, int keepAlive, boolean pings,
      Stats stats) {
    this.clientId = clientId;
    this.version = version;
    this.keepAlive = keepAlive;
    this.pings = pings;
    this.stats = stats;
  }

  /** When this client last wrote to the socket ({@link System#nanoTime()}), 0 if never. */
  public long lastWriteNanos() {
    return lastWriteNanos;
  }

  /** The reason code of a DISCONNECT the broker sent (MQTT 5), or -1. */
  public int disconnectReason() {
    return disconnectReason;
  }

  public String clientId() {
    return clientId;
  }

  /** The channel, once connected. */
  public @Nullable Channel channel() {
    ChannelHandlerContext c = ctx;
    return c == null ? null : c.channel();
  }

  // ---- commands from the generator's thread ----

  /** Subscribes to {@code filters} at {@code qos}; {@link #subscribed} completes on SUBACK. */
  public void subscribe(List<String> filters, MqttQos qos) {
    ChannelHandlerContext c = context();
    c.executor().execute(() -> {
      List<Subscription> subs = filters.stream().map(f -> new Subscription(f, qos)).toList();
      c.writeAndFlush(new Subscribe(1, subs, Properties.EMPTY));
      touch();
    });
  }

  /**
   * Starts publishing to {@code topic}.
   *
   * @param ratePerSecond this publisher's schedule, 0 for as fast as possible
   * @param startNanos when message 0 is due ({@link System#nanoTime()}), for a schedule
   */
  public void startPublishing(String topic, MqttQos qos, int payloadSize, int publisherIndex,
      int window, double ratePerSecond, long startNanos) {
    ChannelHandlerContext c = context();
    c.executor().execute(() -> {
      this.topic = topic;
      this.qos = qos;
      this.payloadSize = payloadSize;
      this.publisherIndex = publisherIndex;
      this.window = window;
      this.ratePerSecond = ratePerSecond;
      this.startNanos = startNanos;
      this.publishing = true;
      if (ratePerSecond > 0) {
        // A tick every millisecond sends what has come due; late messages keep their due time.
        ticker = c.executor().scheduleAtFixedRate(this::pump, 0, 1, TimeUnit.MILLISECONDS);
      } else {
        pump();
      }
    });
  }

  /** Stops publishing; messages in flight still complete. */
  public void stopPublishing() {
    ChannelHandlerContext c = ctx;
    if (c == null) {
      return;
    }
    c.executor().execute(() -> {
      publishing = false;
      if (ticker != null) {
        ticker.cancel(false);
      }
    });
  }

  /** Sends DISCONNECT (when still open) and closes. */
  public void close() {
    ChannelHandlerContext c = ctx;
    if (c == null) {
      return;
    }
    c.executor().execute(() -> {
      publishing = false;
      if (c.channel().isActive() && connected.isDone() && !connected.isCompletedExceptionally()) {
        c.writeAndFlush(Disconnect.NORMAL).addListener(f -> c.close());
      } else {
        c.close();
      }
    });
  }

  private ChannelHandlerContext context() {
    ChannelHandlerContext c = ctx;
    if (c == null) {
      throw new IllegalStateException("not connected");
    }
    return c;
  }

  // ---- the channel ----

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.writeAndFlush(Connect.builder(version).clientId(clientId).cleanStart(true)
        .keepAlive(keepAlive).build());
    touch();
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closed.complete(System.nanoTime());
    if (pinger != null) {
      pinger.cancel(false);
    }
    if (ticker != null) {
      ticker.cancel(false);
    }
    IllegalStateException gone = new IllegalStateException(
        "connection closed" + (disconnectReason >= 0
            ? String.format(" (DISCONNECT 0x%02X)", disconnectReason) : ""));
    connected.completeExceptionally(gone);
    subscribed.completeExceptionally(gone);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    connected.completeExceptionally(cause);
    subscribed.completeExceptionally(cause);
    ctx.close();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      pump();
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof Publish p) {
      onPublish(ctx, p);
    } else if (msg instanceof Puback ack) {
      completed(ack.packetId(), ack.reasonCode().isError());
    } else if (msg instanceof Pubrec rec) {
      if (rec.reasonCode().isError()) {
        completed(rec.packetId(), true);
      } else {
        ctx.write(new Pubrel(rec.packetId()));
      }
    } else if (msg instanceof Pubcomp comp) {
      completed(comp.packetId(), comp.reasonCode().isError());
    } else if (msg instanceof Pubrel rel) {
      ctx.write(new Pubcomp(rel.packetId()));
    } else if (msg instanceof Connack ack) {
      if (ack.reasonCode().isError()) {
        connected.completeExceptionally(new IllegalStateException(
            "CONNACK " + ack.reasonCode() + String.format(" (0x%02X)", ack.reasonCode().value())));
        ctx.close();
      } else {
        connected.complete(null);
        if (pings && keepAlive > 0) {
          pinger = ctx.executor().scheduleAtFixedRate(() -> {
            ctx.writeAndFlush(Pingreq.INSTANCE);
            touch();
          }, keepAlive, keepAlive, TimeUnit.SECONDS);
        }
      }
    } else if (msg instanceof Suback ack) {
      SubackReasonCode refused = ack.reasonCodes().stream()
          .filter(SubackReasonCode::isError).findFirst().orElse(null);
      if (refused != null) {
        subscribed.completeExceptionally(new IllegalStateException("SUBACK " + refused));
      } else {
        subscribed.complete(null);
      }
    } else if (msg instanceof Disconnect d) {
      disconnectReason = d.reasonCode().value();
    } else if (msg instanceof DecodeFailure f) {
      exceptionCaught(ctx, new IllegalStateException("bad packet from the broker: " + f));
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    pump();
    ctx.flush();
  }

  private void onPublish(ChannelHandlerContext ctx, Publish p) {
    byte[] payload = p.payload();
    long now = System.nanoTime();
    if (payload.length >= 8) {
      stats.messageReceived(readLong(payload, 0), now);
    } else {
      stats.received.increment();
    }
    switch (p.qos()) {
      case AT_MOST_ONCE -> { }
      case AT_LEAST_ONCE -> ctx.write(new Puback(p.packetId()));
      case EXACTLY_ONCE -> ctx.write(new Pubrec(p.packetId()));
    }
  }

  private void completed(int packetId, boolean refused) {
    boolean[] used = usedIds;
    if (packetId <= 0 || used == null || !used[packetId]) {
      return;
    }
    used[packetId] = false;
    inflight--;
    if (refused) {
      stats.refusedAcks.increment();
    } else {
      stats.acknowledged.increment();
    }
  }

  // ---- publishing ----

  /** Sends what may be sent now, in bursts, yielding to reads in between. */
  private void pump() {
    ChannelHandlerContext c = ctx;
    if (!publishing || c == null || topic == null) {
      return;
    }
    Channel ch = c.channel();
    long due = Long.MAX_VALUE;
    if (ratePerSecond > 0) {
      double elapsedSeconds = (System.nanoTime() - startNanos) / 1e9;
      due = elapsedSeconds < 0 ? 0 : (long) (elapsedSeconds * ratePerSecond) + 1;
    }
    int n = 0;
    while (n < BURST && sequence < due && ch.isWritable()
        && (qos == MqttQos.AT_MOST_ONCE || inflight < window)) {
      long sendTime = ratePerSecond > 0
          ? startNanos + (long) (sequence * 1e9 / ratePerSecond) : System.nanoTime();
      c.write(message(sendTime));
      n++;
    }
    if (n > 0) {
      c.flush();
      touch();
    }
    boolean more = sequence < due && ch.isWritable()
        && (qos == MqttQos.AT_MOST_ONCE || inflight < window);
    if (more && ratePerSecond == 0 && !pumpScheduled) {
      pumpScheduled = true;
      c.executor().execute(pumpTask); // after pending reads, so acks keep flowing
    }
  }

  private Publish message(long sendTime) {
    byte[] payload = new byte[payloadSize];
    writeLong(payload, 0, sendTime);
    writeInt(payload, 8, publisherIndex);
    writeLong(payload, 12, sequence);
    sequence++;
    int packetId = 0;
    if (qos != MqttQos.AT_MOST_ONCE) {
      packetId = allocateId();
      inflight++;
    }
    stats.sent.increment();
    return new Publish(topic, qos, false, false, packetId, payload, Properties.EMPTY);
  }

  private int allocateId() {
    boolean[] usedIds = this.usedIds;
    if (usedIds == null) {
      usedIds = new boolean[MAX_PACKET_ID + 1];
      this.usedIds = usedIds;
    }
    while (usedIds[nextId]) {
      nextId = nextId == MAX_PACKET_ID ? 1 : nextId + 1;
    }
    int id = nextId;
    usedIds[id] = true;
    nextId = nextId == MAX_PACKET_ID ? 1 : nextId + 1;
    return id;
  }

  private void touch() {
    lastWriteNanos = System.nanoTime();
  }

  private static long readLong(byte[] b, int at) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[at + i] & 0xFF);
    }
    return v;
  }

  private static void writeLong(byte[] b, int at, long v) {
    for (int i = 7; i >= 0; i--) {
      b[at + i] = (byte) v;
      v >>>= 8;
    }
  }

  private static void writeInt(byte[] b, int at, int v) {
    for (int i = 3; i >= 0; i--) {
      b[at + i] = (byte) v;
      v >>>= 8;
    }
  }
}
