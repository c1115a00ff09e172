package dev.midge.broker.connection;

import dev.midge.broker.auth.AuthenticationContext;
import dev.midge.broker.auth.AuthenticationFlow;
import dev.midge.broker.auth.AuthenticationMechanism;
import dev.midge.broker.auth.AuthenticationMechanisms;
import dev.midge.broker.auth.Authorizer;
import dev.midge.broker.auth.BrokerSecurity;
import dev.midge.broker.auth.Credentials;
import dev.midge.broker.auth.FailureDelay;
import dev.midge.broker.auth.PasswordAuthenticator;
import dev.midge.broker.config.LimitsConfig;
import dev.midge.broker.config.ListenerConfig;
import dev.midge.broker.config.MqttConfig;
import dev.midge.broker.keepalive.ConnectTimeoutHandler;
import dev.midge.broker.keepalive.KeepAliveHandler;
import dev.midge.broker.keepalive.KeepAlivePolicy;
import dev.midge.broker.keepalive.KeepAliveTimeout;
import dev.midge.broker.metrics.DisconnectCause;
import dev.midge.broker.routing.SubscriptionRouter;
import dev.midge.broker.session.Outbound;
import dev.midge.broker.session.Publisher;
import dev.midge.broker.session.Session;
import dev.midge.broker.session.SessionRegistry;
import dev.midge.broker.session.StoredSubscription;
import dev.midge.broker.transport.tls.CertificateUsername;
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
import dev.midge.codec.topic.SharedSubscription;
import dev.midge.codec.topic.TopicProblem;
import dev.midge.codec.topic.Topics;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
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
public final class MqttConnection extends ChannelInboundHandlerAdapter
    implements Outbound, Publisher {
  private static final Logger LOG = LoggerFactory.getLogger(MqttConnection.class);

  /** The tag of messages refused for their payload format (MQTT 5 §3.3.2.3.2). */
  private static final String PAYLOAD_FORMAT_INVALID = "payload-format-invalid";

  /** The Reason String of a retained PUBLISH refused by the retained store's bound. */
  private static final String RETAINED_QUOTA =
      "retained message for a new topic beyond limits.max-retained-messages";

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
  /**
   * What CONNACK tells MQTT 5 clients and every client is held to: mqtt.maximum-qos,
   * retain-available, wildcard-subscriptions, topic-alias-maximum (the aliases a client may set per
   * connection, §3.3.2.3.4) and receive-maximum (QoS 1 and 2 PUBLISH packets a client may have
   * unacknowledged, MQTT-3.3.4-7).
   */
  private final MqttConfig features;
  private final AuthenticationMechanisms mechanisms;
  private final ArrayDeque<Object> pendingWhileConnecting = new ArrayDeque<>(1); // grows; most stay empty

  private @Nullable ChannelHandlerContext ctx;
  /** PUBACK, PUBREC and PUBCOMP, in order, each once its packet's writes are durable. */
  private @Nullable DurableAcks acks;
  /** QoS 2 PUBLISH and PUBREL to the client, each once its state change is durable. */
  private @Nullable DurableSends sends;
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
  private final InboundTopicAliases inboundAliases;
  /** Aliases the broker uses towards the client; null when its Topic Alias Maximum is 0. */
  private @Nullable OutboundTopicAliases outboundAliases;
  /**
   * Packet identifiers of the client's QoS 2 PUBLISHes received on this connection and not yet
   * completed by PUBCOMP: what counts against mqtt.receive-maximum. Per connection, as the
   * client's send quota starts afresh on each (MQTT 5 §4.9).
   */
  private Set<Integer> inboundQos2Unfinished = Collections.emptySet(); // a HashSet once used
  /** The Session Expiry Interval CONNECT asked for (3.x: 0 or never), for DISCONNECT's check. */
  private long connectExpiryInterval;
  /** The session expiry granted: the CONNECT's, at most sessions.max-expiry-interval. */
  private long grantedExpiry;
  /**
   * The Session Expiry Interval granted when it is below what an MQTT 5 CONNECT asked for
   * (sessions.max-expiry-interval), told in CONNACK (§3.2.2.3.2); null when granted as asked.
   */
  private @Nullable Long grantedExpiryInterval;
  /** Whether this connection holds a place of limits.max-connections, given back on close. */
  private boolean holdsConnectionPlace;
  /** Whether it holds a place of its listener's max-connections, given back on close. */
  private boolean holdsListenerPlace;
  /**
   * limits.publish-rate-per-client: one token per PUBLISH, on the event loop's ticker; null
   * without a limit. When it runs dry reading stops until {@link #publishRefillTimer} fires (a
   * connection may be held back by subscribers behind and rate limited at once: it reads again
   * only when neither holds).
   */
  private @Nullable TokenBucket publishTokens;
  /** Whether the publish rate has stopped reading until the next token. */
  private boolean rateLimited;
  private @Nullable ScheduledFuture<?> publishRefillTimer;
  /** Whether Reason Strings go on this connection's answers, and how large they may make them. */
  private ProblemInformation problems = ProblemInformation.NONE;
  /** The Response Information for CONNACK (MQTT 5 §3.2.2.3.15), or null for none. */
  private @Nullable String responseInformation;
  /** Clean Start (Clean Session in 3.x) of the CONNECT, for claiming the session. */
  private boolean cleanStart;
  /** Enhanced authentication, when CONNECT named an Authentication Method (MQTT 5 §4.12). */
  private @Nullable AuthenticationFlow authentication;
  /** The Authentication Data for the CONNACK of a successful enhanced authentication. */
  private byte @Nullable [] connackAuthenticationData;
  /** The sessions behind that hold this connection's reading back (flow control); see resume. */
  private final List<Session> heldBackBy = new ArrayList<>(2);
  /** Ends a hold-back that lasts longer than sessions.slow-subscriber-timeout. */
  private @Nullable ScheduledFuture<?> holdBackTimer;
  /** Whether {@link #releaseSession} has run. */
  private boolean sessionReleased;
  /**
   * Who the client authenticated as, for the ACL: the CONNECT's User Name once checked (or let in
   * without a check), the identity of an enhanced authentication; null for an anonymous client.
   */
  private @Nullable String userName;
  /** The User Name of a CONNECT with enhanced authentication, for a mechanism giving no identity. */
  private @Nullable String connectUserName;
  /** What decides what this client may publish, subscribe to and receive. */
  private final Authorizer authorizer;

  /** A connection without enhanced authentication: an Authentication Method gets CONNACK 0x8C. */
  public MqttConnection(BrokerServices broker, ListenerConfig listener) {
    this(broker, listener, AuthenticationMechanisms.NONE);
  }

  /** A connection whose MQTT 5 clients may authenticate with these mechanisms (§4.12). */
  public MqttConnection(BrokerServices broker, ListenerConfig listener,
      AuthenticationMechanisms mechanisms) {
    this.broker = broker;
    this.listener = listener;
    this.features = broker.config().mqtt();
    this.inboundAliases = new InboundTopicAliases(features.topicAliasMaximum());
    this.mechanisms = mechanisms;
    this.authorizer = broker.security().authorizer();
  }

  // ---- inbound ----

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.acks = new DurableAcks(broker.storage(), ctx, this::storageFailed);
    this.sends = new DurableSends(broker.storage(), ctx);
    LimitsConfig limits = broker.config().limits();
    if (limits.publishRatePerClient() > 0) {
      // Time from the event loop's ticker, as the keep-alive handler's: the refill timer runs on
      // the same clock.
      this.publishTokens = new TokenBucket(limits.publishRatePerClient(),
          limits.effectivePublishBurst(), ctx.executor().ticker().nanoTime());
    }
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
      case PUBLISH -> {
        Publisher previous = Publisher.routing(this);
        try {
          onPublish((Publish) packet);
        } finally {
          Publisher.routing(previous);
        }
        publishRateCheck();
      }
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
    if (version.isV5()) {
      // Read first: a refusal below may carry a Reason String, within the client's limits.
      problems = ProblemInformation.of(version, connect.properties().requestProblemInformation(),
          connect.properties().maximumPacketSize());
    }
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
    // A policy made for the one decision, not kept: pure logic, and a field per connection.
    KeepAlivePolicy.Decision decision =
        new KeepAlivePolicy(listener.keepAlive()).decide(version, connect.keepAlive());
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
      // MQTT-3.1.2-28: Request Response Information 0 or absent, no Response Information; 1, the
      // configured prefix followed by the client identifier, unless the prefix is empty (the
      // Server may send none, §3.2.2.3.15).
      Integer responseAsked = props.requestResponseInformation();
      String prefix = broker.config().mqtt().responseInformationPrefix();
      if (responseAsked != null && responseAsked == 1 && !prefix.isEmpty()) {
        responseInformation = prefix + clientId;
      }
    }
    Will w = connect.will();
    if (w != null && w.qos().value() > features.maximumQos()) {
      // MQTT-3.2.2-12: a will QoS above what the server supports is refused, CONNACK 0x9B.
      refuseWill(ConnackReasonCode.QOS_NOT_SUPPORTED, "will QoS " + w.qos().value()
          + " above the maximum QoS " + features.maximumQos() + " (mqtt.maximum-qos)");
      return;
    }
    if (w != null && w.retain() && !features.retainAvailable()) {
      // MQTT-3.2.2-13: a retained will when retained messages are not supported, CONNACK 0x9A.
      refuseWill(ConnackReasonCode.RETAIN_NOT_SUPPORTED,
          "will with RETAIN set, but retained messages are off (mqtt.retain-available)");
      return;
    }
    if (w != null && version.isV5() && broker.config().mqtt().payloadFormatValidation()
        && PayloadFormat.isInvalid(w.properties(), w.payload())) {
      // §3.1.3.2.3: the Server MAY validate the will's payload format, and answer CONNACK 0x99.
      broker.metrics().messageRefused(PAYLOAD_FORMAT_INVALID);
      refuse(ConnackReasonCode.PAYLOAD_FORMAT_INVALID, "will " + PayloadFormat.INVALID);
      return;
    }
    will = w;
    // MQTT 5 §3.1.2.11.2: absent means 0, the session ends with the connection; 0xFFFFFFFF never
    // expires. 3.x: clean session 0 sessions never expire. Either is capped by
    // sessions.max-expiry-interval; an MQTT 5 client is told the value granted in CONNACK
    // (§3.2.2.3.2), a 3.x client cannot be (its session simply ends after it).
    long maxExpiry = broker.config().sessions().maxExpiryInterval();
    long expiry;
    if (version.isV5()) {
      Long asked = props.sessionExpiryInterval();
      connectExpiryInterval = asked == null ? 0 : asked;
      expiry = Math.min(connectExpiryInterval, maxExpiry);
      if (expiry < connectExpiryInterval) {
        grantedExpiryInterval = expiry;
      }
    } else {
      connectExpiryInterval = connect.cleanStart() ? 0 : Session.NEVER_EXPIRES;
      expiry = Math.min(connectExpiryInterval, maxExpiry);
    }

    // limits.max-connections: the place is taken here, as the CONNECT is about to be accepted,
    // and given back when the connection closes. A client taking over its own live connection
    // gets in even when full: the old connection's place comes free as it closes.
    Session current = broker.sessions().get(clientId);
    boolean takesOver = current != null && current.claimedBy() != null;
    if (!broker.connectionLimit().tryAcquire(takesOver)) {
      broker.connectionLimitReached(); // counted, and logged at WARN once per burst
      LOG.debug("client {} ({}) refused: {} clients connected (limits.max-connections)",
          clientId, peer(), broker.connectionLimit().maximum());
      // CONNACK 0x89 Server busy; 3.x has no such code and gets 0x03 Server unavailable.
      sendRefusal(ConnackReasonCode.SERVER_BUSY, "server busy: "
          + broker.connectionLimit().maximum() + " clients connected (limits.max-connections)");
      return;
    }
    holdsConnectionPlace = true;
    // listeners[].max-connections, on top of the broker-wide limit: refused the same way. A
    // takeover is let in only when the connection it replaces is on this listener, whose place
    // then comes free.
    ConnectionLimit ownLimit = broker.listenerConnectionLimit(listener);
    if (ownLimit != null) {
      boolean takesOverHere = current != null
          && current.claimedBy() instanceof MqttConnection previous
          && previous.listener.name().equals(listener.name());
      if (!ownLimit.tryAcquire(takesOverHere)) {
        holdsConnectionPlace = false;
        broker.connectionLimit().release();
        broker.listenerConnectionLimitReached(listener, ownLimit.maximum());
        LOG.debug("client {} ({}) refused: {} clients connected through listener {}"
            + " (listeners[].max-connections)", clientId, peer(), ownLimit.maximum(),
            listener.name());
        sendRefusal(ConnackReasonCode.SERVER_BUSY, "server busy: " + ownLimit.maximum()
            + " clients connected through listener " + listener.name()
            + " (listeners[].max-connections)");
        return;
      }
      holdsListenerPlace = true;
    }
    grantedExpiry = expiry;
    cleanStart = connect.cleanStart();

    String method = version.isV5() ? props.authenticationMethod() : null;
    if (method != null) {
      startAuthentication(connect, method);
      return;
    }
    checkCredentials(connect);
  }

  // ---- user name and password ----

  /**
   * Checks the User Name and Password of a CONNECT without an Authentication Method: a client
   * without a user name gets in if the listener allows anonymous clients; one with a user name is
   * checked by the broker's authenticators (password file, HTTP service), asynchronously, with
   * the connection's reads paused until the verdict is back on this event loop. The session is
   * claimed only once the client is let in.
   */
  private void checkCredentials(Connect connect) {
    BrokerSecurity security = broker.security();
    String user = connect.username();
    Channel channel = ctx().channel();
    // hasAttr first: attr() would give every connection an attribute it never uses.
    String certified = channel.hasAttr(CertificateUsername.IDENTITY)
        ? channel.attr(CertificateUsername.IDENTITY).get() : null;
    if (certified != null && certified.equals(user)) {
      // tls.use-subject-as-username: the verified certificate authenticated the client as this
      // user; no password is asked for (Mosquitto's use_identity_as_username).
      userName = user;
      claimSession();
      return;
    }
    boolean anonymousAllowed = listener.allowAnonymous().allows(security.authenticates());
    if (user == null || !security.authenticates()) {
      if (anonymousAllowed) {
        userName = user; // not checked: nobody to check it against
        claimSession();
      } else {
        // MQTT-3.2.2-5 (3.1.1) / §3.2.2.2 (5.0): refused with CONNACK 0x05 / 0x87, then closed.
        refuseCredentials(ConnackReasonCode.NOT_AUTHORIZED, "anonymous", user == null
            ? "no user name, and listener " + listener.name() + " lets no anonymous client in"
                + " (listeners[].allow-anonymous)"
            : "no password file or HTTP service to check user " + user + " against, and listener"
                + " " + listener.name() + " lets no anonymous client in");
      }
      return;
    }
    state = State.CONNECTING; // packets that follow CONNECT wait in pendingWhileConnecting
    ctx().channel().config().setAutoRead(false);
    Credentials credentials = new Credentials(clientId, user, connect.password(),
        remoteAddress(), listener.name());
    EventLoop loop = ctx().channel().eventLoop();
    CompletionStage<PasswordAuthenticator.Verdict> verdict;
    try {
      verdict = security.authenticate(credentials);
    } catch (RuntimeException e) {
      credentialsChecked(user, null, e);
      return;
    }
    verdict.whenComplete((v, error) -> {
      if (loop.inEventLoop()) {
        credentialsChecked(user, v, error);
      } else {
        loop.execute(() -> credentialsChecked(user, v, error));
      }
    });
  }

  private void credentialsChecked(String user, PasswordAuthenticator.@Nullable Verdict verdict,
      @Nullable Throwable error) {
    if (state != State.CONNECTING || !ctx().channel().isActive()) {
      return; // closed meanwhile (the client left, or the connect timeout)
    }
    if (error != null || verdict == null) {
      LOG.warn("client {} ({}) user {}: authentication failed with an error; refused", clientId,
          peer(), user, error);
      refuseCredentials(ConnackReasonCode.NOT_AUTHORIZED, "error", "user " + user
          + ": an authenticator failed");
      return;
    }
    switch (verdict) {
      case ALLOW -> {
        userName = user;
        claimSession();
      }
      case BAD_USER_NAME_OR_PASSWORD, UNKNOWN_USER -> refuseCredentials(
          ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD, "bad-credentials",
          "user " + user + ": unknown user or wrong password");
      case NOT_AUTHORIZED -> refuseCredentials(ConnackReasonCode.NOT_AUTHORIZED,
          "not-authorized", "user " + user + ": not authorised to connect");
    }
  }

  /**
   * Refuses a client whose credentials failed: counted, logged at INFO (never the password), and
   * answered with CONNACK {@code code} (0x86 / 0x87; MQTT 3.x: 0x04 / 0x05) — at once for the
   * first failure from the client's address, later for the next ones ({@link FailureDelay}; at most
   * half the listener's connect timeout), by a timer on this event loop, the connection's reads
   * staying paused meanwhile.
   */
  private void refuseCredentials(ConnackReasonCode code, String reasonTag, String detail) {
    broker.metrics().authenticationRefused(reasonTag);
    // At most half the connect timeout, which still runs and would close the connection first.
    long delay = Math.min(broker.security().failureDelay().failed(sourceHost()),
        listener.keepAlive().connectTimeout().toMillis() / 2);
    LOG.info("client {} ({}) refused: {} — CONNACK {}{}", clientId, peer(), detail,
        version.isV5() ? code.reasonCode()
            : "return code " + ConnectReturnCode.fromReasonCode(code).value(),
        delay == 0 ? "" : " after " + delay + " ms (repeated failures from this address)");
    // The client is told no more than the code says: not which of user or password was wrong.
    String reason = code == ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD
        ? "bad user name or password" : "not authorized";
    if (delay == 0) {
      sendRefusal(code, reason);
      return;
    }
    state = State.CONNECTING;
    ctx().channel().config().setAutoRead(false);
    ctx().channel().eventLoop().schedule(() -> {
      if (state == State.CONNECTING && ctx().channel().isActive()) {
        sendRefusal(code, reason);
      }
    }, delay, TimeUnit.MILLISECONDS);
  }

  /** The client's IP address, without the port: what failures are slowed down by. */
  private String sourceHost() {
    SocketAddress a = ctx().channel().remoteAddress();
    if (a instanceof InetSocketAddress inet && inet.getAddress() != null) {
      return inet.getAddress().getHostAddress();
    }
    return String.valueOf(a);
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
    connectUserName = connect.username();
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
            peer());
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
        AuthenticationFlow flow = Objects.requireNonNull(authentication);
        userName = flow.identity() != null ? flow.identity() : connectUserName;
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
        // MQTT-3.2.2-19: the Reason String only where it keeps the CONNACK within the client's
        // maximum.
        ctx().writeAndFlush(problems.connackRefusal(rejection.connackCode(),
            rejection.reasonString())).addListener(ChannelFutureListener.CLOSE);
      } else if (state == State.CONNECTED) {
        // MQTT-4.12.1-2: a failed re-authentication ends the connection with DISCONNECT.
        disconnectLogged(rejection.protocolError()
                ? DisconnectCause.PROTOCOL_ERROR : DisconnectCause.AUTHENTICATION_FAILED,
            rejection.disconnectCode(), rejection.reasonString());
      }
    }
  }

  /**
   * Claims the client's session, taking it over from another connection; {@link #sessionReady}
   * follows.
   */
  private void claimSession() {
    Will w = will;
    if (w != null && !authorizer.mayPublish(clientId, userName, w.topic())) {
      // The ACL's write rules hold for the will too: it is dropped now, never published.
      LOG.info("client {} ({}) user {}: will on {} dropped, the ACL does not let it publish there",
          clientId, peer(), userName, w.topic());
      broker.metrics().aclDenied("will");
      will = null;
    }
    long expiry = grantedExpiry;
    state = State.CONNECTING;
    ctx().channel().config().setAutoRead(false);
    EventLoop loop = ctx().channel().eventLoop();
    SessionRegistry.Claim claim = broker.sessions().claim(clientId, cleanStart, expiry,
        this, () -> broker.newSession(clientId, loop, expiry));
    claimedSession = claim.session();
    claim.session().userName(userName); // the ACL's read rules judge the session by it
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
          .receiveMaximum(features.receiveMaximum())
          .subscriptionIdentifierAvailable(features.subscriptionIdentifiers())
          .sharedSubscriptionAvailable(features.sharedSubscriptions());
      if (features.topicAliasMaximum() > 0) {
        // MQTT-3.2.2-18: absent means 0, the client may send no topic alias at all.
        props.topicAliasMaximum(features.topicAliasMaximum());
      }
      if (features.maximumQos() < 2) {
        props.maximumQos(features.maximumQos()); // MQTT-3.2.2-9
      }
      if (!features.retainAvailable()) {
        props.retainAvailable(false); // §3.2.2.3.5; absent means available
      }
      if (!features.wildcardSubscriptions()) {
        props.wildcardSubscriptionAvailable(false); // §3.2.2.3.11; absent means available
      }
      Long granted = grantedExpiryInterval;
      if (granted != null) {
        props.sessionExpiryInterval(granted); // §3.2.2.3.2: a value other than the one asked
      }
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
    Connack connack = new Connack(present, ConnackReasonCode.SUCCESS, props.build());
    String info = responseInformation;
    if (info != null) {
      Connack withInfo = new Connack(present, ConnackReasonCode.SUCCESS,
          props.responseInformation(info).build());
      // Optional (§3.2.2.3.15): left out rather than exceed the client's Maximum Packet Size
      // (MQTT-3.1.2-24).
      if (PacketEncoder.encodedSize(withInfo, version) <= clientMaximumPacketSize) {
        connack = withInfo;
      }
    }
    ctx().write(connack);
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
        clientId, peer(), version, keepAliveEffective, keepAliveRequested,
        sessionPresent);
    while (!pendingWhileConnecting.isEmpty() && state == State.CONNECTED) {
      dispatch((MqttPacket) pendingWhileConnecting.poll());
    }
    ctx().flush();
    // A PUBLISH sent while connecting may have found a subscriber behind, or used up the publish
    // rate: then it stays off.
    if (heldBackBy.isEmpty() && !rateLimited) {
      ctx().channel().config().setAutoRead(true);
    }
  }

  private void refuse(ConnackReasonCode code, String reason) {
    LOG.info("client {} ({}) refused: {} — CONNACK {}", clientId, peer(), reason,
        version.isV5() ? code.reasonCode()
            : "return code " + ConnectReturnCode.fromReasonCode(code).value());
    sendRefusal(code, reason);
  }

  /**
   * Answers CONNECT with a refusal, its Reason String {@code reason} where it fits, and closes;
   * the caller has logged why.
   */
  private void sendRefusal(ConnackReasonCode code, @Nullable String reason) {
    cause = DisconnectCause.CONNECT_REFUSED;
    state = State.CLOSED;
    ctx().writeAndFlush(problems.connackRefusal(code, reason))
        .addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * Refuses a CONNECT whose will the broker cannot take: CONNACK {@code code} in MQTT 5
   * (MQTT-3.2.2-12, -13). MQTT 3.x has no return code that says it, so the connection is closed
   * without CONNACK, as Mosquitto does; the log says why.
   */
  private void refuseWill(ConnackReasonCode code, String reason) {
    if (version.isV5()) {
      refuse(code, reason);
      return;
    }
    LOG.info("client {} ({}) refused: {} — closed without CONNACK (MQTT {} has no return code"
        + " for it)", clientId, peer(), reason, version);
    cause = DisconnectCause.CONNECT_REFUSED;
    state = State.CLOSED;
    ctx().close();
  }

  // ---- PUBLISH and acknowledgements ----

  private void onPublish(Publish publish) {
    broker.metrics().messageReceived(publish.qos().value());
    int packetId = publish.packetId();
    if (!supported(publish) || !withinReceiveMaximum(publish)) {
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
    if (!authorizer.mayPublish(clientId, userName, topic)) {
      refuseByAcl(publish.qos(), packetId, topic);
      return;
    }
    if (version.isV5() && broker.config().mqtt().payloadFormatValidation()
        && PayloadFormat.isInvalid(props, publish.payload())) {
      refusePayloadFormat(publish.qos(), packetId, topic);
      return;
    }
    Publish message = packetId == 0 && !publish.dup() && alias == null
        ? publish
        : new Publish(topic, publish.qos(), publish.retain(), false, 0, publish.payload(), props);
    // Its deadline counts from now (MQTT 5 §3.3.2.3.3), the same for every copy.
    long expiresAt = broker.deadline(message);
    // A retained message for a new topic beyond limits.max-retained-messages is not accepted:
    // neither kept nor routed. MQTT 5 says so with 0x97 Quota exceeded; MQTT 3.x cannot, and the
    // message is dropped (counted and logged by the broker) while its flow completes as usual.
    // With a durable store, delivery and PUBACK / PUBREC wait until the message is durable in
    // every matching persistent session and the retained store (DurableAcks); all in the order
    // the packets came (MQTT-4.6.0-2, MQTT-4.6.0-3).
    switch (publish.qos()) {
      case AT_MOST_ONCE -> {
        boolean[] refused = {false};
        acks().acknowledge(() -> { // no acknowledgement, but in order with the others
          if (retainedWithinQuota(message, expiresAt)) {
            broker.route(message, expiresAt, clientId);
          } else {
            refused[0] = true;
          }
          return null;
        });
        if (refused[0] && version.isV5()) {
          // QoS 0 has no acknowledgement to carry 0x97: DISCONNECT 0x97 (§4.13).
          disconnect(DisconnectCause.QUOTA_EXCEEDED, DisconnectReasonCode.QUOTA_EXCEEDED,
              "retained PUBLISH beyond limits.max-retained-messages");
        }
      }
      case AT_LEAST_ONCE -> acks().acknowledge(() -> {
        PubackReasonCode code;
        if (!retainedWithinQuota(message, expiresAt)) {
          code = version.isV5() ? PubackReasonCode.QUOTA_EXCEEDED : PubackReasonCode.SUCCESS;
        } else {
          int n = broker.route(message, expiresAt, clientId);
          code = version.isV5() && n == 0
              ? PubackReasonCode.NO_MATCHING_SUBSCRIBERS : PubackReasonCode.SUCCESS;
        }
        return problems.puback(packetId, code, code.isError() ? RETAINED_QUOTA : null);
      });
      case EXACTLY_ONCE -> acks().acknowledge(() -> {
        PubrecReasonCode code = PubrecReasonCode.SUCCESS;
        // MQTT-4.3.3-2: route on first receipt only; a resend with the same id is not routed again.
        if (session().inboundQos2Received(packetId)) {
          if (!retainedWithinQuota(message, expiresAt)) {
            if (version.isV5()) {
              // Refused: the flow ends with this PUBREC and its packet identifier is free again
              // (§4.3.3), so it is neither awaiting PUBREL nor counted against Receive Maximum.
              session().inboundQos2Released(packetId);
              inboundQos2Unfinished.remove(packetId);
              code = PubrecReasonCode.QUOTA_EXCEEDED;
            }
          } else if (broker.route(message, expiresAt, clientId) == 0 && version.isV5()) {
            code = PubrecReasonCode.NO_MATCHING_SUBSCRIBERS;
          }
        }
        return problems.pubrec(packetId, code, code.isError() ? RETAINED_QUOTA : null);
      });
    }
  }

  /**
   * Whether the PUBLISH asks for nothing the broker has switched off; otherwise ends the
   * connection and returns false. Mosquitto's rules for its max_qos and retain_available: MQTT 5
   * clients get DISCONNECT with the reason, MQTT 3.x clients, which were told nothing, are
   * disconnected all the same (a server-side disconnect: the will is published).
   */
  private boolean supported(Publish publish) {
    if (publish.qos().value() > features.maximumQos()) {
      // MQTT-3.2.2-11: the client must not exceed the Maximum QoS from CONNACK; one that does
      // commits a protocol error, DISCONNECT 0x9B (§3.2.2.3.4).
      LOG.info("client {} ({}) sent a QoS {} PUBLISH above the maximum QoS {}"
              + " (mqtt.maximum-qos), disconnecting", clientId, peer(),
          publish.qos().value(), features.maximumQos());
      disconnect(DisconnectCause.PROTOCOL_ERROR, DisconnectReasonCode.QOS_NOT_SUPPORTED, null);
      return false;
    }
    if (publish.retain() && !features.retainAvailable()) {
      // MQTT-3.2.2-14: no RETAIN after Retain Available 0; one is a protocol error, DISCONNECT
      // 0x9A (§3.2.2.3.5).
      LOG.info("client {} ({}) sent a retained PUBLISH, but retained messages are off"
          + " (mqtt.retain-available), disconnecting", clientId, peer());
      disconnect(DisconnectCause.PROTOCOL_ERROR, DisconnectReasonCode.RETAIN_NOT_SUPPORTED, null);
      return false;
    }
    return true;
  }

  /**
   * Keeps {@code message} as retained if it says so, within limits.max-retained-messages; false
   * when the limit refused it (the broker has counted and logged that).
   */
  private boolean retainedWithinQuota(Publish message, long expiresAt) {
    return !message.retain() || broker.retain(message, expiresAt, clientId);
  }

  /**
   * A PUBLISH whose Payload Format Indicator says UTF-8 and whose payload is not (§3.3.2.3.2, with
   * {@code mqtt.payload-format-validation}): not routed, not retained; PUBACK or PUBREC 0x99 at
   * QoS 1 or 2 (a PUBREC of 0x80 or more ends the QoS 2 flow: no PUBREL follows, and the message
   * no longer counts against the Receive Maximum, MQTT-3.3.4-7), DISCONNECT 0x99 at QoS 0, which
   * has no acknowledgement to say it with. MQTT 5 only.
   */
  private void refusePayloadFormat(MqttQos qos, int packetId, String topic) {
    broker.metrics().messageRefused(PAYLOAD_FORMAT_INVALID);
    LOG.debug("client {} ({}): PUBLISH to {} refused: {}", clientId, peer(), topic,
        PayloadFormat.INVALID);
    switch (qos) {
      case AT_MOST_ONCE -> disconnectLogged(DisconnectCause.PROTOCOL_ERROR,
          DisconnectReasonCode.PAYLOAD_FORMAT_INVALID, PayloadFormat.INVALID);
      // In order with the acknowledgements of the packets before it (DurableAcks).
      case AT_LEAST_ONCE -> acks().acknowledge(() -> problems.puback(packetId,
          PubackReasonCode.PAYLOAD_FORMAT_INVALID, PayloadFormat.INVALID));
      case EXACTLY_ONCE -> {
        inboundQos2Unfinished.remove(packetId);
        acks().acknowledge(() -> problems.pubrec(packetId,
            PubrecReasonCode.PAYLOAD_FORMAT_INVALID, PayloadFormat.INVALID));
      }
    }
  }

  /**
   * A PUBLISH the ACL does not let the client make: neither routed nor retained, counted, logged
   * at DEBUG. MQTT 5 says so with PUBACK or PUBREC 0x87 Not authorized (a PUBREC of 0x80 or more
   * ends the QoS 2 flow, MQTT-3.3.4-7); MQTT 3.x has no code for it, and the flow completes as if
   * the message had been taken, as Mosquitto does, so that the client does not resend it. QoS 0 is
   * dropped without a word.
   */
  private void refuseByAcl(MqttQos qos, int packetId, String topic) {
    broker.metrics().aclDenied("publish");
    LOG.debug("client {} ({}) user {}: PUBLISH to {} refused by the ACL", clientId,
        peer(), userName, topic);
    String reason = "not authorized to publish to " + topic;
    switch (qos) {
      case AT_MOST_ONCE -> { }
      case AT_LEAST_ONCE -> acks().acknowledge(() -> version.isV5()
          ? problems.puback(packetId, PubackReasonCode.NOT_AUTHORIZED, reason)
          : new Puback(packetId));
      case EXACTLY_ONCE -> {
        if (version.isV5()) {
          inboundQos2Unfinished.remove(packetId);
          acks().acknowledge(() -> problems.pubrec(packetId, PubrecReasonCode.NOT_AUTHORIZED,
              reason));
        } else {
          acks().acknowledge(() -> new Pubrec(packetId)); // PUBREL then gets PUBCOMP
        }
      }
    }
  }

  /**
   * Counts a QoS 1 or 2 PUBLISH against the broker's Receive Maximum; more than
   * mqtt.receive-maximum unacknowledged (MQTT-3.3.4-7) is DISCONNECT 0x93 (MQTT 5 §3.3.4). A QoS 1
   * PUBLISH is acknowledged as soon as it is handled (with a durable store, once it is written:
   * a wait bounded by the store, not by the client), so only the QoS 2 ones awaiting PUBREL stay
   * counted. Returns whether the PUBLISH may be handled.
   */
  private boolean withinReceiveMaximum(Publish publish) {
    if (!version.isV5() || publish.qos() == MqttQos.AT_MOST_ONCE) {
      return true;
    }
    int outstanding = inboundQos2Unfinished.size();
    boolean counted = publish.qos() == MqttQos.EXACTLY_ONCE
        && inboundQos2Unfinished.contains(publish.packetId()); // a resend: already counted
    if (!counted && outstanding >= features.receiveMaximum()) {
      disconnect(DisconnectCause.PROTOCOL_ERROR, DisconnectReasonCode.RECEIVE_MAXIMUM_EXCEEDED,
          "more than the receive maximum " + features.receiveMaximum()
              + " QoS 1 and 2 PUBLISH packets unacknowledged");
      return false;
    }
    if (publish.qos() == MqttQos.EXACTLY_ONCE) {
      if (!(inboundQos2Unfinished instanceof HashSet)) {
        inboundQos2Unfinished = new HashSet<>();
      }
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
      // Written once "PUBREC received" is durable (DurableSends).
      if (known || !version.isV5()) {
        write(new Pubrel(id));
      } else {
        // MQTT 5 §3.6.2.1, §4.3.3: no QoS 2 message in flight with this identifier.
        String reason = "PUBREC for packet identifier " + id + ", which no QoS 2 message in flight"
            + " to the client has";
        LOG.debug("client {} ({}): {}", clientId, peer(), reason);
        write(problems.pubrel(id, PubrelReasonCode.PACKET_IDENTIFIER_NOT_FOUND, reason));
      }
      flush();
    });
  }

  private void onPubrel(Pubrel pubrel) {
    // PUBCOMP waits until the packet identifier is forgotten durably: a client may reuse it once
    // it has PUBCOMP, and a broker restarted with it still held would take the new message for a
    // resend and drop it.
    int id = pubrel.packetId();
    acks().acknowledge(() -> {
      boolean known = session().inboundQos2Released(id);
      inboundQos2Unfinished.remove(id); // the flow is complete
      if (known || !version.isV5()) {
        return new Pubcomp(id);
      }
      // MQTT 5 §3.7.2.1, §4.3.3: no QoS 2 message from the client awaits PUBREL with this id.
      String reason = "PUBREL for packet identifier " + id + ", which no QoS 2 message received"
          + " from the client awaits";
      LOG.debug("client {} ({}): {}", clientId, peer(), reason);
      return problems.pubcomp(id, PubcompReasonCode.PACKET_IDENTIFIER_NOT_FOUND, reason);
    });
  }

  /** The store could not write what a packet needed kept: close, acknowledging nothing more. */
  private void storageFailed(Exception failure) {
    LOG.warn("client {} ({}): closing without acknowledgement, the store failed to write: {}",
        clientId, peer(), failure.toString());
    disconnect(DisconnectCause.STORAGE_FAILURE, DisconnectReasonCode.UNSPECIFIED_ERROR, null);
  }

  private void onPubcomp(Pubcomp pubcomp) {
    Session s = session();
    s.execute(() -> s.pubcomp(pubcomp.packetId()));
  }

  // ---- SUBSCRIBE / UNSUBSCRIBE ----

  private void onSubscribe(Subscribe subscribe) {
    MqttConfig mqtt = broker.config().mqtt();
    // The decoder allows one Subscription Identifier, 1 to 268,435,455 (MQTT 5 §3.8.2.1.2).
    List<Integer> ids = subscribe.properties().subscriptionIdentifiers();
    if (version.isV5() && !ids.isEmpty() && !mqtt.subscriptionIdentifiers()) {
      disconnect(DisconnectCause.PROTOCOL_ERROR,
          DisconnectReasonCode.SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED,
          "subscription identifier sent although CONNACK said they are not available");
      return;
    }
    // §3.8.2.1.2: the identifier, or its absence, is stored with every subscription this
    // SUBSCRIBE creates or replaces.
    int subscriptionId = ids.isEmpty() ? StoredSubscription.NO_IDENTIFIER : ids.get(0);
    Session s = session();
    List<SubackReasonCode> codes = new ArrayList<>(subscribe.subscriptions().size());
    List<StoredSubscription> sendRetained = new ArrayList<>(subscribe.subscriptions().size());
    List<String> refusals = new ArrayList<>(0); // for the SUBACK's Reason String
    int maxSubscriptions = broker.config().limits().maxSubscriptionsPerClient();
    int held = maxSubscriptions == 0 ? 0 : s.subscriptions().size();
    for (Subscription sub : subscribe.subscriptions()) {
      String filter = sub.topicFilter();
      TopicProblem problem = Topics.validateTopicFilter(filter, 0);
      if (problem != null) {
        String reason = "invalid topic filter '" + filter + "': " + problem;
        LOG.debug("client {} ({}): {}", clientId, peer(), reason);
        refusals.add(reason);
        codes.add(version.isV5() ? SubackReasonCode.TOPIC_FILTER_INVALID
            : SubackReasonCode.UNSPECIFIED_ERROR);
        continue;
      }
      if (!features.wildcardSubscriptions()
          && (filter.indexOf('+') >= 0 || filter.indexOf('#') >= 0)) {
        // §3.2.2.3.11: CONNACK said Wildcard Subscription Available 0. The filter alone is
        // refused, SUBACK 0xA2 (MQTT-3.8.4-6, -7), rather than the whole connection; 3.x has only
        // 0x80 Failure (MQTT-3.9.3-2 in 3.1.1).
        LOG.debug("client {} ({}): wildcard filter {} refused (mqtt.wildcard-subscriptions)",
            clientId, peer(), filter);
        refusals.add("wildcard subscriptions are not supported: " + filter);
        codes.add(version.isV5() ? SubackReasonCode.WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED
            : SubackReasonCode.UNSPECIFIED_ERROR);
        continue;
      }
      boolean shared = Topics.isShared(filter);
      if (shared && !mqtt.sharedSubscriptions()) {
        refusals.add("shared subscriptions are not supported: " + filter);
        codes.add(version.isV5() ? SubackReasonCode.SHARED_SUBSCRIPTIONS_NOT_SUPPORTED
            : SubackReasonCode.UNSPECIFIED_ERROR);
        continue;
      }
      SharedSubscription share = shared ? SharedSubscription.parse(filter) : null;
      String aclFilter = share == null ? filter : share.topicFilter();
      if (!authorizer.maySubscribe(clientId, userName, aclFilter)) {
        // SUBACK 0x87 Not authorized for this filter alone (MQTT 5 §3.9.3); 3.1.1 has only 0x80
        // Failure (MQTT-3.9.3-2 lists the return codes).
        broker.metrics().aclDenied("subscribe");
        LOG.debug("client {} ({}) user {}: SUBSCRIBE to {} refused by the ACL", clientId,
            peer(), userName, filter);
        refusals.add("not authorized: " + filter);
        codes.add(version.isV5() ? SubackReasonCode.NOT_AUTHORIZED
            : SubackReasonCode.UNSPECIFIED_ERROR);
        continue;
      }
      if (maxSubscriptions > 0 && held >= maxSubscriptions && s.subscription(filter) == null) {
        // limits.max-subscriptions-per-client: one more filter gets SUBACK 0x97 Quota exceeded
        // (MQTT 5 §3.9.3), this filter alone; 3.1.1 has only 0x80 Failure (MQTT-3.9.3-2).
        // Replacing a filter the session holds adds nothing, and is always allowed.
        broker.subscriptionLimitReached(clientId, remoteAddress());
        LOG.debug("client {} ({}): SUBSCRIBE to {} refused, the session holds {} filters"
            + " (limits.max-subscriptions-per-client)", clientId, peer(), filter, held);
        refusals.add("quota exceeded: at most " + maxSubscriptions + " subscriptions: " + filter);
        codes.add(version.isV5() ? SubackReasonCode.QUOTA_EXCEEDED
            : SubackReasonCode.UNSPECIFIED_ERROR);
        continue;
      }
      sub = granted(sub);
      StoredSubscription stored = new StoredSubscription(sub, subscriptionId);
      boolean isNew = broker.router().subscribe(s, stored);
      if (isNew) {
        held++;
      }
      codes.add(SubackReasonCode.of(sub.qos().value()));
      if (shared) {
        continue; // MQTT 5 §4.8.2: no retained messages are sent to a shared subscription
      }
      switch (sub.retainHandling()) {
        case SEND_ON_SUBSCRIBE -> sendRetained.add(stored);
        case SEND_IF_NEW_SUBSCRIPTION -> {
          if (isNew) {
            sendRetained.add(stored);
          }
        }
        case DO_NOT_SEND -> { }
      }
    }
    // MQTT-3.8.4-1: SUBACK with the same packet identifier, one return code per filter
    // (MQTT-3.8.4-5); the granted QoS is the QoS asked for, at most mqtt.maximum-qos.
    // One Reason String for the packet, naming each refused filter (MQTT 5 §3.9.2.1.2).
    MqttPacket suback = problems.suback(subscribe.packetId(), codes,
        refusals.isEmpty() ? null : String.join("; ", refusals));
    whenDurable(s, () -> {
      ctx().write(suback);
      ctx().flush();
      long now = broker.clock().millis();
      for (StoredSubscription sub : sendRetained) {
        // MQTT-3.3.1-6 (3.1.1): retained messages go to a new subscription with RETAIN set, and
        // with its Subscription Identifier (MQTT-3.3.4-3); an expired one no longer is the
        // topic's retained message (MQTT 5 §3.3.1.3), and one that expires before the session
        // sends it is dropped there (MQTT-3.3.2-5).
        // The ACL's read rules hold for retained messages as for the others.
        broker.retained().forEachMatching(sub.topicFilter(), now, r -> {
          if (authorizer.mayReceive(clientId, userName, r.message().topic())) {
            s.deliver(SubscriptionRouter.retainedFor(r.message(), sub), r.expiresAt());
          } else {
            broker.metrics().aclDenied("deliver");
          }
        });
      }
    });
  }

  /**
   * Runs {@code answer} once the session's subscription changes are durable: at once in memory
   * or for a session that ends with its connection (nothing of it is stored), after the store's
   * writes so far otherwise, so that a SUBACK or UNSUBACK never tells the client of a change a
   * crash could still undo. A failed write closes the connection without the answer.
   */
  private void whenDurable(Session s, Runnable answer) {
    if (!broker.storage().isDurable() || !s.isPersistent()) {
      answer.run();
      return;
    }
    EventLoop loop = ctx().channel().eventLoop();
    broker.storage().afterWrites(failure -> loop.execute(() -> {
      if (state != State.CONNECTED) {
        return;
      }
      if (failure != null) {
        storageFailed(failure);
        return;
      }
      answer.run();
      ctx().flush();
    }));
  }

  /**
   * The subscription as granted: its QoS at most mqtt.maximum-qos. A server that does not support
   * a QoS still accepts SUBSCRIBE asking for it (MQTT-3.2.2-10) and grants less (MQTT-3.8.4-7 in
   * 5.0; §3.8.4 in 3.1.1, where messages then go at the granted QoS, MQTT-3.8.4-6).
   */
  private Subscription granted(Subscription sub) {
    if (sub.qos().value() <= features.maximumQos()) {
      return sub;
    }
    return new Subscription(sub.topicFilter(), MqttQos.of(features.maximumQos()), sub.noLocal(),
        sub.retainAsPublished(), sub.retainHandling());
  }

  private void onUnsubscribe(Unsubscribe unsubscribe) {
    Session s = session();
    List<UnsubackReasonCode> codes = new ArrayList<>(unsubscribe.topicFilters().size());
    List<String> refusals = new ArrayList<>(0); // for the UNSUBACK's Reason String
    for (String filter : unsubscribe.topicFilters()) {
      TopicProblem problem = version.isV5() ? Topics.validateTopicFilter(filter, 0) : null;
      if (problem != null) {
        // MQTT 5 §3.11.3: 0x8F for a filter no subscription can have; 3.x has no code to say it,
        // and the filter simply matches no subscription.
        String reason = "invalid topic filter '" + filter + "': " + problem;
        LOG.debug("client {} ({}): {}", clientId, peer(), reason);
        refusals.add(reason);
        codes.add(UnsubackReasonCode.TOPIC_FILTER_INVALID);
        continue;
      }
      boolean existed = broker.router().unsubscribe(s, filter);
      codes.add(existed ? UnsubackReasonCode.SUCCESS : UnsubackReasonCode.NO_SUBSCRIPTION_EXISTED);
    }
    // MQTT-3.10.4-4: UNSUBACK even when nothing was removed.
    MqttPacket unsuback = problems.unsuback(unsubscribe.packetId(), codes,
        refusals.isEmpty() ? null : String.join("; ", refusals));
    whenDurable(s, () -> ctx().write(unsuback));
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
        // MQTT 5 §3.14.2.2.2: the client may change it on DISCONNECT, within the broker's bound.
        s.expiryInterval(Math.min(expiry, broker.config().sessions().maxExpiryInterval()));
      }
    }
    // MQTT-3.14.4-3: only a DISCONNECT with 0x00 (Normal disconnection; the only one 3.x has)
    // discards the will. In 5.0 the will is published after 0x04 (Disconnect with Will Message)
    // and after a client's error codes (0x80 and up) too: MQTT-3.1.2-8 deletes it on 0x00 alone.
    willDiscarded =
        disconnect.reasonCode() == DisconnectReasonCode.NORMAL_DISCONNECTION;
    cause = DisconnectCause.CLIENT_DISCONNECT;
    state = State.CLOSED;
    releaseSession(true);
    ctx().close();
  }

  private void onAuth(Auth auth) {
    AuthenticationFlow flow = authentication;
    if (flow == null) {
      // MQTT-4.12.0-7: no AUTH from a client whose CONNECT named no Authentication Method.
      LOG.info("client {} ({}) sent AUTH without enhanced authentication in CONNECT"
          + " (MQTT-4.12.0-7) — DISCONNECT 0x82", clientId, peer());
      disconnect(DisconnectCause.PROTOCOL_ERROR, DisconnectReasonCode.PROTOCOL_ERROR, null);
      return;
    }
    flow.receive(auth); // §4.12.1: re-authentication, checked and driven by the flow
  }

  // ---- failures, timeouts, the one disconnect path ----

  private void onDecodeFailure(DecodeFailure f) {
    String who = clientId.equals("?") ? "a new client" : "client " + clientId;
    LOG.info("{} ({}) sent bad input, closing: {}", who, peer(), f);
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
                + " (limit {} ms)", clientId, peer(), keepAliveEffective,
            t.silenceMillis(), t.limitMillis());
        disconnectLogged(DisconnectCause.KEEP_ALIVE_TIMEOUT,
            DisconnectReasonCode.KEEP_ALIVE_TIMEOUT, "keep-alive timeout: nothing received for "
                + t.silenceMillis() + " ms, keep alive " + keepAliveEffective + " s");
      } else {
        LOG.info("client {} ({}) too slow: one packet took more than {} ms to arrive"
            + " (keep-alive.max-packet-arrival)", clientId, peer(), t.limitMillis());
        disconnectLogged(DisconnectCause.SLOW_PACKET, DisconnectReasonCode.KEEP_ALIVE_TIMEOUT,
            "one packet took more than " + t.limitMillis() + " ms to arrive");
      }
    } else if (evt == ConnectTimeoutHandler.CONNECT_TIMEOUT) {
      AuthenticationFlow flow = authentication;
      if (flow != null && state == State.AUTHENTICATING) {
        flow.connectTimedOut(); // logged and counted there
      } else if (state == State.CONNECTING && session == null && claimedSession == null) {
        LOG.info("client {} ({}): no verdict on its user name and password within the connect"
            + " timeout {}; closing", clientId, peer(),
            listener.keepAlive().connectTimeout());
      } else {
        LOG.debug("{} sent no CONNECT within {}; closing", peer(),
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
   * with the reason code when the connection is established, and closes. Pass {@code detail} to
   * have it logged here at DEBUG; it is also the DISCONNECT's Reason String (MQTT 5 §3.14.2.2.3),
   * left out if it would exceed the client's Maximum Packet Size (MQTT-3.14.2-3).
   */
  void disconnect(DisconnectCause why, DisconnectReasonCode code, @Nullable String detail) {
    disconnect(why, code, Properties.EMPTY, detail);
  }

  /**
   * {@link #disconnect(DisconnectCause, DisconnectReasonCode, String)} with DISCONNECT properties
   * (such as a Server Reference); they are left out if they would make the DISCONNECT larger than
   * the client's Maximum Packet Size (MQTT-3.1.2-24), the reason code is always sent.
   */
  void disconnect(DisconnectCause why, DisconnectReasonCode code, Properties properties,
      @Nullable String detail) {
    if (state == State.CLOSED) {
      return;
    }
    if (detail != null) {
      LOG.debug("client {} ({}) disconnected ({}): {}", clientId, peer(), why.tag(),
          detail);
    }
    disconnectLogged(why, code, properties, detail);
  }

  /**
   * {@link #disconnect}, for a cause the caller has logged already: {@code reason} becomes the
   * DISCONNECT's Reason String without another log line.
   */
  private void disconnectLogged(DisconnectCause why, DisconnectReasonCode code,
      @Nullable String reason) {
    disconnectLogged(why, code, Properties.EMPTY, reason);
  }

  /**
   * {@link #disconnectLogged(DisconnectCause, DisconnectReasonCode, String)} with DISCONNECT
   * properties (such as a Server Reference): the Reason String is left out first, then the
   * properties, if the DISCONNECT would exceed the client's Maximum Packet Size (MQTT-3.1.2-24).
   */
  private void disconnectLogged(DisconnectCause why, DisconnectReasonCode code,
      Properties properties, @Nullable String reason) {
    if (state == State.CLOSED) {
      return;
    }
    boolean established = state == State.CONNECTED;
    cause = why;
    state = State.CLOSED;
    if (established && version.isV5()) {
      ctx().writeAndFlush(problems.disconnect(code, properties, reason))
          .addListener(ChannelFutureListener.CLOSE);
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
      LOG.debug("client {} ({}) taken over by a new connection", clientId, peer());
      disconnectLogged(DisconnectCause.TAKEOVER, DisconnectReasonCode.SESSION_TAKEN_OVER,
          "another connection with client identifier " + clientId + " took the session over");
    });
  }

  /**
   * Ends the connection because the broker is stopping: MQTT 5 clients get DISCONNECT 0x8B, or,
   * with mqtt.server-reference set, 0x9C Use another server (0x9D Server moved with
   * mqtt.server-moved) and the reference in Server Reference (§4.11). Any thread.
   */
  public void shutdown() {
    ChannelHandlerContext c = ctx;
    if (c == null) {
      return;
    }
    String reference = features.serverReference();
    DisconnectReasonCode code;
    Properties props;
    if (reference.isEmpty()) {
      code = DisconnectReasonCode.SERVER_SHUTTING_DOWN;
      props = Properties.EMPTY;
    } else {
      code = features.serverMoved()
          ? DisconnectReasonCode.SERVER_MOVED : DisconnectReasonCode.USE_ANOTHER_SERVER;
      props = Properties.builder().serverReference(reference).build();
    }
    c.channel().eventLoop().execute(() -> disconnectLogged(DisconnectCause.SERVER_SHUTDOWN, code,
        props, "the server is shutting down"));
  }

  /**
   * Ends the connection at an administrator's request: MQTT 5 clients get DISCONNECT 0x98
   * Administrative action, MQTT 3.x clients are closed. As for every server-side disconnect the
   * will is published (with its delay, in MQTT 5) and the session is kept or ended as its expiry
   * says. Any thread; returns false when the connection is already closing.
   */
  public boolean disconnectByAdministrator() {
    ChannelHandlerContext c = ctx;
    if (c == null || !c.channel().isActive()) {
      return false;
    }
    c.channel().eventLoop().execute(() -> {
      if (state != State.CLOSED) {
        LOG.info("client {} ({}) disconnected by an administrator", clientId, peer());
      }
      disconnect(DisconnectCause.ADMINISTRATIVE, DisconnectReasonCode.ADMINISTRATIVE_ACTION, null);
    });
    return true;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable error) {
    if (error instanceof IOException) {
      LOG.debug("client {} ({}): network error: {}", clientId, peer(), error.toString());
    } else {
      LOG.warn("client {} ({}): unexpected error, closing", clientId, peer(), error);
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
    heldBackBy.clear();
    ScheduledFuture<?> holdBack = holdBackTimer;
    holdBackTimer = null;
    if (holdBack != null) {
      holdBack.cancel(false);
    }
    if (holdsConnectionPlace) {
      holdsConnectionPlace = false;
      broker.connectionLimit().release();
    }
    if (holdsListenerPlace) {
      holdsListenerPlace = false;
      ConnectionLimit ownLimit = broker.listenerConnectionLimit(listener);
      if (ownLimit != null) {
        ownLimit.release();
      }
    }
    ScheduledFuture<?> refill = publishRefillTimer;
    publishRefillTimer = null;
    if (refill != null) {
      refill.cancel(false);
    }
    DisconnectCause why = cause == null ? DisconnectCause.NETWORK : cause;
    broker.metrics().disconnected(why);
    if (wasConnected) {
      broker.metrics().connectionEnded();
    }
    releaseSession(wasConnected);
    if (wasConnected) {
      LOG.debug("client {} ({}) connection closed ({})", clientId, peer(), why.tag());
    }
    pendingWhileConnecting.clear();
    AuthenticationFlow flow = authentication;
    if (flow != null) {
      flow.connectionClosed(); // an exchange still running is abandoned
    }
    super.channelInactive(ctx);
  }

  /**
   * Publishes or schedules the will and releases the session: once per connection, when a
   * DISCONNECT is handled (before the channel closes, so that a client reconnecting as soon as it
   * sees the close finds the session already released) or when the channel has closed.
   */
  private void releaseSession(boolean wasConnected) {
    if (sessionReleased) {
      return;
    }
    sessionReleased = true;
    Session s = claimedSession;
    PendingWills.Pending pendingWill = null;
    if (wasConnected) {
      Will w = will;
      if (w != null && !willDiscarded) {
        long delay = version.isV5() ? PendingWills.delay(w) : 0;
        if (delay == 0 || s == null) {
          broker.wills().publishNow(clientId, w); // MQTT-3.1.2-8: the connection ended abnormally
        } else {
          // MQTT-3.1.2-8 (5.0): after the will delay or at the session's end, whichever is first.
          // Held before the session is released, so that a CONNECT claiming it from now on finds
          // the will to cancel.
          pendingWill = broker.wills().schedule(clientId, s, w, delay,
              ctx().channel().eventLoop());
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
  }

  // ---- Publisher: flow control from subscribers behind ----

  @Override
  public void holdBackFor(Session slow) {
    if (state != State.CONNECTED && state != State.CONNECTING) {
      return;
    }
    if (heldBackBy.isEmpty()) {
      // Stop after this packet: what the client sent waits in the decoder and the socket, and
      // its TCP window closes once those are full. The keep-alive handler counts no silence
      // while reading is off.
      decoder().pause();
      ctx().channel().config().setAutoRead(false);
      broker.metrics().publisherHeldBack();
      Duration timeout = broker.config().sessions().slowSubscriberTimeout();
      holdBackTimer = ctx().executor().schedule(this::holdBackTimedOut, timeout.toNanos(),
          TimeUnit.NANOSECONDS);
      LOG.debug("client {} ({}): held back, subscriber {} is behind", clientId, peer(),
          slow.clientId());
    }
    if (!heldBackBy.contains(slow)) {
      heldBackBy.add(slow);
      slow.holdBack(this); // may resume at once, if it has caught up meanwhile
    }
  }

  @Override
  public void resume(Session caughtUp) {
    // Always as a task of its own, even on this connection's thread: a session releases its
    // publishers while another connection is routing (from Session.holdBack), and decoding this
    // connection's buffered packets inside that would nest one PUBLISH's handling in another's.
    ctx().channel().eventLoop().execute(() -> caughtUp(caughtUp));
  }

  private void caughtUp(Session s) {
    if (heldBackBy.remove(s) && heldBackBy.isEmpty()) {
      resumeReading();
    }
  }

  /**
   * No subscriber caught up within sessions.slow-subscriber-timeout: they stop holding anybody
   * back (what exceeds their queues is dropped) and this connection reads again.
   */
  private void holdBackTimedOut() {
    holdBackTimer = null;
    for (Session s : new ArrayList<>(heldBackBy)) {
      s.overrun();
    }
    if (!heldBackBy.isEmpty()) {
      resumeReading();
    }
  }

  private void resumeReading() {
    heldBackBy.clear();
    ScheduledFuture<?> t = holdBackTimer;
    holdBackTimer = null;
    if (t != null) {
      t.cancel(false);
    }
    if (state != State.CONNECTED) {
      return; // closed meanwhile; or still connecting, and sessionReady turns reading on
    }
    if (rateLimited) {
      return; // the publish rate still holds it: publishTokensBack turns reading on
    }
    ctx().channel().config().setAutoRead(true);
    // The packets that came after the one held back, already buffered: they go on now (and
    // may be held back again).
    decoder().resume(ctx().pipeline().context(PipelineNames.DECODER));
  }

  // ---- limits.publish-rate-per-client ----

  /**
   * Takes a token for the PUBLISH just handled. When none is left for the next one, reading stops
   * as for a hold-back (what the client sent stays in the decoder and the socket, and TCP pushes
   * back on it) until the rate has given a token back. Throttling rather than MQTT 5's DISCONNECT
   * 0x96 Message rate too high: nothing is refused or lost, and a client with a burst to send is
   * merely slowed.
   */
  private void publishRateCheck() {
    TokenBucket bucket = publishTokens;
    if (bucket == null || state != State.CONNECTED) {
      return;
    }
    long wait = bucket.take(ctx().executor().ticker().nanoTime());
    if (wait == 0 || rateLimited) {
      return;
    }
    rateLimited = true;
    decoder().pause();
    ctx().channel().config().setAutoRead(false);
    broker.publishRateExceeded(clientId, remoteAddress());
    LOG.debug("client {} ({}): beyond limits.publish-rate-per-client, not read for {} ms",
        clientId, peer(), TimeUnit.NANOSECONDS.toMillis(wait));
    publishRefillTimer = ctx().executor().schedule(this::publishTokensBack, wait,
        TimeUnit.NANOSECONDS);
  }

  private void publishTokensBack() {
    publishRefillTimer = null;
    rateLimited = false;
    if (state != State.CONNECTED || !heldBackBy.isEmpty()) {
      return; // closed; or held back by a subscriber behind, whose resume turns reading on
    }
    ctx().channel().config().setAutoRead(true);
    decoder().resume(ctx().pipeline().context(PipelineNames.DECODER));
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    Session s = session;
    if (s != null && ctx.channel().isWritable()) {
      s.execute(s::writable); // what waited for the buffer to drain goes on
    }
    super.channelWritabilityChanged(ctx);
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
   * an alias is only used when the result still is. For a persistent session kept on disk, a QoS
   * 2 PUBLISH or a PUBREL waits until the state change that goes with it is durable ({@link
   * DurableSends}), and what follows waits behind it.
   */
  @Override
  public void write(MqttPacket packet) {
    MqttPacket out = packet;
    OutboundTopicAliases aliases = outboundAliases;
    if (aliases != null && packet instanceof Publish p) {
      out = aliases.apply(p, this::fits);
    }
    Session s = session;
    boolean afterDurable = s != null && s.state().isDurable()
        && (packet instanceof Pubrel
            || packet instanceof Publish p && p.qos() == MqttQos.EXACTLY_ONCE);
    sends().write(out, afterDurable);
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
    return peer().toString();
  }

  /**
   * The client's address for a log line: the channel's own (Netty keeps it), so that a message
   * not logged at its level costs no text.
   */
  private Object peer() {
    ChannelHandlerContext c = ctx;
    SocketAddress a = c == null ? null : c.channel().remoteAddress();
    return a == null ? "?" : a;
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

  /**
   * Why the connection ended or is ending, once known: null while it is open, and when it closed
   * without a cause recorded (the network: {@link DisconnectCause#NETWORK}).
   */
  public @Nullable DisconnectCause disconnectCause() {
    return cause;
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

  private DurableSends sends() {
    DurableSends d = sends;
    if (d == null) {
      throw new IllegalStateException("not in a pipeline");
    }
    return d;
  }

  private DurableAcks acks() {
    DurableAcks a = acks;
    if (a == null) {
      throw new IllegalStateException("not in a pipeline");
    }
    return a;
  }

  private MqttEncoder encoder() {
    return (MqttEncoder) ctx().pipeline().get(PipelineNames.ENCODER);
  }

  private MqttDecoder decoder() {
    return (MqttDecoder) ctx().pipeline().get(PipelineNames.DECODER);
  }
}
