package dev.midge.broker.connection;

import dev.midge.broker.auth.AuthenticationContext;
import dev.midge.broker.auth.AuthenticationFlow;
import dev.midge.broker.auth.AuthenticationMechanism;
import dev.midge.broker.auth.AuthenticationMechanisms;
import dev.midge.broker.config.ListenerConfig;
import dev.midge.broker.keepalive.ConnectTimeoutHandler;
import dev.midge.broker.keepalive.KeepAliveHandler;
import dev.midge.broker.keepalive.KeepAlivePolicy;
import dev.midge.broker.keepalive.KeepAliveTimeout;
import dev.midge.broker.metrics.DisconnectCause;
import dev.midge.broker.session.Outbound;
import dev.midge.broker.session.Session;
import dev.midge.broker.session.SessionRegistry;
import dev.midge.broker.will.PendingWills;
import dev.midge.codec.DecodeFailure;
import dev.midge.codec.MqttDecoder;
import dev.midge.codec.MqttEncoder;
import dev.midge.codec.MqttPacketType;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.PacketEncoder;
import dev.midge.codec.packet.Auth;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.MqttPacket;
import dev.midge.codec.packet.Pingreq;
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
import dev.midge.codec.packet.Will;
import dev.midge.codec.property.Properties;
import dev.midge.codec.property.PropertyId;
import dev.midge.codec.reason.ConnackReasonCode;
import dev.midge.codec.reason.ConnectReturnCode;
import dev.midge.codec.reason.DisconnectReasonCode;
import dev.midge.codec.reason.PubackReasonCode;
import dev.midge.codec.reason.PubcompReasonCode;
import dev.midge.codec.reason.PubrecReasonCode;
import dev.midge.codec.reason.PubrelReasonCode;
import dev.midge.codec.reason.ReasonCode;
import dev.midge.codec.reason.SubackReasonCode;
import dev.midge.codec.reason.UnsubackReasonCode;
import dev.midge.codec.topic.TopicProblem;
import dev.midge.codec.topic.Topics;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MQTT connection's state machine, the last handler of its pipeline: awaiting CONNECT, then
 * authenticating (when an MQTT 5 CONNECT names an Authentication Method, §4.12; driven by an
 * {@link AuthenticationFlow}), connecting (its session being attached), connected, closed. It
 * checks the protocol rules that need the connection's state, acts through the session and the
 * router, and ends every
 * server-side disconnect through {@link #disconnect}, the one place that sends the MQTT 5
 * DISCONNECT, records why and closes; the will, the session and the metrics are then handled once,
 * in {@link #channelInactive}, whatever the cause.
 *
 * <p>Per connection, not sharable; every method runs on the channel's event loop except {@link
 * #takeOver()}, which hands itself to it.
 */
public final class MqttConnection extends ChannelInboundHandlerAdapter implements Outbound {
  private static final Logger LOG = LoggerFactory.getLogger(MqttConnection.class);

  /**
   * The Topic Alias Maximum announced in MQTT 5 CONNACK: the aliases a client may set per
   * connection (§3.3.2.3.4). A constant until the config registry has a key for it.
   */
  public static final int TOPIC_ALIAS_MAXIMUM = 10;

  /**
   * The Receive Maximum announced in MQTT 5 CONNACK: how many QoS 1 and 2 PUBLISH packets a client
   * may have unacknowledged at once (MQTT-3.3.4-9); one more gets DISCONNECT 0x93. A constant until
   * the config registry has a key for it.
   */
  public static final int RECEIVE_MAXIMUM = 1024;

  private enum State {
    AWAIT_CONNECT,
    /** CONNECT named an Authentication Method: its exchange runs, nothing claimed yet (§4.12). */
    AUTHENTICATING,
    CONNECTING,
    CONNECTED,
    CLOSED
  }

  private final BrokerServices broker;
  private final ListenerConfig listener;
  private final KeepAlivePolicy keepAlivePolicy;
  private final AuthenticationMechanisms mechanisms;
  private final ArrayDeque<Object> pendingWhileConnecting = new ArrayDeque<>();

  private @Nullable ChannelHandlerContext ctx;
  private State state = State.AWAIT_CONNECT;
  private MqttVersion version = MqttVersion.V3_1_1;
  private String clientId = "?";
  private @Nullable Will will;
  private boolean willDiscarded;
  private @Nullable Session session;
  /** The session this connection claimed, set before it is attached (and kept after). */
  private @Nullable Session claimedSession;
  private @Nullable DisconnectCause cause;
  private @Nullable KeepAliveHandler keepAlive;
  private int keepAliveRequested;
  private int keepAliveEffective;
  private @Nullable Integer serverKeepAlive;
  private boolean clientIdAssigned;
  private int clientReceiveMaximum = 65535;
  /** The client's Maximum Packet Size (MQTT 5 §3.1.2.11.4); absent means the protocol's limit. */
  private long clientMaximumPacketSize = Long.MAX_VALUE;
  /** Aliases the client set on this connection (MQTT-3.3.2-7: never carried to another one). */
  private final InboundTopicAliases inboundAliases = new InboundTopicAliases(TOPIC_ALIAS_MAXIMUM);
  /** Aliases the broker uses towards the client; null when its Topic Alias Maximum is 0. */
  private @Nullable OutboundTopicAliases outboundAliases;
  /**
   * Packet identifiers of the client's QoS 2 PUBLISHes received on this connection and not yet
   * completed by PUBCOMP: what counts against {@link #RECEIVE_MAXIMUM}. Per connection, as the
   * client's send quota starts afresh on each (MQTT 5 §4.9).
   */
  private final Set<Integer> inboundQos2Unfinished = new HashSet<>();
  /** The Session Expiry Interval CONNECT asked for (3.x: 0 or never), for DISCONNECT's check. */
  private long connectExpiryInterval;
  /** Clean Start (Clean Session in 3.x) of the CONNECT, for claiming the session. */
  private boolean cleanStart;
  /** Enhanced authentication, when CONNECT named an Authentication Method (MQTT 5 §4.12). */
  private @Nullable AuthenticationFlow authentication;
  /** The Authentication Data for the CONNACK of a successful enhanced authentication. */
  private byte @Nullable [] connackAuthenticationData;

  /** A connection without enhanced authentication: an Authentication Method gets CONNACK 0x8C. */
  public MqttConnection(BrokerServices broker, ListenerConfig listener) {
    this(broker, listener, AuthenticationMechanisms.NONE);
  }

  /** A connection whose MQTT 5 clients may authenticate with these mechanisms (§4.12). */
  public MqttConnection(BrokerServices broker, ListenerConfig listener,
      AuthenticationMechanisms mechanisms) {
    this.broker = broker;
    this.listener = listener;
    this.keepAlivePolicy = new KeepAlivePolicy(listener.keepAlive());
    this.mechanisms = mechanisms;
  }

  // ---- inbound ----

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (state == State.CLOSED) {
      return;
    }
    if (msg instanceof DecodeFailure failure) {
      onDecodeFailure(failure);
      return;
    }
    MqttPacket packet = (MqttPacket) msg;
    KeepAliveHandler ka = keepAlive;
    if (ka != null) {
      ka.packetReceived();
    }
    switch (state) {
      case AWAIT_CONNECT -> onConnect((Connect) packet); // the decoder lets only CONNECT through
      case AUTHENTICATING -> onWhileAuthenticating(packet);
      case CONNECTING -> {
        if (authentication != null && packet.type() != MqttPacketType.DISCONNECT) {
          // MQTT-3.1.2-30: authenticated, but the client cannot have seen CONNACK yet.
          refuse(ConnackReasonCode.PROTOCOL_ERROR, "MQTT-3.1.2-30: " + packet.type()
              + " before CONNACK after enhanced authentication");
          cause = DisconnectCause.PROTOCOL_ERROR;
        } else {
          pendingWhileConnecting.add(packet);
        }
      }
      case CONNECTED -> dispatch(packet);
      case CLOSED -> { }
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    ctx.flush();
  }

  private void dispatch(MqttPacket packet) {
    if (session().claimedBy() != this && packet.type() != MqttPacketType.DISCONNECT) {
      // Taken over: the session now runs on the new connection's thread, and this connection is
      // closing. The client resends what it has not had acknowledged on its new connection.
      return;
    }
    switch (packet.type()) {
      case PUBLISH -> onPublish((Publish) packet);
      case PUBACK -> onPuback((Puback) packet);
      case PUBREC -> onPubrec((Pubrec) packet);
      case PUBREL -> onPubrel((Pubrel) packet);
      case PUBCOMP -> onPubcomp((Pubcomp) packet);
      case SUBSCRIBE -> onSubscribe((Subscribe) packet);
      case UNSUBSCRIBE -> onUnsubscribe((Unsubscribe) packet);
      case PINGREQ -> onPingreq();
      case DISCONNECT -> onDisconnect((Disconnect) packet);
      case AUTH -> onAuth((Auth) packet);
      // The decoder refuses a second CONNECT (MQTT-3.1.0-2) and packets only a server sends.
      default -> disconnect(DisconnectCause.PROTOCOL_ERROR, DisconnectReasonCode.PROTOCOL_ERROR,
          "unexpected " + packet.type());
    }
  }

  // ---- CONNECT ----

  private void onConnect(Connect connect) {
    version = connect.version();
    encoder().version(version);
    keepAliveRequested = connect.keepAlive();
    String id = connect.clientId();
    if (id.isEmpty()) {
      if (version == MqttVersion.V3_1) {
        refuse(ConnackReasonCode.CLIENT_IDENTIFIER_NOT_VALID,
            "MQTT 3.1 requires a client identifier of 1 to 23 characters");
        return;
      }
      if (version == MqttVersion.V3_1_1 && !connect.cleanStart()) {
        // MQTT-3.1.3-8: an empty client identifier needs clean session 1.
        refuse(ConnackReasonCode.CLIENT_IDENTIFIER_NOT_VALID,
            "MQTT-3.1.3-8: empty client identifier with clean session 0");
        return;
      }
      id = broker.newClientId(); // MQTT-3.1.3-6 (3.1.1), MQTT-3.1.3-6/-7 (5.0): assign one
      clientIdAssigned = true;
    } else if (version == MqttVersion.V3_1 && id.length() > 23) {
      clientId = id;
      refuse(ConnackReasonCode.CLIENT_IDENTIFIER_NOT_VALID,
          "MQTT 3.1 client identifier longer than 23 characters");
      return;
    } else if (ByteBufUtil.utf8Bytes(id) > broker.config().limits().maxClientIdLength()) {
      clientId = id.substring(0, Math.min(id.length(), 32)) + "…";
      refuse(ConnackReasonCode.CLIENT_IDENTIFIER_NOT_VALID,
          "client identifier longer than " + broker.config().limits().maxClientIdLength()
              + " bytes (limits.max-client-id-length)");
      return;
    }
    clientId = id;
    KeepAlivePolicy.Decision decision = keepAlivePolicy.decide(version, connect.keepAlive());
    if (decision.refused()) {
      // 3.x has no better code than "identifier rejected"; the log says the real reason.
      refuse(ConnackReasonCode.CLIENT_IDENTIFIER_NOT_VALID, decision.refusal()
          + " (listener " + listener.name() + ", keep-alive.out-of-range: refuse)");
      return;
    }
    keepAliveEffective = decision.effective();
    serverKeepAlive = decision.serverKeepAlive();
    Properties props = connect.properties();
    if (version.isV5()) {
      if (props.receiveMaximum() != null) {
        clientReceiveMaximum = props.receiveMaximum();
      }
      Long maxPacketSize = props.maximumPacketSize();
      if (maxPacketSize != null) {
        clientMaximumPacketSize = maxPacketSize;
      }
      Integer aliasMaximum = props.topicAliasMaximum();
      if (aliasMaximum != null && aliasMaximum > 0) {
        outboundAliases = new OutboundTopicAliases(aliasMaximum);
      }
    }
    will = connect.will();
    // MQTT 5 §3.1.2.11.2: absent means 0, the session ends with the connection; 0xFFFFFFFF never
    // expires. 3.x: clean session 0 sessions never expire.
    long expiry;
    if (version.isV5()) {
      Long asked = props.sessionExpiryInterval();
      expiry = asked == null ? 0 : asked;
    } else {
      expiry = connect.cleanStart() ? 0 : Session.NEVER_EXPIRES;
    }
    connectExpiryInterval = expiry;
    cleanStart = connect.cleanStart();

    String method = version.isV5() ? props.authenticationMethod() : null;
    if (method != null) {
      startAuthentication(connect, method);
      return;
    }
    claimSession();
  }

  /**
   * Starts the enhanced authentication the CONNECT asked for (MQTT 5 §4.12). The session is claimed
   * only once it succeeds, so that a client not authenticated never takes a session over.
   */
  private void startAuthentication(Connect connect, String method) {
    AuthenticationMechanism mechanism = mechanisms.find(method);
    if (mechanism == null) {
      // MQTT-4.12.0-1: an unsupported method gets CONNACK 0x8C, then close.
      broker.metrics().authentication("unsupported", false, "unsupported-method");
      refuse(ConnackReasonCode.BAD_AUTHENTICATION_METHOD,
          "MQTT-4.12.0-1: enhanced authentication method '" + method + "' not supported");
      return;
    }
    state = State.AUTHENTICATING;
    AuthenticationContext context = new AuthenticationContext(method, clientId, remoteAddress(),
        connect.username(), connect.password(), false, null);
    AuthenticationFlow flow = new AuthenticationFlow(mechanism, context,
        new AuthenticationOutcome(), ctx().channel().eventLoop(), broker.metrics(),
        listener.keepAlive().connectTimeout());
    authentication = flow;
    flow.start(connect.properties().authenticationData());
  }

  /**
   * A packet while the exchange of the CONNECT runs: AUTH goes on with it, DISCONNECT ends the
   * connection quietly (the client gave up, §4.12), anything else is a protocol error.
   */
  private void onWhileAuthenticating(MqttPacket packet) {
    AuthenticationFlow flow = Objects.requireNonNull(authentication);
    switch (packet.type()) {
      case AUTH -> flow.receive((Auth) packet);
      case DISCONNECT -> {
        flow.connectionClosed();
        LOG.debug("client {} ({}) sent DISCONNECT during enhanced authentication", clientId,
            remoteAddress());
        cause = DisconnectCause.CLIENT_DISCONNECT;
        state = State.CLOSED;
        ctx().close();
      }
      default -> flow.unexpectedPacket(packet.type()); // MQTT-3.1.2-30
    }
  }

  /** What the enhanced authentication's results do to this connection. Event loop only. */
  private final class AuthenticationOutcome implements AuthenticationFlow.Listener {
    @Override
    public boolean fits(MqttPacket packet) {
      return clientMaximumPacketSize == Long.MAX_VALUE
          || PacketEncoder.encodedSize(packet, version) <= clientMaximumPacketSize;
    }

    @Override
    public void send(Auth auth) {
      if (state != State.CLOSED) {
        ctx().writeAndFlush(auth, ctx().voidPromise());
      }
    }

    @Override
    public void authenticated(byte @Nullable [] authenticationData) {
      if (state == State.AUTHENTICATING) {
        connackAuthenticationData = authenticationData;
        claimSession();
      }
    }

    @Override
    public void rejected(AuthenticationFlow.Rejection rejection) {
      if (state == State.AUTHENTICATING) {
        // MQTT-4.12.0-4: CONNACK with a code of 0x80 or above, then close. Logged by the flow.
        cause = rejection.protocolError()
            ? DisconnectCause.PROTOCOL_ERROR : DisconnectCause.CONNECT_REFUSED;
        state = State.CLOSED;
        Connack refusal = new Connack(false, rejection.connackCode());
        String reason = rejection.reasonString();
        if (reason != null) {
          // MQTT-3.2.2-19: only where it keeps the CONNACK within the client's maximum.
          Connack withReason = new Connack(false, rejection.connackCode(),
              Properties.builder().reasonString(reason).build());
          if (fits(withReason)) {
            refusal = withReason;
          }
        }
        ctx().writeAndFlush(refusal).addListener(ChannelFutureListener.CLOSE);
      } else if (state == State.CONNECTED) {
        // MQTT-4.12.1-2: a failed re-authentication ends the connection with DISCONNECT.
        disconnect(rejection.protocolError()
                ? DisconnectCause.PROTOCOL_ERROR : DisconnectCause.AUTHENTICATION_FAILED,
            rejection.disconnectCode(), null, rejection.reasonString());
      }
    }
  }

  /**
   * Claims the client's session, taking it over from another connection; {@link #sessionReady}
   * follows.
   */
  private void claimSession() {
    long expiry = connectExpiryInterval;
    state = State.CONNECTING;
    ctx().channel().config().setAutoRead(false);
    EventLoop loop = ctx().channel().eventLoop();
    SessionRegistry.Claim claim = broker.sessions().claim(clientId, cleanStart, expiry,
        this, () -> broker.newSession(clientId, loop, expiry));
    claimedSession = claim.session();
    Session replaced = claim.replaced();
    if (replaced != null) {
      // MQTT-3.1.2-4 (5.0) / MQTT-3.1.2-6 (3.1.1): clean start discards the old session; its
      // will, if still waiting out a delay, goes now, as the session has ended (MQTT-3.1.2-8).
      broker.endSession(replaced);
    }
    if (claim.sessionPresent()) {
      broker.wills().cancel(claim.session()); // MQTT-3.1.3-9: resumed before the will delay
    }
    Outbound previous = claim.previous();
    if (previous != null) {
      previous.takeOver(); // MQTT-3.1.4-2: disconnect the existing client
    }
    claim.session().attach(this, claim.sessionPresent(), clientReceiveMaximum);
  }

  @Override
  public void sessionReady(Session session, boolean sessionPresent) {
    assert ctx().channel().eventLoop().inEventLoop();
    if (state != State.CONNECTING) {
      return;
    }
    this.session = session;
    Properties.Builder props = Properties.builder();
    if (version.isV5()) {
      props.maximumPacketSize(broker.config().limits().maxPacketSize())
          .receiveMaximum(RECEIVE_MAXIMUM)
          .topicAliasMaximum(TOPIC_ALIAS_MAXIMUM)
          .subscriptionIdentifierAvailable(false)
          .sharedSubscriptionAvailable(false);
      if (clientIdAssigned) {
        props.assignedClientIdentifier(clientId);
      }
      if (serverKeepAlive != null) {
        props.serverKeepAlive(serverKeepAlive);
      }
      AuthenticationFlow flow = authentication;
      if (flow != null) {
        // MQTT-4.12.0-5: a successful CONNACK carries the method of the CONNECT; MQTT-4.12.0-6:
        // and none without enhanced authentication.
        props.authenticationMethod(flow.method());
        byte[] data = connackAuthenticationData;
        if (data != null) {
          props.authenticationData(data);
        }
      }
    }
    // MQTT-3.2.2-1/-2 (3.1.1): session present 0 after clean session, else whether one existed.
    // MQTT 3.1 has no such flag: byte 1 of its CONNACK is reserved ("not used") and stays 0,
    // though the session is resumed all the same.
    boolean present = sessionPresent && version != MqttVersion.V3_1;
    ctx().write(new Connack(present, ConnackReasonCode.SUCCESS, props.build()));
    state = State.CONNECTED;
    broker.metrics().connected();
    ctx().pipeline().remove(PipelineNames.CONNECT_TIMEOUT);
    if (keepAliveEffective > 0) {
      MqttDecoder decoder = decoder();
      KeepAliveHandler handler = new KeepAliveHandler(keepAliveEffective, listener.keepAlive(),
          decoder::pendingBytes, decoder::packetsDecoded);
      keepAlive = handler;
      // KEEP_ALIVE goes first, ahead of the decoder, to see bytes as they arrive.
      ctx().pipeline().addFirst(PipelineNames.KEEP_ALIVE, handler);
    }
    LOG.debug("client {} ({}) connected: MQTT {}, keep alive {} s (asked {} s), session present {}",
        clientId, remoteAddress(), version, keepAliveEffective, keepAliveRequested,
        sessionPresent);
    while (!pendingWhileConnecting.isEmpty() && state == State.CONNECTED) {
      dispatch((MqttPacket) pendingWhileConnecting.poll());
    }
    ctx().flush();
    ctx().channel().config().setAutoRead(true);
  }

  private void refuse(ConnackReasonCode code, String reason) {
    LOG.info("client {} ({}) refused: {} — CONNACK {}", clientId, remoteAddress(), reason,
        version.isV5() ? code.reasonCode()
            : "return code " + ConnectReturnCode.fromReasonCode(code).value());
    cause = DisconnectCause.CONNECT_REFUSED;
    state = State.CLOSED;
    ctx().writeAndFlush(new Connack(false, code)).addListener(ChannelFutureListener.CLOSE);
  }

  // ---- PUBLISH and acknowledgements ----

  private void onPublish(Publish publish) {
    broker.metrics().messageReceived(publish.qos().value());
    int packetId = publish.packetId();
    if (!withinReceiveMaximum(publish)) {
      return;
    }
    Properties props = publish.properties();
    String topic = publish.topic();
    Integer alias = props.topicAlias();
    if (alias != null) {
      // MQTT 5 §3.3.2.3.4: 0 or above the maximum from CONNACK (MQTT-3.3.2-9), or an empty topic
      // with an alias not set on this connection, is DISCONNECT 0x94.
      if (!inboundAliases.isValid(alias)) {
        disconnect(DisconnectCause.PROTOCOL_ERROR, DisconnectReasonCode.TOPIC_ALIAS_INVALID,
            "topic alias " + alias + " outside 1 to the topic alias maximum "
                + inboundAliases.maximum());
        return;
      }
      if (topic.isEmpty()) {
        String known = inboundAliases.topic(alias);
        if (known == null) {
          disconnect(DisconnectCause.PROTOCOL_ERROR, DisconnectReasonCode.TOPIC_ALIAS_INVALID,
              "topic alias " + alias + " with an empty topic, not set on this connection");
          return;
        }
        topic = known;
      } else {
        inboundAliases.put(alias, topic);
      }
      // The alias belongs to this connection: never forwarded to subscribers.
      props = props.toBuilder().set(PropertyId.TOPIC_ALIAS, null).build();
    }
    Publish message = packetId == 0 && !publish.dup() && alias == null
        ? publish
        : new Publish(topic, publish.qos(), publish.retain(), false, 0, publish.payload(), props);
    switch (publish.qos()) {
      case AT_MOST_ONCE -> broker.publish(message, clientId);
      case AT_LEAST_ONCE -> {
        int n = broker.publish(message, clientId);
        ctx().write(new Puback(packetId, version.isV5() && n == 0
            ? PubackReasonCode.NO_MATCHING_SUBSCRIBERS : PubackReasonCode.SUCCESS,
            Properties.EMPTY));
      }
      case EXACTLY_ONCE -> {
        // MQTT-4.3.3-2: route on first receipt only; a resend with the same id is not routed again.
        int n = session().inboundQos2Received(packetId) ? broker.publish(message, clientId) : 1;
        ctx().write(new Pubrec(packetId, version.isV5() && n == 0
            ? PubrecReasonCode.NO_MATCHING_SUBSCRIBERS : PubrecReasonCode.SUCCESS,
            Properties.EMPTY));
      }
    }
  }

  /**
   * Counts a QoS 1 or 2 PUBLISH against the broker's Receive Maximum; more than {@link
   * #RECEIVE_MAXIMUM} unacknowledged (MQTT-3.3.4-9) is DISCONNECT 0x93 (MQTT 5 §3.3.4). A QoS 1
   * PUBLISH is acknowledged at once, so only the QoS 2 ones awaiting PUBREL stay counted. Returns
   * whether the PUBLISH may be handled.
   */
  private boolean withinReceiveMaximum(Publish publish) {
    if (!version.isV5() || publish.qos() == MqttQos.AT_MOST_ONCE) {
      return true;
    }
    int outstanding = inboundQos2Unfinished.size();
    boolean counted = publish.qos() == MqttQos.EXACTLY_ONCE
        && inboundQos2Unfinished.contains(publish.packetId()); // a resend: already counted
    if (!counted && outstanding >= RECEIVE_MAXIMUM) {
      disconnect(DisconnectCause.PROTOCOL_ERROR, DisconnectReasonCode.RECEIVE_MAXIMUM_EXCEEDED,
          "more than the receive maximum " + RECEIVE_MAXIMUM
              + " QoS 1 and 2 PUBLISH packets unacknowledged");
      return false;
    }
    if (publish.qos() == MqttQos.EXACTLY_ONCE) {
      inboundQos2Unfinished.add(publish.packetId());
    }
    return true;
  }

  private void onPuback(Puback puback) {
    Session s = session();
    s.execute(() -> s.puback(puback.packetId()));
  }

  private void onPubrec(Pubrec pubrec) {
    Session s = session();
    int id = pubrec.packetId();
    s.execute(() -> {
      if (pubrec.reasonCode().isError()) {
        // MQTT 5: the client refused the message. No PUBREL (MQTT-4.3.3-4), and the message is
        // acknowledged (MQTT-4.4.0-2): out of the in-flight window, never resent.
        s.pubrecRefused(id);
        return;
      }
      boolean known = s.pubrec(id);
      ctx().writeAndFlush(new Pubrel(id, known || !version.isV5()
          ? PubrelReasonCode.SUCCESS : PubrelReasonCode.PACKET_IDENTIFIER_NOT_FOUND,
          Properties.EMPTY));
    });
  }

  private void onPubrel(Pubrel pubrel) {
    boolean known = session().inboundQos2Released(pubrel.packetId());
    inboundQos2Unfinished.remove(pubrel.packetId()); // PUBCOMP goes now: the flow is complete
    ctx().write(new Pubcomp(pubrel.packetId(), known || !version.isV5()
        ? PubcompReasonCode.SUCCESS : PubcompReasonCode.PACKET_IDENTIFIER_NOT_FOUND,
        Properties.EMPTY));
  }

  private void onPubcomp(Pubcomp pubcomp) {
    Session s = session();
    s.execute(() -> s.pubcomp(pubcomp.packetId()));
  }

  // ---- SUBSCRIBE / UNSUBSCRIBE ----

  private void onSubscribe(Subscribe subscribe) {
    if (version.isV5() && !subscribe.properties().subscriptionIdentifiers().isEmpty()) {
      disconnect(DisconnectCause.PROTOCOL_ERROR,
          DisconnectReasonCode.SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED,
          "subscription identifier sent although CONNACK said they are not available");
      return;
    }
    Session s = session();
    List<SubackReasonCode> codes = new ArrayList<>(subscribe.subscriptions().size());
    List<Subscription> sendRetained = new ArrayList<>(subscribe.subscriptions().size());
    for (Subscription sub : subscribe.subscriptions()) {
      String filter = sub.topicFilter();
      TopicProblem problem = Topics.validateTopicFilter(filter, 0);
      if (problem != null) {
        LOG.debug("client {} ({}): invalid topic filter: {}", clientId, remoteAddress(), problem);
        codes.add(version.isV5() ? SubackReasonCode.TOPIC_FILTER_INVALID
            : SubackReasonCode.UNSPECIFIED_ERROR);
        continue;
      }
      if (Topics.isShared(filter)) {
        codes.add(version.isV5() ? SubackReasonCode.SHARED_SUBSCRIPTIONS_NOT_SUPPORTED
            : SubackReasonCode.UNSPECIFIED_ERROR);
        continue;
      }
      boolean isNew = broker.router().subscribe(s, sub);
      codes.add(SubackReasonCode.of(sub.qos().value()));
      switch (sub.retainHandling()) {
        case SEND_ON_SUBSCRIBE -> sendRetained.add(sub);
        case SEND_IF_NEW_SUBSCRIPTION -> {
          if (isNew) {
            sendRetained.add(sub);
          }
        }
        case DO_NOT_SEND -> { }
      }
    }
    // MQTT-3.8.4-1: SUBACK with the same packet identifier, one return code per filter
    // (MQTT-3.8.4-5); the granted QoS is the QoS asked for, since Midge supports all three.
    ctx().write(new Suback(subscribe.packetId(), codes, Properties.EMPTY));
    ctx().flush();
    for (Subscription sub : sendRetained) {
      // MQTT-3.3.1-6 (3.1.1): retained messages go to a new subscription with RETAIN set.
      broker.retained().forEachMatching(sub.topicFilter(), m -> s.deliver(
          new Publish(m.topic(), MqttQos.min(m.qos(), sub.qos()), true, false, 0, m.payload(),
              m.properties())));
    }
  }

  private void onUnsubscribe(Unsubscribe unsubscribe) {
    Session s = session();
    List<UnsubackReasonCode> codes = new ArrayList<>(unsubscribe.topicFilters().size());
    for (String filter : unsubscribe.topicFilters()) {
      boolean existed = broker.router().unsubscribe(s, filter);
      codes.add(existed ? UnsubackReasonCode.SUCCESS : UnsubackReasonCode.NO_SUBSCRIPTION_EXISTED);
    }
    // MQTT-3.10.4-4: UNSUBACK even when nothing was removed.
    ctx().write(new Unsuback(unsubscribe.packetId(), codes, Properties.EMPTY));
  }

  // ---- PINGREQ, DISCONNECT, AUTH ----

  private void onPingreq() {
    broker.metrics().ping();
    ctx().write(Pingresp.INSTANCE); // MQTT-3.12.4-1
  }

  private void onDisconnect(Disconnect disconnect) {
    Long expiry = version.isV5() ? disconnect.properties().sessionExpiryInterval() : null;
    if (expiry != null) {
      if (connectExpiryInterval == 0 && expiry != 0) {
        // MQTT 5 §3.14.2.2.2: a non-zero Session Expiry Interval on DISCONNECT after 0 in CONNECT
        // is a protocol error; not a valid DISCONNECT, so the will stands and the session ends
        // with the connection as CONNECT said.
        disconnect(DisconnectCause.PROTOCOL_ERROR, DisconnectReasonCode.PROTOCOL_ERROR,
            "DISCONNECT set session expiry interval " + expiry + " after 0 in CONNECT");
        return;
      }
      Session s = session();
      if (s.claimedBy() == this) {
        s.expiryInterval(expiry); // MQTT 5 §3.14.2.2.2: the client may change it on DISCONNECT
      }
    }
    // MQTT-3.14.4-3: only a DISCONNECT with 0x00 (Normal disconnection; the only one 3.x has)
    // discards the will. In 5.0 the will is published after 0x04 (Disconnect with Will Message)
    // and after a client's error codes (0x80 and up) too: MQTT-3.1.2-8 deletes it on 0x00 alone.
    willDiscarded =
        disconnect.reasonCode() == DisconnectReasonCode.NORMAL_DISCONNECTION;
    cause = DisconnectCause.CLIENT_DISCONNECT;
    state = State.CLOSED;
    ctx().close();
  }

  private void onAuth(Auth auth) {
    AuthenticationFlow flow = authentication;
    if (flow == null) {
      // MQTT-4.12.0-7: no AUTH from a client whose CONNECT named no Authentication Method.
      LOG.info("client {} ({}) sent AUTH without enhanced authentication in CONNECT"
          + " (MQTT-4.12.0-7) — DISCONNECT 0x82", clientId, remoteAddress());
      disconnect(DisconnectCause.PROTOCOL_ERROR, DisconnectReasonCode.PROTOCOL_ERROR, null);
      return;
    }
    flow.receive(auth); // §4.12.1: re-authentication, checked and driven by the flow
  }

  // ---- failures, timeouts, the one disconnect path ----

  private void onDecodeFailure(DecodeFailure f) {
    String who = clientId.equals("?") ? "a new client" : "client " + clientId;
    LOG.info("{} ({}) sent bad input, closing: {}", who, remoteAddress(), f);
    if (state == State.AWAIT_CONNECT) {
      cause = DisconnectCause.PROTOCOL_ERROR;
      state = State.CLOSED;
      MqttVersion v = f.version();
      if (f.packetType() == MqttPacketType.CONNECT
          && (f.reasonCode() == ReasonCode.UNSUPPORTED_PROTOCOL_VERSION || v == MqttVersion.V5)) {
        // MQTT-3.1.2-2: an unsupported level gets 0x01 (3.x) or 0x84 (5.0), then close; a 5.0
        // CONNECT that failed otherwise gets its reason code (MQTT-3.2.2-7 in 5.0).
        MqttVersion answerIn = v == null ? MqttVersion.V3_1_1 : v;
        encoder().version(answerIn);
        ConnackReasonCode code = ConnackReasonCode.of(f.reasonCode());
        ctx().writeAndFlush(new Connack(false,
                code == null ? ConnackReasonCode.MALFORMED_PACKET : code))
            .addListener(ChannelFutureListener.CLOSE);
      } else {
        ctx().close();
      }
      return;
    }
    if (state == State.AUTHENTICATING) {
      // Before CONNACK the answer is a CONNACK (MQTT-3.2.0-1: nothing else before it but AUTH).
      Objects.requireNonNull(authentication).connectionClosed();
      cause = DisconnectCause.PROTOCOL_ERROR;
      state = State.CLOSED;
      ConnackReasonCode code = ConnackReasonCode.of(f.reasonCode());
      ctx().writeAndFlush(new Connack(false,
              code == null ? ConnackReasonCode.PROTOCOL_ERROR : code))
          .addListener(ChannelFutureListener.CLOSE);
      return;
    }
    DisconnectReasonCode code = DisconnectReasonCode.of(f.reasonCode());
    disconnect(DisconnectCause.PROTOCOL_ERROR,
        code == null ? DisconnectReasonCode.PROTOCOL_ERROR : code, f.toString());
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof KeepAliveTimeout t) {
      if (t.kind() == KeepAliveTimeout.Kind.SILENCE) {
        LOG.info("client {} ({}) keep-alive timeout: keep alive {} s, nothing received for {} ms"
                + " (limit {} ms)", clientId, remoteAddress(), keepAliveEffective,
            t.silenceMillis(), t.limitMillis());
        disconnect(DisconnectCause.KEEP_ALIVE_TIMEOUT, DisconnectReasonCode.KEEP_ALIVE_TIMEOUT,
            null);
      } else {
        LOG.info("client {} ({}) too slow: one packet took more than {} ms to arrive"
            + " (keep-alive.max-packet-arrival)", clientId, remoteAddress(), t.limitMillis());
        disconnect(DisconnectCause.SLOW_PACKET, DisconnectReasonCode.KEEP_ALIVE_TIMEOUT, null);
      }
    } else if (evt == ConnectTimeoutHandler.CONNECT_TIMEOUT) {
      AuthenticationFlow flow = authentication;
      if (flow != null && state == State.AUTHENTICATING) {
        flow.connectTimedOut(); // logged and counted there
      } else {
        LOG.debug("{} sent no CONNECT within {}; closing", remoteAddress(),
            listener.keepAlive().connectTimeout());
      }
      cause = DisconnectCause.CONNECT_TIMEOUT;
      state = State.CLOSED;
    } else {
      super.userEventTriggered(ctx, evt);
    }
  }

  /**
   * Ends the connection from the server's side: records the cause, sends an MQTT 5 DISCONNECT
   * with the reason code when the connection is established, and closes. Logging of the cause is
   * the caller's, once; pass {@code detail} to have it logged here at DEBUG.
   */
  void disconnect(DisconnectCause why, DisconnectReasonCode code, @Nullable String detail) {
    disconnect(why, code, detail, null);
  }

  /**
   * {@link #disconnect(DisconnectCause, DisconnectReasonCode, String)}, with a Reason String in the
   * DISCONNECT where it keeps the packet within the client's Maximum Packet Size (MQTT-3.14.2-3).
   */
  void disconnect(DisconnectCause why, DisconnectReasonCode code, @Nullable String detail,
      @Nullable String reasonString) {
    if (state == State.CLOSED) {
      return;
    }
    if (detail != null) {
      LOG.debug("client {} ({}) disconnected ({}): {}", clientId, remoteAddress(), why.tag(),
          detail);
    }
    boolean established = state == State.CONNECTED;
    cause = why;
    state = State.CLOSED;
    if (established && version.isV5()) {
      Disconnect packet = new Disconnect(code);
      if (reasonString != null) {
        Disconnect withReason =
            new Disconnect(code, Properties.builder().reasonString(reasonString).build());
        if (PacketEncoder.encodedSize(withReason, version) <= clientMaximumPacketSize) {
          packet = withReason;
        }
      }
      ctx().writeAndFlush(packet).addListener(ChannelFutureListener.CLOSE);
    } else {
      ctx().close();
    }
  }

  @Override
  public void takeOver() {
    ChannelHandlerContext c = ctx;
    if (c == null) {
      return;
    }
    c.channel().eventLoop().execute(() -> {
      LOG.debug("client {} ({}) taken over by a new connection", clientId, remoteAddress());
      disconnect(DisconnectCause.TAKEOVER, DisconnectReasonCode.SESSION_TAKEN_OVER, null);
    });
  }

  /** Ends the connection because the broker is stopping. Any thread. */
  public void shutdown() {
    ChannelHandlerContext c = ctx;
    if (c != null) {
      c.channel().eventLoop().execute(() -> disconnect(DisconnectCause.SERVER_SHUTDOWN,
          DisconnectReasonCode.SERVER_SHUTTING_DOWN, null));
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable error) {
    if (error instanceof IOException) {
      LOG.debug("client {} ({}): network error: {}", clientId, remoteAddress(), error.toString());
    } else {
      LOG.warn("client {} ({}): unexpected error, closing", clientId, remoteAddress(), error);
    }
    if (cause == null) {
      cause = DisconnectCause.NETWORK;
    }
    state = State.CLOSED;
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    boolean wasConnected = session != null;
    state = State.CLOSED;
    DisconnectCause why = cause == null ? DisconnectCause.NETWORK : cause;
    broker.metrics().disconnected(why);
    Session s = claimedSession;
    PendingWills.Pending pendingWill = null;
    if (wasConnected) {
      broker.metrics().connectionEnded();
      Will w = will;
      if (w != null && !willDiscarded) {
        long delay = version.isV5() ? PendingWills.delay(w) : 0;
        if (delay == 0 || s == null) {
          broker.wills().publishNow(clientId, w); // MQTT-3.1.2-8: the connection ended abnormally
        } else {
          // MQTT-3.1.2-8 (5.0): after the will delay or at the session's end, whichever is first.
          // Held before the session is released, so that a CONNECT claiming it from now on finds
          // the will to cancel.
          pendingWill = broker.wills().schedule(clientId, s, w, delay, ctx.channel().eventLoop());
        }
      }
    }
    // Also when the connection ends while its session is being attached: release the claim.
    if (s != null) {
      switch (broker.sessions().release(s, this)) {
        case ENDED -> broker.endSession(s); // expiry 0: also publishes a held will at once
        case OFFLINE -> {
          s.detach(this);
          broker.sessionOffline(s); // MQTT 5 §3.1.2.11.2: the expiry timer
        }
        case TAKEN_OVER -> {
          s.detach(this);
          if (pendingWill != null) {
            // A CONNECT for this client id came before this connection ended (a takeover): if it
            // resumed the session the will is not sent (MQTT-3.1.3-9); if it started a new one,
            // the old session has ended and the will goes now.
            if (broker.sessions().get(clientId) == s && !s.isDiscarded()) {
              broker.wills().cancel(pendingWill);
            } else {
              broker.wills().sessionEnded(s);
            }
          }
        }
      }
    }
    if (wasConnected) {
      LOG.debug("client {} ({}) connection closed ({})", clientId, remoteAddress(), why.tag());
    }
    pendingWhileConnecting.clear();
    AuthenticationFlow flow = authentication;
    if (flow != null) {
      flow.connectionClosed(); // an exchange still running is abandoned
    }
    super.channelInactive(ctx);
  }

  // ---- Outbound, for the session ----

  @Override
  public EventLoop eventLoop() {
    return ctx().channel().eventLoop();
  }

  @Override
  public MqttVersion version() {
    return version;
  }

  /**
   * Writes a packet for the session. A PUBLISH gets this connection's Topic Alias, if the client
   * allows them (aliases are applied here, as written, and never stored with the session's
   * messages, so a resend on a new connection carries its full topic); the session has checked
   * with {@link #fits} that the PUBLISH as given is within the client's Maximum Packet Size, and
   * an alias is only used when the result still is.
   */
  @Override
  public void write(MqttPacket packet) {
    MqttPacket out = packet;
    OutboundTopicAliases aliases = outboundAliases;
    if (aliases != null && packet instanceof Publish p) {
      out = aliases.apply(p, this::fits);
    }
    ctx().write(out, ctx().voidPromise());
  }

  /**
   * Whether a PUBLISH, as given, is within the client's Maximum Packet Size (MQTT-3.1.2-24 in
   * 5.0). A PUBLISH is sent whole or not at all: its User Properties are part of the message and
   * go unaltered (MQTT-3.3.2-17), so none is left out to make it fit.
   */
  @Override
  public boolean fits(Publish publish) {
    return clientMaximumPacketSize == Long.MAX_VALUE
        || PacketEncoder.encodedSize(publish, version) <= clientMaximumPacketSize;
  }

  @Override
  public void flush() {
    ctx().flush();
  }

  @Override
  public boolean isWritable() {
    return ctx().channel().isWritable();
  }

  @Override
  public boolean isOpen() {
    return state != State.CLOSED && ctx().channel().isActive();
  }

  @Override
  public String remoteAddress() {
    ChannelHandlerContext c = ctx;
    SocketAddress a = c == null ? null : c.channel().remoteAddress();
    return a == null ? "?" : a.toString();
  }

  /** The client identifier, "?" before CONNECT. */
  public String clientId() {
    return clientId;
  }

  /**
   * The identity the client's enhanced authentication established (MQTT 5 §4.12), or null: none,
   * not yet, or the mechanism named none. Kept on the event loop; another thread may read a value
   * a re-authentication is about to replace.
   */
  public @Nullable String authenticatedIdentity() {
    AuthenticationFlow flow = authentication;
    return flow == null || !flow.isAuthenticated() ? null : flow.identity();
  }

  /** The keep alive the client asked for and the one enforced, in seconds. */
  public int keepAliveRequested() {
    return keepAliveRequested;
  }

  public int keepAliveEffective() {
    return keepAliveEffective;
  }

  private ChannelHandlerContext ctx() {
    ChannelHandlerContext c = ctx;
    if (c == null) {
      throw new IllegalStateException("not in a pipeline");
    }
    return c;
  }

  private Session session() {
    Session s = session;
    if (s == null) {
      throw new IllegalStateException("no session before CONNECT");
    }
    return s;
  }

  private MqttEncoder encoder() {
    return (MqttEncoder) ctx().pipeline().get(PipelineNames.ENCODER);
  }

  private MqttDecoder decoder() {
    return (MqttDecoder) ctx().pipeline().get(PipelineNames.DECODER);
  }
}
