package dev.midge.client.internal;

import dev.midge.client.ConnectResult;
import dev.midge.client.ConnectionListener;
import dev.midge.client.ConnectionLostException;
import dev.midge.client.ConnectionRefusedException;
import dev.midge.client.MessageHandler;
import dev.midge.client.MqttClientException;
import dev.midge.client.MqttMessage;
import dev.midge.client.PacketListener;
import dev.midge.codec.DecodeFailure;
import dev.midge.codec.MqttDecoder;
import dev.midge.codec.MqttEncoder;
import dev.midge.codec.MqttQos;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.MqttPacket;
import dev.midge.codec.packet.Pingresp;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Pubcomp;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Pubrec;
import dev.midge.codec.packet.Pubrel;
import dev.midge.codec.packet.Suback;
import dev.midge.codec.packet.Subscribe;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.packet.Unsuback;
import dev.midge.codec.packet.Unsubscribe;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.ConnackReasonCode;
import dev.midge.codec.reason.PubrelReasonCode;
import dev.midge.codec.reason.SubackReasonCode;
import dev.midge.codec.topic.Topics;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's connection state machine and session state: connecting, the QoS flows in both
 * directions, reconnection with backoff, resumption of the session and the offline buffer.
 *
 * <p><b>Threading.</b> Every field below the constructor's is touched on {@link #loop} only, the
 * one event loop that all of this client's channels use; public methods hand their work to it
 * with {@code loop.execute} instead of locking. Futures handed to users, listener calls and
 * messages go through {@link #callbacks}, a serial executor, never the event loop, so user code
 * can neither stall I/O nor see callbacks overlap.
 *
 * <p><b>States.</b> IDLE (never connected, or after {@code disconnect()}) → CONNECTING (TCP, then
 * CONNECT until CONNACK) → CONNECTED → on a loss, WAITING (a reconnection is scheduled) →
 * CONNECTING → ...; CLOSED is final. A failed first {@code connect()} returns to IDLE: automatic
 * reconnection starts only once a connection has been accepted.
 *
 * <p><b>Session state kept across connections:</b> outgoing QoS 1/2 messages in flight (resent
 * with DUP when the broker has the session, MQTT-4.4.0-1), SUBSCRIBE/UNSUBSCRIBE awaiting their
 * ack, packet identifiers of incoming QoS 2 messages whose PUBREL has not come (so a redelivered
 * one is acknowledged but not delivered twice, MQTT-4.3.3-2 / 5.0's MQTT-4.3.3-9), the
 * subscriptions (sent again when the broker does not have the session), and publishes waiting to
 * be sent.
 */
public final class ClientCore {
  private static final Logger LOG = LoggerFactory.getLogger(ClientCore.class);
  private static final int MAX_PACKET = MqttDecoder.MAX_REMAINING_LENGTH + 5;

  private enum State { IDLE, CONNECTING, CONNECTED, WAITING, CLOSED }

  /** An outgoing QoS 1 or 2 message with its packet identifier, until its flow completes. */
  private static final class Flight {
    final Publish publish;
    final CompletableFuture<Void> future;
    /** QoS 2: PUBREC came and PUBREL went; waiting for PUBCOMP. */
    boolean released;

    Flight(Publish publish, CompletableFuture<Void> future) {
      this.publish = publish;
      this.future = future;
    }
  }

  /** A publish not yet written: no packet identifier yet. */
  private record Outgoing(Publish publish, CompletableFuture<Void> future) {}

  /** A SUBSCRIBE or UNSUBSCRIBE awaiting its ack. */
  private record Request(MqttPacket packet, Consumer<MqttPacket> onAck,
      Consumer<Throwable> onFailure) {}

  /** A subscription the client made, with its handler. */
  private static final class Sub {
    final String filter;
    final MqttQos qos;
    final MessageHandler handler;
    boolean acked;

    Sub(String filter, MqttQos qos, MessageHandler handler) {
      this.filter = filter;
      this.qos = qos;
      this.handler = handler;
    }
  }

  private final ClientOptions options;
  private final EventLoopGroup group;
  private final EventLoop loop;
  private final Bootstrap bootstrap;
  private final SerialExecutor callbacks;
  private final @Nullable ExecutorService ownedCallbackThread;
  private final Backoff backoff;
  private final ConnectionListener listener;
  private volatile boolean connected;

  // --- touched on loop only ---
  private State state = State.IDLE;
  private @Nullable Channel channel;
  private @Nullable CompletableFuture<ConnectResult> pendingConnect;
  private @Nullable ScheduledFuture<?> reconnectTask;
  private @Nullable ScheduledFuture<?> connackTimer;
  private int attempt;
  /** Counts connection attempts, so that a late answer to an abandoned one is recognised. */
  private long generation;
  private volatile String clientId; // written on the loop, read by clientId()
  private int sendQuota = 65_535;
  private final PacketIds ids = new PacketIds();
  private final LinkedHashMap<Integer, Flight> inflight = new LinkedHashMap<>();
  private final ArrayDeque<Outgoing> queue = new ArrayDeque<>();
  private final LinkedHashMap<Integer, Request> requests = new LinkedHashMap<>();
  private final Set<Integer> inboundQos2 = new HashSet<>();
  private final LinkedHashMap<String, Sub> subscriptions = new LinkedHashMap<>();

  public ClientCore(ClientOptions options) {
    this.options = options;
    this.clientId = options.clientId();
    this.listener = options.connectionListener();
    ClientTransport transport = ClientTransport.best();
    this.group = transport.newGroup(1);
    this.loop = group.next();
    if (options.callbackExecutor() == null) {
      ExecutorService own = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "midge-client-callbacks-" + options.clientId());
        t.setDaemon(true);
        return t;
      });
      this.ownedCallbackThread = own;
      this.callbacks = new SerialExecutor(own);
    } else {
      this.ownedCallbackThread = null;
      this.callbacks = new SerialExecutor(options.callbackExecutor());
    }
    this.backoff = new Backoff(Math.max(1, options.reconnectInitialDelay().toMillis()),
        Math.max(Math.max(1, options.reconnectInitialDelay().toMillis()),
            options.reconnectMaxDelay().toMillis()),
        () -> ThreadLocalRandom.current().nextDouble());
    PacketListener trace = options.packetListener();
    this.bootstrap = new Bootstrap()
        .group(loop)
        .channel(transport.channel())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
            (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()))
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ChannelPipeline p = ch.pipeline();
            p.addLast(ClientPipeline.DECODER, MqttDecoder.forClient(options.version(), MAX_PACKET));
            p.addLast(ClientPipeline.ENCODER, new MqttEncoder(options.version()));
            if (trace != null) {
              p.addLast(ClientPipeline.TRACE, new PacketTraceHandler(
                  (sent, packet) -> callbacks.execute(() -> trace.packet(sent, packet))));
            }
            p.addLast(ClientPipeline.CLIENT, new Inbound());
          }
        });
  }

  /** Whether a connection is up and accepted, as last seen; may change at any moment. */
  public boolean isConnected() {
    return connected;
  }

  /** The client identifier: the configured one, or the one the broker assigned. */
  public String clientId() {
    return clientId;
  }

  // ------------------------------------------------------------------ public operations

  public CompletableFuture<ConnectResult> connect() {
    CompletableFuture<ConnectResult> f = new CompletableFuture<>();
    onLoop(f, () -> {
      if (state == State.CLOSED) {
        fail(f, new MqttClientException("the client is closed"));
      } else if (state != State.IDLE) {
        fail(f, new MqttClientException("already connected or connecting"));
      } else {
        pendingConnect = f;
        attempt = 0;
        open();
      }
    });
    return f;
  }

  public CompletableFuture<Void> publish(Publish publish) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    onLoop(f, () -> {
      if (state == State.CLOSED) {
        fail(f, new MqttClientException("the client is closed"));
      } else if (queue.size() >= options.offlineBufferSize()) {
        fail(f, new MqttClientException("offline buffer full: " + queue.size()
            + " publishes are waiting for the broker"));
      } else {
        queue.add(new Outgoing(publish, f));
        drain();
      }
    });
    return f;
  }

  public CompletableFuture<MqttQos> subscribe(String filter, MqttQos qos, MessageHandler handler) {
    CompletableFuture<MqttQos> f = new CompletableFuture<>();
    onLoop(f, () -> {
      int id = state == State.CLOSED ? 0 : ids.take();
      if (id == 0) {
        fail(f, new MqttClientException(state == State.CLOSED ? "the client is closed"
            : "all 65535 packet identifiers are in use"));
        return;
      }
      Sub sub = new Sub(filter, qos, handler);
      subscriptions.put(filter, sub);
      Subscribe packet = new Subscribe(id, List.of(new Subscription(filter, qos)),
          Properties.EMPTY);
      request(id, new Request(packet, ack -> {
        SubackReasonCode code = ack instanceof Suback s && !s.reasonCodes().isEmpty()
            ? s.reasonCodes().get(0) : SubackReasonCode.UNSPECIFIED_ERROR;
        if (code.value() < 0x80) {
          sub.acked = true;
          complete(f, MqttQos.of(code.value()));
        } else {
          subscriptions.remove(filter, sub);
          fail(f, new MqttClientException("the broker refused the subscription to '" + filter
              + "': " + code));
        }
      }, e -> fail(f, e)));
    });
    return f;
  }

  public CompletableFuture<Void> unsubscribe(String filter) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    onLoop(f, () -> {
      int id = state == State.CLOSED ? 0 : ids.take();
      if (id == 0) {
        fail(f, new MqttClientException(state == State.CLOSED ? "the client is closed"
            : "all 65535 packet identifiers are in use"));
        return;
      }
      subscriptions.remove(filter);
      request(id, new Request(new Unsubscribe(id, List.of(filter), Properties.EMPTY),
          ack -> complete(f, null), e -> fail(f, e)));
    });
    return f;
  }

  /**
   * Sends DISCONNECT (the broker then discards the will, MQTT-3.14.4-3), closes, and stops
   * reconnecting. Session state stays, for a later {@link #connect()}. The returned future is
   * completed on the event loop, not the callback executor: for {@link #close()}, which may run
   * in a callback.
   */
  public CompletableFuture<Void> disconnectOnLoop() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    onLoop(done, () -> {
      cancelTimers();
      attempt = 0;
      generation++; // abandons a TCP connect still under way
      CompletableFuture<ConnectResult> pc = pendingConnect;
      pendingConnect = null;
      if (pc != null) {
        fail(pc, new MqttClientException("disconnect() called before the broker accepted"));
      }
      Channel ch = channel;
      channel = null;
      State was = state;
      if (state != State.CLOSED) {
        state = State.IDLE;
      }
      connected = false;
      if (ch == null) {
        done.complete(null);
        return;
      }
      ch.closeFuture().addListener(x -> done.complete(null));
      if (was == State.CONNECTED && ch.isActive()) {
        ch.writeAndFlush(Disconnect.NORMAL).addListener(x -> ch.close());
      } else {
        ch.close();
      }
    });
    return done;
  }

  /** {@link #disconnectOnLoop()}, completed on the callback executor. */
  public CompletableFuture<Void> disconnect() {
    CompletableFuture<Void> f = new CompletableFuture<>();
    disconnectOnLoop().whenComplete((v, e) -> {
      if (e == null) {
        complete(f, null);
      } else {
        fail(f, e);
      }
    });
    return f;
  }

  /**
   * Disconnects, fails whatever is still pending with "closed", and stops the client's threads.
   * Waits at most about {@code timeout} in all.
   */
  public void close(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      disconnectOnLoop().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.debug("disconnect while closing did not finish cleanly", e);
    }
    if (!loop.isShuttingDown()) {
      CompletableFuture<Void> failed = new CompletableFuture<>();
      onLoop(failed, () -> {
        state = State.CLOSED;
        MqttClientException closed = new MqttClientException("the client was closed");
        inflight.values().forEach(fl -> fail(fl.future, closed));
        inflight.clear();
        queue.forEach(o -> fail(o.future, closed));
        queue.clear();
        requests.values().forEach(r -> r.onFailure().accept(closed));
        requests.clear();
        failed.complete(null);
      });
      try {
        failed.get(Math.max(1, remainingMillis(deadline)), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        LOG.debug("failing pending work while closing", e);
      }
    }
    group.shutdownGracefully(0, Math.max(1, remainingMillis(deadline)), TimeUnit.MILLISECONDS)
        .awaitUninterruptibly(Math.max(1, remainingMillis(deadline)));
    ExecutorService own = ownedCallbackThread;
    if (own != null) {
      own.shutdown(); // tasks already queued (the "closed" failures) still run
      boolean inCallback = Thread.currentThread().getName().startsWith("midge-client-callbacks-");
      if (!inCallback) {
        try {
          own.awaitTermination(Math.max(1, remainingMillis(deadline)), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  private static long remainingMillis(long deadlineNanos) {
    return TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
  }

  // ------------------------------------------------------------------ connecting

  private void open() {
    state = State.CONNECTING;
    long thisAttempt = ++generation;
    bootstrap.connect(options.host(), options.port()).addListener((ChannelFuture cf) ->
        loop.execute(() -> opened(cf, thisAttempt)));
  }

  private void opened(ChannelFuture cf, long attemptGeneration) {
    if (state != State.CONNECTING || channel != null || attemptGeneration != generation) {
      cf.channel().close(); // disconnect() or close() came first
      return;
    }
    if (!cf.isSuccess()) {
      Throwable cause = cf.cause();
      String why = cause instanceof ConnectTimeoutException
          ? "no answer within " + options.connectTimeout().toMillis() + " ms"
          : cause instanceof ConnectException
              ? "connection refused"
              : cause == null ? "unknown error" : cause.getMessage();
      attemptFailed(new ConnectionLostException("cannot connect to " + options.host() + ":"
          + options.port() + ": " + why, cause));
      return;
    }
    Channel ch = cf.channel();
    channel = ch;
    ch.closeFuture().addListener(x -> loop.execute(() ->
        lost(ch, new ConnectionLostException("the connection was closed by the broker or the"
            + " network"))));
    ch.writeAndFlush(connectPacket());
    long timeoutMillis = options.connectTimeout().toMillis();
    connackTimer = loop.schedule(() -> {
      connackTimer = null;
      lost(ch, new ConnectionLostException("no CONNACK within " + timeoutMillis + " ms"));
    }, timeoutMillis, TimeUnit.MILLISECONDS);
  }

  private Connect connectPacket() {
    boolean v5 = options.version().isV5();
    // A v5 client resumes its own session on reconnection; whether it outlives the connection
    // is the Session Expiry Interval's business. 3.1.1 has only the one flag.
    boolean clean = v5 && state == State.CONNECTING && attempt > 0 ? false : options.cleanStart();
    Properties props = v5 && options.sessionExpirySeconds() > 0
        ? Properties.builder().sessionExpiryInterval(options.sessionExpirySeconds()).build()
        : Properties.EMPTY;
    return Connect.builder(options.version())
        .clientId(clientId)
        .cleanStart(clean)
        .keepAlive(options.keepAliveSeconds())
        .will(options.will())
        .username(options.username())
        .password(options.password())
        .properties(props)
        .build();
  }

  private void onConnack(Channel ch, Connack c) {
    cancel(connackTimer);
    connackTimer = null;
    if (c.reasonCode() != ConnackReasonCode.SUCCESS) {
      lost(ch, new ConnectionRefusedException(c.reasonCode()));
      return;
    }
    state = State.CONNECTED;
    connected = true;
    attempt = 0;
    String assigned = c.properties().assignedClientIdentifier();
    if (assigned != null) {
      clientId = assigned;
    }
    Integer serverKeepAlive = c.properties().serverKeepAlive();
    int keepAlive = serverKeepAlive != null ? serverKeepAlive : options.keepAliveSeconds();
    Integer receiveMaximum = c.properties().receiveMaximum();
    sendQuota = receiveMaximum != null ? receiveMaximum : 65_535;
    if (keepAlive > 0) {
      ch.pipeline().addBefore(ClientPipeline.CLIENT, ClientPipeline.KEEP_ALIVE,
          new ClientKeepAliveHandler(Duration.ofSeconds(keepAlive), options.pingTimeout()));
    }
    boolean present = c.sessionPresent();
    ConnectResult result = new ConnectResult(present, Duration.ofSeconds(keepAlive), clientId, c);
    LOG.debug("{} connected to {}:{} (session present {}, keep alive {} s)", clientId,
        options.host(), options.port(), present, keepAlive);
    callbacks.execute(() -> listener.connected(result));
    if (!present) {
      // A new session: the broker forgot our subscriptions and its half of the QoS 2 flows.
      inboundQos2.clear();
      resubscribe();
    }
    for (Request r : requests.values()) {
      ch.write(r.packet());
    }
    for (Iterator<Flight> it = inflight.values().iterator(); it.hasNext(); ) {
      Flight fl = it.next();
      if (fl.released) {
        if (present) {
          ch.write(new Pubrel(fl.publish.packetId())); // MQTT-4.4.0-1: resend PUBREL
        } else {
          // The broker had the message (it sent PUBREC) and has dropped the session since.
          it.remove();
          ids.release(fl.publish.packetId());
          complete(fl.future, null);
        }
      } else {
        // MQTT-4.4.0-1 / MQTT-3.3.1-1: resend unacknowledged PUBLISHes with DUP set; to a new
        // session they are simply new messages.
        ch.write(present ? fl.publish.withDup(true) : fl.publish);
      }
    }
    ch.flush();
    CompletableFuture<ConnectResult> pc = pendingConnect;
    pendingConnect = null;
    if (pc != null) {
      complete(pc, result);
    }
    drain();
  }

  /** Subscribes again, in one SUBSCRIBE, to every acknowledged subscription. */
  private void resubscribe() {
    List<Subscription> again = new ArrayList<>();
    for (Sub s : subscriptions.values()) {
      if (s.acked) {
        again.add(new Subscription(s.filter, s.qos));
      }
    }
    if (again.isEmpty()) {
      return;
    }
    int id = ids.take();
    if (id == 0) {
      LOG.warn("{}: no packet identifier free to restore {} subscriptions", clientId,
          again.size());
      return;
    }
    requests.put(id, new Request(new Subscribe(id, again, Properties.EMPTY), ack -> {
      if (ack instanceof Suback s) {
        for (int i = 0; i < s.reasonCodes().size() && i < again.size(); i++) {
          if (s.reasonCodes().get(i).value() >= 0x80) {
            LOG.warn("{}: the broker refused to restore the subscription to '{}': {}", clientId,
                again.get(i).topicFilter(), s.reasonCodes().get(i));
          }
        }
      }
    }, e -> { }));
  }

  // ------------------------------------------------------------------ losing a connection

  /**
   * The one path by which a connection ends without {@code disconnect()}: I/O error, the broker
   * closing, a PINGRESP or CONNACK deadline, a refusal, a protocol error. Ignores channels that
   * are no longer current, so the first cause reported wins.
   */
  private void lost(Channel ch, Throwable cause) {
    if (ch != channel) {
      return;
    }
    channel = null;
    connected = false;
    cancel(connackTimer);
    connackTimer = null;
    ch.close();
    if (state == State.CONNECTED) {
      LOG.debug("{}: connection lost: {}", clientId, cause.getMessage());
      callbacks.execute(() -> listener.connectionLost(cause));
      reconnectOrStop();
    } else if (state == State.CONNECTING) {
      attemptFailed(cause);
    }
  }

  private void attemptFailed(Throwable cause) {
    CompletableFuture<ConnectResult> pc = pendingConnect;
    if (pc != null) {
      pendingConnect = null;
      state = State.IDLE;
      fail(pc, cause);
      return;
    }
    LOG.debug("{}: reconnection failed: {}", clientId, cause.getMessage());
    callbacks.execute(() -> listener.connectionLost(cause));
    reconnectOrStop();
  }

  private void reconnectOrStop() {
    if (!options.autoReconnect()) {
      state = State.IDLE;
      return;
    }
    attempt++;
    long delay = backoff.delayMillis(attempt);
    int n = attempt;
    state = State.WAITING;
    callbacks.execute(() -> listener.reconnecting(Duration.ofMillis(delay), n));
    reconnectTask = loop.schedule(() -> {
      reconnectTask = null;
      if (state == State.WAITING) {
        open();
      }
    }, delay, TimeUnit.MILLISECONDS);
  }

  // ------------------------------------------------------------------ packets in

  private void onPacket(Channel ch, Object msg) {
    if (ch != channel) {
      return;
    }
    if (msg instanceof DecodeFailure f) {
      lost(ch, new ConnectionLostException("the broker sent a malformed packet: " + f));
      return;
    }
    if (!(msg instanceof MqttPacket packet)) {
      return;
    }
    if (state == State.CONNECTING) {
      if (packet instanceof Connack c) {
        onConnack(ch, c);
      } else {
        lost(ch, new ConnectionLostException("protocol error: expected CONNACK, received "
            + packet.type()));
      }
      return;
    }
    if (packet instanceof Publish p) {
      onPublish(ch, p);
    } else if (packet instanceof Puback a) {
      Flight fl = inflight.get(a.packetId());
      if (fl != null && fl.publish.qos() == MqttQos.AT_LEAST_ONCE) {
        finish(fl, a.reasonCode().value() >= 0x80
            ? new MqttClientException("the broker refused the message: " + a.reasonCode())
            : null);
      }
    } else if (packet instanceof Pubrec r) {
      Flight fl = inflight.get(r.packetId());
      if (fl == null) {
        ch.writeAndFlush(options.version().isV5()
            ? new Pubrel(r.packetId(), PubrelReasonCode.PACKET_IDENTIFIER_NOT_FOUND,
                Properties.EMPTY)
            : new Pubrel(r.packetId()));
      } else if (fl.publish.qos() == MqttQos.EXACTLY_ONCE) {
        if (r.reasonCode().value() >= 0x80) {
          finish(fl, new MqttClientException("the broker refused the message: "
              + r.reasonCode()));
        } else {
          fl.released = true;
          ch.writeAndFlush(new Pubrel(r.packetId()));
        }
      }
    } else if (packet instanceof Pubcomp c) {
      Flight fl = inflight.get(c.packetId());
      if (fl != null && fl.released) {
        finish(fl, null);
      }
    } else if (packet instanceof Pubrel r) {
      // MQTT-4.3.3-2 / MQTT-4.3.3-9 end here: from now on the same identifier is a new message.
      inboundQos2.remove(r.packetId());
      ch.writeAndFlush(new Pubcomp(r.packetId()));
    } else if (packet instanceof Suback s) {
      ack(s.packetId(), s);
    } else if (packet instanceof Unsuback u) {
      ack(u.packetId(), u);
    } else if (packet instanceof Pingresp) {
      // the keep-alive handler has seen it
    } else if (packet instanceof Disconnect d) {
      lost(ch, new ConnectionLostException("the broker sent DISCONNECT: " + d.reasonCode()
          + reasonString(d.properties())));
    } else {
      lost(ch, new ConnectionLostException("protocol error: unexpected " + packet.type()));
    }
  }

  private static String reasonString(Properties p) {
    String s = p.reasonString();
    return s == null ? "" : " (" + s + ")";
  }

  private void onPublish(Channel ch, Publish p) {
    switch (p.qos()) {
      case AT_MOST_ONCE -> deliver(p);
      case AT_LEAST_ONCE -> {
        deliver(p);
        ch.writeAndFlush(new Puback(p.packetId()));
      }
      case EXACTLY_ONCE -> {
        // MQTT-4.3.3-2 (3.1.1) / MQTT-4.3.3-9 (5.0): deliver once; a redelivery before
        // PUBREL is only acknowledged again
        if (inboundQos2.add(p.packetId())) {
          deliver(p);
        }
        ch.writeAndFlush(new Pubrec(p.packetId()));
      }
    }
  }

  private void deliver(Publish p) {
    MqttMessage message = new MqttMessage(p.topic(), p.payload(), p.qos(), p.retain(), p.dup(),
        p.properties());
    Set<MessageHandler> handlers = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Sub s : subscriptions.values()) {
      if (Topics.matches(s.filter, p.topic())) {
        handlers.add(s.handler);
      }
    }
    if (handlers.isEmpty()) {
      MessageHandler fallback = options.defaultHandler();
      if (fallback == null) {
        LOG.debug("{}: a message on '{}' matches no subscription; dropped", clientId, p.topic());
        return;
      }
      handlers.add(fallback);
    }
    for (MessageHandler h : handlers) {
      callbacks.execute(() -> h.onMessage(message));
    }
  }

  private void finish(Flight fl, @Nullable Throwable error) {
    inflight.remove(fl.publish.packetId());
    ids.release(fl.publish.packetId());
    if (error == null) {
      complete(fl.future, null);
    } else {
      fail(fl.future, error);
    }
    drain();
  }

  private void ack(int packetId, MqttPacket ack) {
    Request r = requests.remove(packetId);
    if (r != null) {
      ids.release(packetId);
      r.onAck().accept(ack);
    }
  }

  // ------------------------------------------------------------------ packets out

  private void request(int id, Request r) {
    requests.put(id, r);
    Channel ch = channel;
    if (state == State.CONNECTED && ch != null) {
      ch.writeAndFlush(r.packet());
    }
  }

  /** Writes waiting publishes while connected and the broker's Receive Maximum allows. */
  private void drain() {
    Channel ch = channel;
    if (state != State.CONNECTED || ch == null) {
      return;
    }
    boolean wrote = false;
    while (!queue.isEmpty()) {
      Outgoing o = queue.peek();
      if (o.publish().qos() == MqttQos.AT_MOST_ONCE) {
        queue.poll();
        ch.write(o.publish()).addListener(w -> {
          if (w.isSuccess()) {
            complete(o.future(), null);
          } else {
            fail(o.future(), new ConnectionLostException("the connection failed while sending",
                w.cause()));
          }
        });
      } else {
        if (inflight.size() >= sendQuota) {
          break;
        }
        int id = ids.take();
        if (id == 0) {
          break;
        }
        queue.poll();
        Publish withId = o.publish().withPacketId(id);
        inflight.put(id, new Flight(withId, o.future()));
        ch.write(withId);
      }
      wrote = true;
    }
    if (wrote) {
      ch.flush();
    }
  }

  // ------------------------------------------------------------------ helpers

  private void cancelTimers() {
    cancel(reconnectTask);
    reconnectTask = null;
    cancel(connackTimer);
    connackTimer = null;
  }

  private static void cancel(@Nullable ScheduledFuture<?> f) {
    if (f != null) {
      f.cancel(false);
    }
  }

  private <T> void complete(CompletableFuture<T> f, @Nullable T value) {
    callbacks.execute(() -> f.complete(value));
  }

  private void fail(CompletableFuture<?> f, Throwable e) {
    callbacks.execute(() -> f.completeExceptionally(e));
  }

  private void onLoop(CompletableFuture<?> f, Runnable task) {
    try {
      loop.execute(task);
    } catch (RuntimeException e) { // the loop is shut down: the client was closed
      f.completeExceptionally(new MqttClientException("the client is closed", e));
    }
  }

  /** The last handler: packets and failures to the state machine, on the loop. */
  private final class Inbound extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      onPacket(ctx.channel(), msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ClientKeepAliveHandler.PingRoundTrip rtt) {
        callbacks.execute(() -> listener.pingRoundTrip(rtt.roundTrip()));
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      Throwable reported = cause instanceof ConnectionLostException
          ? cause
          : new ConnectionLostException(cause instanceof IOException
              ? "network error: " + cause.getMessage()
              : "unexpected error: " + cause, cause);
      lost(ctx.channel(), reported);
    }
  }

  /** For tests and diagnostics: sizes of the session state, read on the loop. */
  public CompletableFuture<Map<String, Integer>> stateSizes() {
    CompletableFuture<Map<String, Integer>> f = new CompletableFuture<>();
    onLoop(f, () -> f.complete(Map.of("inflight", inflight.size(), "queued", queue.size(),
        "requests", requests.size(), "inboundQos2", inboundQos2.size(),
        "subscriptions", subscriptions.size(), "packetIds", ids.inUse())));
    return f;
  }
}
