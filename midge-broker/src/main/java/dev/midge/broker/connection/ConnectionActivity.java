package dev.midge.broker.connection;

import dev.midge.broker.keepalive.KeepAliveHandler;
import dev.midge.broker.keepalive.KeepAliveTimeout;
import dev.midge.broker.metrics.DisconnectCause;
import dev.midge.broker.session.Session;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.MqttPacket;
import dev.midge.codec.packet.Pingreq;
import dev.midge.codec.packet.Pingresp;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.reason.ConnackReasonCode;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.util.concurrent.Ticker;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Watches one connection from outside, between the codec and the connection's state machine, so
 * that the admin API, the metrics and the {@code $SYS} events can show it without the connection
 * knowing: when it was accepted, when the last packet came in and went out, its last ping, the
 * bytes of PUBLISH payloads in and out by QoS, how late its keep-alive timeout was detected, and
 * its end with the cause. It keeps the connection in {@link ConnectedClients} while it is accepted.
 *
 * <p>Cost per packet: a read of the ticker and a field write, plus a counter for a PUBLISH.
 *
 * <p>Per connection, not sharable. Everything runs on the channel's event loop, {@link #snapshot}
 * included: the admin API hands it there.
 */
public final class ConnectionActivity extends ChannelDuplexHandler {
  private final BrokerServices broker;

  private @Nullable ChannelHandlerContext ctx;
  private Ticker ticker = Ticker.systemTicker();
  private @Nullable MqttConnection connection;
  private String clientId = "?";
  private long connectedAtMillis;
  private long connectedAtNanos;
  private long lastInNanos;
  private long lastOutNanos = -1;
  private long pingInNanos = -1;
  private long pingResponseNanos = -1;
  private boolean accepted;

  public ConnectionActivity(BrokerServices broker) {
    this.broker = broker;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.ticker = ctx.executor().ticker();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof MqttPacket packet) {
      long now = ticker.nanoTime();
      lastInNanos = now;
      broker.metrics().packetReceived();
      if (packet instanceof Publish p) {
        broker.metrics().payloadReceived(p.qos().value(), p.payload().length);
      } else if (packet instanceof Pingreq) {
        pingInNanos = now;
      }
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof MqttPacket packet) {
      lastOutNanos = ticker.nanoTime();
      broker.metrics().packetSent();
      if (packet instanceof Publish p) {
        broker.metrics().payloadSent(p.qos().value(), p.payload().length);
      } else if (packet instanceof Pingresp && !promise.isVoid()) {
        long pingAt = pingInNanos;
        promise.addListener(f -> {
          if (f.isSuccess() && pingAt >= 0) {
            pingResponseNanos = ticker.nanoTime() - pingAt;
          }
        });
      } else if (packet instanceof Connack c && c.reasonCode() == ConnackReasonCode.SUCCESS
          && !accepted) {
        accepted(ctx);
      }
    }
    ctx.write(msg, promise);
  }

  private void accepted(ChannelHandlerContext ctx) {
    MqttConnection c = (MqttConnection) ctx.pipeline().get(PipelineNames.CONNECTION);
    if (c == null) {
      return;
    }
    accepted = true;
    connection = c;
    clientId = c.clientId();
    connectedAtMillis = broker.clock().millis();
    connectedAtNanos = ticker.nanoTime();
    broker.connectedClients().add(clientId, this);
    broker.connectionListeners().clientConnected(event(c));
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof KeepAliveTimeout t && t.kind() == KeepAliveTimeout.Kind.SILENCE) {
      // How much later than 1.5 × keep alive the silence was noticed (MQTT-3.1.2-24).
      broker.metrics().keepAliveTimeoutDetected(Math.max(0, t.silenceMillis() - t.limitMillis()));
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    MqttConnection c = connection;
    if (accepted && c != null) {
      accepted = false;
      broker.connectedClients().remove(clientId, this);
      DisconnectCause cause = c.disconnectCause();
      broker.connectionListeners().clientDisconnected(event(c),
          cause == null ? DisconnectCause.NETWORK : cause);
    }
    ctx.fireChannelInactive();
  }

  private ConnectionListener.ClientEvent event(MqttConnection c) {
    return new ConnectionListener.ClientEvent(clientId, channel().remoteAddress(),
        versionName(c.version()), c.keepAliveRequested(), c.keepAliveEffective(),
        connectedAtMillis);
  }

  EventLoop eventLoop() {
    return channel().eventLoop();
  }

  private Channel channel() {
    ChannelHandlerContext c = ctx;
    if (c == null) {
      throw new IllegalStateException("not in a pipeline");
    }
    return c.channel();
  }

  /** This client now; null once the connection has ended. Event loop only. */
  @Nullable ClientInfo snapshot() {
    MqttConnection c = connection;
    ChannelHandlerContext context = ctx;
    if (!accepted || c == null || context == null) {
      return null;
    }
    long nowNanos = ticker.nanoTime();
    long nowMillis = broker.clock().millis();
    Long deadline = null;
    Long toDeadline = null;
    if (context.pipeline().get(PipelineNames.KEEP_ALIVE) instanceof KeepAliveHandler k) {
      long left = TimeUnit.NANOSECONDS.toMillis(k.deadlineNanos() - nowNanos);
      toDeadline = left;
      deadline = nowMillis + left;
    }
    Long rtt = null;
    if (context.channel() instanceof EpollSocketChannel epoll && epoll.isActive()) {
      rtt = (long) epoll.tcpInfo().rtt();
    }
    int inflight = 0;
    int queued = 0;
    int subscriptions = 0;
    long expiry = 0;
    Session s = broker.sessions().get(clientId);
    if (s != null && s.claimedBy() == c) {
      inflight = s.inflightCount(); // the session runs on this event loop while attached here
      queued = s.queuedCount();
      subscriptions = s.subscriptions().size();
      expiry = s.expiryInterval();
    }
    return new ClientInfo(clientId, c.remoteAddress(), versionName(c.version()),
        c.keepAliveRequested(), c.keepAliveEffective(), connectedAtMillis,
        wallClock(Math.max(lastInNanos, connectedAtNanos), nowNanos, nowMillis),
        lastOutNanos < 0 ? null : wallClock(lastOutNanos, nowNanos, nowMillis),
        deadline, toDeadline,
        pingInNanos < 0 ? null : wallClock(pingInNanos, nowNanos, nowMillis),
        pingResponseNanos < 0 ? null : TimeUnit.NANOSECONDS.toMicros(pingResponseNanos),
        rtt, inflight, queued, subscriptions, expiry);
  }

  private static long wallClock(long nanos, long nowNanos, long nowMillis) {
    return nowMillis - TimeUnit.NANOSECONDS.toMillis(nowNanos - nanos);
  }

  /** {@code 3.1}, {@code 3.1.1} or {@code 5.0}. */
  static String versionName(MqttVersion v) {
    return switch (v) {
      case V3_1 -> "3.1";
      case V3_1_1 -> "3.1.1";
      case V5 -> "5.0";
    };
  }
}
