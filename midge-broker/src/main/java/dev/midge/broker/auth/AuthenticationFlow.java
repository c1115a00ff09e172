package dev.midge.broker.auth;

import dev.midge.broker.metrics.BrokerMetrics;
import dev.midge.codec.MqttPacketType;
import dev.midge.codec.packet.Auth;
import dev.midge.codec.packet.MqttPacket;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.AuthReasonCode;
import dev.midge.codec.reason.ConnackReasonCode;
import dev.midge.codec.reason.DisconnectReasonCode;
import dev.midge.codec.reason.PacketReasonCode;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's enhanced authentication (MQTT 5 §4.12): the exchange its CONNECT starts, and
 * every re-authentication the client starts after CONNACK (§4.12.1). It checks the client's AUTH
 * packets against the protocol's rules, drives the mechanism's {@link AuthenticationExchange}
 * (taking results that complete on other threads back to the event loop), bounds
 * re-authentications in time, and logs (INFO, with the client id, address and method; never the
 * Authentication Data) and counts every failure. The connection turns what it reports into
 * packets through a {@link Listener}.
 *
 * <p>Rules enforced here, each a protocol error (reason code 0x82) when broken:
 *
 * <ul>
 *   <li>every AUTH carries the Authentication Method (§3.15.2.2.2), the one of the CONNECT
 *       (MQTT-4.12.0-5, MQTT-4.12.1-1);
 *   <li>the client answers the server's AUTH 0x18 with AUTH 0x18 (MQTT-4.12.0-3), and sends no AUTH
 *       0x18 the server has not asked for;
 *   <li>after CONNACK, an exchange starts with AUTH 0x19 (§4.12.1), never while one is running;
 *   <li>before CONNACK, a client authenticating sends only AUTH or DISCONNECT (MQTT-3.1.2-30).
 * </ul>
 *
 * <p>The first exchange is bounded by the listener's connect timeout, whose handler stays in the
 * pipeline until CONNACK; a re-authentication by the same duration from its AUTH 0x19, timed
 * here.
 *
 * <p>Per connection, not thread-safe: every method is called on the connection's event loop, and
 * calls its {@link Listener} there.
 */
public final class AuthenticationFlow {
  private static final Logger LOG = LoggerFactory.getLogger(AuthenticationFlow.class);

  /** Outcome tags of {@link BrokerMetrics#authentication}. */
  static final String SUCCESS = "success";
  static final String REJECTED = "rejected";
  static final String PROTOCOL_ERROR = "protocol-error";
  static final String TIMEOUT = "timeout";
  static final String ERROR = "error";

  /** What the flow needs of its connection. Called on the connection's event loop only. */
  public interface Listener {
    /** Whether the client takes this packet within its Maximum Packet Size (MQTT-3.1.2-24). */
    boolean fits(MqttPacket packet);

    /** Sends an AUTH packet and flushes it. */
    void send(Auth auth);

    /**
     * The exchange of the CONNECT succeeded: set the session up and send CONNACK 0x00 with the
     * Authentication Method and this data (MQTT-4.12.0-5).
     */
    void authenticated(byte @Nullable [] authenticationData);

    /**
     * An exchange failed or the client broke a rule: before CONNACK, send CONNACK with {@link
     * Rejection#connackCode()} (MQTT-4.12.0-4); after, DISCONNECT with {@link
     * Rejection#disconnectCode()} (MQTT-4.12.1-2); then close. Already logged and counted.
     */
    void rejected(Rejection rejection);
  }

  /**
   * Why an exchange ended without success, in the codes of both packets that may say so.
   *
   * @param reasonString for the client (the mechanism's), or null
   * @param protocolError whether the client broke the protocol, rather than failed to authenticate
   */
  public record Rejection(
      ConnackReasonCode connackCode,
      DisconnectReasonCode disconnectCode,
      @Nullable String reasonString,
      boolean protocolError) {}

  private enum Phase {
    /** The exchange of the CONNECT runs; no CONNACK yet. */
    AUTHENTICATING,
    /** Authenticated; no exchange runs. */
    AUTHENTICATED,
    /** A re-authentication runs. */
    REAUTHENTICATING,
    /** Failed, or the connection closed. */
    ENDED
  }

  private final AuthenticationMechanism mechanism;
  private final AuthenticationContext connectContext;
  private final Listener listener;
  private final EventExecutor loop;
  private final BrokerMetrics metrics;
  private final Duration reauthenticationTimeout;

  private Phase phase = Phase.AUTHENTICATING;
  private @Nullable AuthenticationExchange exchange;
  /** Numbers the steps, so that the result of a step of an exchange that ended is ignored. */
  private long stepNumber;
  private boolean stepPending;
  /** The server sent AUTH 0x18 and waits for the client's answer. */
  private boolean awaitingClient;
  private @Nullable String identity;
  private @Nullable ScheduledFuture<?> timer;
  /** Numbers the re-authentications, so that the timer of one that ended does nothing. */
  private long reauthentications;

  /**
   * @param mechanism serves the Authentication Method of {@code context}
   * @param context the connection, as the first exchange sees it (not a re-authentication)
   * @param loop the connection's event loop
   * @param reauthenticationTimeout how long a re-authentication may take, from its AUTH 0x19
   */
  public AuthenticationFlow(AuthenticationMechanism mechanism, AuthenticationContext context,
      Listener listener, EventExecutor loop, BrokerMetrics metrics,
      Duration reauthenticationTimeout) {
    this.mechanism = Objects.requireNonNull(mechanism, "mechanism");
    this.connectContext = Objects.requireNonNull(context, "context");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.loop = Objects.requireNonNull(loop, "loop");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.reauthenticationTimeout = reauthenticationTimeout;
  }

  /** The Authentication Method of the CONNECT. */
  public String method() {
    return connectContext.method();
  }

  /** The identity the last successful exchange reported, or null. */
  public @Nullable String identity() {
    return identity;
  }

  /** Whether the client has been authenticated (a re-authentication may be running). */
  public boolean isAuthenticated() {
    return phase == Phase.AUTHENTICATED || phase == Phase.REAUTHENTICATING;
  }

  /** Starts the exchange of the CONNECT with its Authentication Data. Once. */
  public void start(byte @Nullable [] authenticationData) {
    assert loop.inEventLoop();
    if (phase != Phase.AUTHENTICATING || exchange != null) {
      throw new IllegalStateException("started already");
    }
    if (begin(connectContext)) {
      step(authenticationData);
    }
  }

  /** An AUTH packet from the client. */
  public void receive(Auth auth) {
    assert loop.inEventLoop();
    if (phase == Phase.ENDED) {
      return;
    }
    String method = auth.properties().authenticationMethod();
    if (method == null) {
      violation("§3.15.2.2.2: AUTH " + hex(auth.reasonCode())
          + " without an Authentication Method");
      return;
    }
    if (!method.equals(method())) {
      violation((phase == Phase.AUTHENTICATING ? "MQTT-4.12.0-5" : "MQTT-4.12.1-1")
          + ": AUTH with Authentication Method '" + method + "', not '" + method()
          + "' as in CONNECT");
      return;
    }
    byte[] data = auth.properties().authenticationData();
    switch (phase) {
      case AUTHENTICATING, REAUTHENTICATING -> {
        if (!awaitingClient) {
          violation("AUTH " + hex(auth.reasonCode())
              + " before the server's AUTH 0x18: the client only answers the server (§4.12)");
        } else if (auth.reasonCode() == AuthReasonCode.RE_AUTHENTICATE
            && phase == Phase.REAUTHENTICATING) {
          violation("§4.12.1: AUTH 0x19 while a re-authentication runs");
        } else if (auth.reasonCode() != AuthReasonCode.CONTINUE_AUTHENTICATION) {
          violation("MQTT-4.12.0-3: the client answers AUTH 0x18 with AUTH 0x18, not "
              + hex(auth.reasonCode()));
        } else {
          awaitingClient = false;
          step(data);
        }
      }
      case AUTHENTICATED -> {
        if (auth.reasonCode() != AuthReasonCode.RE_AUTHENTICATE) {
          violation("§4.12.1: AUTH " + hex(auth.reasonCode())
              + " with no exchange running; a re-authentication starts with AUTH 0x19");
          return;
        }
        phase = Phase.REAUTHENTICATING;
        AuthenticationContext c = connectContext;
        if (begin(new AuthenticationContext(c.method(), c.clientId(), c.remoteAddress(),
            c.userName(), c.password(), true, identity))) {
          long number = ++reauthentications;
          timer = loop.schedule(() -> reauthenticationTimedOut(number),
              reauthenticationTimeout.toNanos(), TimeUnit.NANOSECONDS);
          step(data);
        }
      }
      case ENDED -> { }
    }
  }

  /**
   * A packet other than AUTH or DISCONNECT arrived before CONNACK: a protocol error
   * (MQTT-3.1.2-30).
   */
  public void unexpectedPacket(MqttPacketType type) {
    assert loop.inEventLoop();
    if (phase != Phase.ENDED) {
      violation("MQTT-3.1.2-30: " + type + " before CONNACK; a client authenticating sends only"
          + " AUTH or DISCONNECT until then");
    }
  }

  /**
   * The connect timeout passed before the exchange of the CONNECT ended: logged and counted; the
   * connection closes without telling the listener.
   */
  public void connectTimedOut() {
    assert loop.inEventLoop();
    if (phase == Phase.AUTHENTICATING) {
      failQuietly(TIMEOUT, "not complete within the connect timeout");
    }
  }

  /** The connection closed: an exchange still running is abandoned. Safe to call more than once. */
  public void connectionClosed() {
    assert loop.inEventLoop();
    if (phase == Phase.AUTHENTICATING || phase == Phase.REAUTHENTICATING) {
      LOG.debug("client {} ({}): connection closed during {} (method {})",
          connectContext.clientId(), connectContext.remoteAddress(), what(), method());
    }
    AuthenticationExchange ex = exchange;
    end();
    if (ex != null) {
      abandon(ex);
    }
  }

  // ---- steps ----

  private boolean begin(AuthenticationContext context) {
    try {
      exchange = Objects.requireNonNull(mechanism.begin(context),
          "AuthenticationMechanism.begin returned null");
      return true;
    } catch (RuntimeException e) {
      fault(e);
      return false;
    }
  }

  private void step(byte @Nullable [] data) {
    AuthenticationExchange ex = Objects.requireNonNull(exchange);
    long number = ++stepNumber;
    stepPending = true;
    CompletionStage<AuthenticationResult> stage;
    try {
      stage = ex.step(data);
      if (stage == null) {
        stage = CompletableFuture.failedFuture(
            new NullPointerException("AuthenticationExchange.step returned null"));
      }
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedFuture(e);
    }
    // A stage already complete runs this at once, here on the event loop.
    stage.whenComplete((result, error) -> {
      if (loop.inEventLoop()) {
        completed(number, result, error);
      } else {
        try {
          loop.execute(() -> completed(number, result, error));
        } catch (RejectedExecutionException shuttingDown) {
          // The broker is stopping and the connection with it.
        }
      }
    });
  }

  private void completed(long number, @Nullable AuthenticationResult result,
      @Nullable Throwable error) {
    if (number != stepNumber || !stepPending || phase == Phase.ENDED) {
      return; // the exchange ended meanwhile
    }
    stepPending = false;
    if (error != null) {
      fault(unwrap(error));
    } else if (result instanceof AuthenticationResult.Continue c) {
      challenge(c);
    } else if (result instanceof AuthenticationResult.Success s) {
      succeeded(s);
    } else if (result instanceof AuthenticationResult.Failure f) {
      fail(REJECTED, f.reasonCode(), f.disconnectReasonCode(), f.reasonString(),
          "refused by the mechanism" + (f.reasonString() == null ? "" : ": " + f.reasonString()),
          false);
    } else {
      fault(new NullPointerException("the stage of AuthenticationExchange.step completed with"
          + " null"));
    }
  }

  private void challenge(AuthenticationResult.Continue c) {
    Auth auth =
        new Auth(AuthReasonCode.CONTINUE_AUTHENTICATION, properties(c.authenticationData()));
    if (!listener.fits(auth)) {
      tooLarge(c.authenticationData());
      return;
    }
    awaitingClient = true;
    listener.send(auth); // MQTT-4.12.0-2: 0x18, MQTT-4.12.0-5: with the method
  }

  private void succeeded(AuthenticationResult.Success s) {
    boolean reauthentication = phase == Phase.REAUTHENTICATING;
    if (reauthentication && !Objects.equals(s.identity(), identity)) {
      // §4.12.1, non-normative: a server may refuse changes in a re-authentication. Midge refuses
      // a change of identity: the session and what the client did were the earlier identity's.
      fail(REJECTED, ConnackReasonCode.NOT_AUTHORIZED, DisconnectReasonCode.NOT_AUTHORIZED, null,
          "re-authenticated as '" + s.identity() + "', was '" + identity + "'", false);
      return;
    }
    // A re-authentication ends with AUTH 0x00; the first exchange with CONNACK, which carries the
    // same two properties and more: an AUTH that does not fit means the CONNACK would not either.
    Auth auth = new Auth(AuthReasonCode.SUCCESS, properties(s.authenticationData()));
    if (!listener.fits(auth)) {
      tooLarge(s.authenticationData());
      return;
    }
    cancelTimer();
    exchange = null;
    identity = s.identity();
    phase = Phase.AUTHENTICATED;
    metrics.authentication(method(), reauthentication, SUCCESS);
    LOG.debug("client {} ({}) {} succeeded (method {}, identity {})", connectContext.clientId(),
        connectContext.remoteAddress(), reauthentication ? "re-authentication" : "authentication",
        method(), identity);
    if (reauthentication) {
      listener.send(auth); // §4.12.1: AUTH 0x00 ends a re-authentication
    } else {
      listener.authenticated(s.authenticationData());
    }
  }

  private void tooLarge(byte @Nullable [] data) {
    fail(ERROR, ConnackReasonCode.UNSPECIFIED_ERROR, DisconnectReasonCode.UNSPECIFIED_ERROR, null,
        "MQTT-3.1.2-24: Authentication Data of " + (data == null ? 0 : data.length)
            + " bytes makes a packet larger than the client's Maximum Packet Size", true);
  }

  private void reauthenticationTimedOut(long number) {
    if (phase == Phase.REAUTHENTICATING && reauthentications == number) {
      timer = null;
      fail(TIMEOUT, ConnackReasonCode.NOT_AUTHORIZED, DisconnectReasonCode.NOT_AUTHORIZED, null,
          "not complete within " + reauthenticationTimeout.toMillis() + " ms", true);
    }
  }

  // ---- failures ----

  private void violation(String detail) {
    fail(PROTOCOL_ERROR, ConnackReasonCode.PROTOCOL_ERROR, DisconnectReasonCode.PROTOCOL_ERROR,
        null, detail, true);
  }

  private void fault(Throwable error) {
    LOG.warn("client {} ({}): the authentication mechanism for method {} failed",
        connectContext.clientId(), connectContext.remoteAddress(), method(), error);
    fail(ERROR, ConnackReasonCode.UNSPECIFIED_ERROR, DisconnectReasonCode.UNSPECIFIED_ERROR, null,
        "the mechanism failed: " + error, true);
  }

  private void fail(String outcome, ConnackReasonCode connackCode,
      DisconnectReasonCode disconnectCode, @Nullable String reasonString, String detail,
      boolean abandonExchange) {
    boolean afterConnack = phase != Phase.AUTHENTICATING;
    log(outcome, detail, afterConnack
        ? "DISCONNECT " + hex(disconnectCode) : "CONNACK " + hex(connackCode));
    endAndCount(outcome, afterConnack, abandonExchange);
    listener.rejected(new Rejection(connackCode, disconnectCode, reasonString,
        outcome.equals(PROTOCOL_ERROR)));
  }

  private void failQuietly(String outcome, String detail) {
    log(outcome, detail, "closing");
    endAndCount(outcome, false, true);
  }

  private void log(String outcome, String detail, String consequence) {
    LOG.info("client {} ({}) {} failed (method {}, {}): {} — {}", connectContext.clientId(),
        connectContext.remoteAddress(), what(), method(), outcome, detail, consequence);
  }

  private void endAndCount(String outcome, boolean afterConnack, boolean abandonExchange) {
    AuthenticationExchange ex = exchange;
    end();
    if (abandonExchange && ex != null) {
      abandon(ex);
    }
    metrics.authentication(method(), afterConnack, outcome);
  }

  private void end() {
    phase = Phase.ENDED;
    exchange = null;
    stepPending = false;
    awaitingClient = false;
    cancelTimer();
  }

  private void abandon(AuthenticationExchange ex) {
    try {
      ex.abandon();
    } catch (RuntimeException e) {
      LOG.warn("client {} ({}): abandoning an exchange of the authentication mechanism for method"
          + " {} failed", connectContext.clientId(), connectContext.remoteAddress(), method(), e);
    }
  }

  private void cancelTimer() {
    ScheduledFuture<?> t = timer;
    if (t != null) {
      t.cancel(false);
      timer = null;
    }
  }

  private String what() {
    return phase == Phase.AUTHENTICATING ? "authentication" : "re-authentication";
  }

  private Properties properties(byte @Nullable [] data) {
    Properties.Builder b = Properties.builder().authenticationMethod(method());
    if (data != null) {
      b.authenticationData(data);
    }
    return b.build();
  }

  private static Throwable unwrap(Throwable error) {
    Throwable e = error;
    while ((e instanceof CompletionException || e instanceof ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  private static String hex(PacketReasonCode code) {
    return String.format("0x%02X", code.value());
  }
}
