package dev.midge.broker.session;

import dev.midge.broker.config.SessionConfig;
import dev.midge.broker.store.Storage;
import dev.midge.broker.store.WriteTicket;
import dev.midge.codec.MqttQos;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Pubrel;
import io.netty.util.concurrent.EventExecutor;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state the broker keeps for one client identifier: subscriptions, QoS 1 and 2 messages in
 * flight to the client, messages queued for it, and the packet identifiers of QoS 2 messages it
 * sent that await PUBREL.
 *
 * <p><b>Threading.</b> A session's mutable state is touched on one thread only, its owner: the
 * event loop of the connection it is attached to (or was last attached to). Work from other
 * threads is handed over with {@link #execute}, which runs the task at once when called on the
 * owner and queues it on the owner otherwise; when the session moves to a new connection's event
 * loop, tasks that find they run on the old one hand themselves on. No lock is taken per message.
 * Subscriptions are the exception: routing reads them on any thread.
 *
 * <p>The state itself lives in a {@link SessionState} from the broker's {@link SessionStore}
 * (in memory by default), so that a durable store can keep it; this class holds the logic.
 *
 * <p><b>Delivery</b> follows MQTT-4.3 and 4.4: QoS 0 messages go out at once when the client is
 * online and its connection keeps up, and are otherwise dropped (or queued, if configured, for an
 * offline persistent session); QoS 1 and 2 messages get a packet identifier and go out while fewer
 * than the in-flight maximum are unacknowledged, and wait in a bounded queue otherwise. On
 * reconnect, unacknowledged PUBLISH packets are sent again with DUP set and PUBREL packets again,
 * with their original identifiers, before anything queued (MQTT-4.4.0-1), so order per topic is
 * kept (MQTT-4.6.0).
 *
 * <p><b>Shared subscriptions.</b> A message routed by a shared subscription is queued and sent
 * like any other, remembering the subscription's filter; {@link #handOffShared} gives back the
 * ones another member of the group may deliver instead when this session leaves or goes offline.
 *
 * <p><b>Message expiry</b> (MQTT 5 §3.3.2.3.3): each message comes with its deadline (see {@link
 * MessageExpiry}). One whose deadline has come when the session is about to send it — at once, or
 * from the queue — is dropped for this client (MQTT-3.3.2-5) and counted as {@code expired}; one
 * that is sent carries the whole seconds it has left (MQTT-3.3.2-6). A message in flight has
 * started its onward delivery, so it is resent after a reconnect even once expired, with what it
 * has left (0 then). A full queue first sheds the expired messages at its head.
 *
 * <p><b>Flow control.</b> A connected client whose queue is more than half full (messages or
 * bytes) holds back the connections that publish to it ({@link Publisher}): they stop reading until
 * its queue is back under a quarter, so that a subscriber slower than its publishers slows them
 * down instead of losing messages. QoS 0 messages for a connection whose buffer is full wait in the
 * queue too. A subscriber still behind after {@code sessions.slow-subscriber-timeout} holds nobody
 * back until it has caught up, and what exceeds its queue is dropped; so does an offline one.
 */
public final class Session {
  private static final AtomicIntegerFieldUpdater<Session> INBOX =
      AtomicIntegerFieldUpdater.newUpdater(Session.class, "inbox");
  private static final AtomicIntegerFieldUpdater<Session> TAKE_IN_SCHEDULED =
      AtomicIntegerFieldUpdater.newUpdater(Session.class, "takeInScheduled");
  /** The Session Expiry Interval that means "never" (MQTT 5 §3.1.2.11.2): 0xFFFFFFFF seconds. */
  public static final long NEVER_EXPIRES = 0xFFFFFFFFL;

  private static final Logger LOG = LoggerFactory.getLogger(Session.class);

  /** Messages one {@link #takeIn} task takes in at most before it yields the event loop. */
  private static final int TAKE_IN_BUDGET = 1024;

  private final String clientId;
  private final SessionConfig config;
  private final SessionListener listener;
  private final AtomicReference<@Nullable Outbound> claimed = new AtomicReference<>();
  private final SessionState state;
  private final Storage storage;
  private final Clock clock;
  private volatile EventExecutor owner;
  /** Seconds the session outlives its connection: 0 none, {@link #NEVER_EXPIRES} forever. */
  private volatile long expiryInterval;
  /**
   * Which offline period this is: set by the registry when the session goes offline, 0 while a
   * connection holds it; an expiry timer only ends the period it was armed for.
   */
  private volatile long offlineEpoch;
  private volatile @Nullable ScheduledFuture<?> expiryTimer;
  private volatile boolean discarded;
  /** Whether publishers routing to this session are held back: it is behind. */
  private volatile boolean holdingBack;
  /** Whether a publisher gave up waiting: no holding back until the queue is under a quarter. */
  private volatile boolean overrun;
  /**
   * The publishers held back by this session, resumed once it has caught up: made the first time
   * one is (most sessions never hold anybody back, and each idle connection counts).
   */
  private volatile @Nullable Set<Publisher> heldBack;
  /**
   * Messages handed to the owner's thread and not yet taken in: with the queue, the backlog that
   * decides holding back. Counted when routed, so that publishers on other threads are held back
   * before the owner's task queue grows without bound.
   */
  private volatile int inbox; // through INBOX: a field, not an object, per session
  /** The messages routed here, in order, until the owner takes them in ({@link #takeIn}). */
  private final Queue<Delivery> deliveries = new ConcurrentLinkedQueue<>(); // small when idle
  /** Whether a {@link #takeIn} task is pending or running. */
  private volatile int takeInScheduled; // 0 or 1, through TAKE_IN_SCHEDULED
  /** The user name its last connection authenticated with; for the ACL's read checks. */
  private volatile @Nullable String userName;

  // ---- owner-only state ----
  private @Nullable Outbound connection;
  private int sendWindow;
  private int nextPacketId = 1;
  private long droppedInRow;
  /**
   * Packet identifiers of in-flight messages not yet sent again on this connection: the client's
   * Receive Maximum had no room for them when it resumed the session. In the order first sent.
   */
  private @Nullable LinkedHashSet<Integer> resendPending; // made when needed

  /**
   * @param clientId the client identifier
   * @param owner the event loop that owns the new session: that of the connection creating it
   * @param expiryInterval seconds the session outlives its connection: 0 (clean session 1, or no
   *     MQTT 5 Session Expiry Interval), n, or {@link #NEVER_EXPIRES} (clean session 0 in 3.x)
   * @param state where the session's subscriptions and messages live, from a {@link SessionStore}
   * @param storage the store {@code state} belongs to, for the write tickets of shared hand-offs
   * @param clock the broker's clock, against which messages' deadlines are checked
   */
  public Session(
      String clientId,
      EventExecutor owner,
      long expiryInterval,
      SessionConfig config,
      SessionListener listener,
      SessionState state,
      Storage storage,
      Clock clock) {
    this.clientId = clientId;
    this.state = state;
    this.storage = storage;
    this.clock = clock;
    this.owner = owner;
    this.expiryInterval = expiryInterval;
    this.config = config;
    this.listener = listener;
    this.sendWindow = config.maxInflightMessages();
  }

  public String clientId() {
    return clientId;
  }

  /**
   * The user name the session's last connection authenticated with, or null (anonymous, or a
   * session restored at start-up whose client has not connected since): who the ACL judges when
   * a message is routed to the session, online or offline.
   */
  public @Nullable String userName() {
    return userName;
  }

  /** Sets {@link #userName()}: by the connection claiming the session, before it attaches. */
  public void userName(@Nullable String name) {
    this.userName = name;
  }

  /** Whether the session outlives its connection: its expiry interval is not 0. */
  public boolean isPersistent() {
    return expiryInterval != 0;
  }

  /**
   * Seconds the session outlives its connection (MQTT 5 Session Expiry Interval): 0 for none,
   * {@link #NEVER_EXPIRES} for ever.
   */
  public long expiryInterval() {
    return expiryInterval;
  }

  /**
   * Changes the expiry interval: set from CONNECT when a connection claims the session, and by
   * the connection holding it when its DISCONNECT carries a new one (MQTT 5 §3.14.2.2.2). Read
   * when the connection ends. Any thread.
   */
  public void expiryInterval(long seconds) {
    if (seconds < 0 || seconds > NEVER_EXPIRES) {
      throw new IllegalArgumentException("session expiry interval out of range: " + seconds);
    }
    this.expiryInterval = seconds;
  }

  long offlineEpoch() {
    return offlineEpoch;
  }

  /** Set by the registry only, inside its atomic update of this client id. */
  void offlineEpoch(long epoch) {
    this.offlineEpoch = epoch;
  }

  /**
   * Runs {@code task} on the session's owner after {@code delay}: for the expiry timer, which
   * must run where the session lives. Any thread.
   */
  public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
    return owner.schedule(task, delay, unit);
  }

  /**
   * Keeps the expiry timer armed for the current offline period, so that a claim can cancel it;
   * cancels one it replaces. Any thread.
   */
  public void expiryTimer(ScheduledFuture<?> timer) {
    ScheduledFuture<?> old = expiryTimer;
    expiryTimer = timer;
    if (old != null && old != timer) {
      old.cancel(false);
    }
  }

  /** Cancels the expiry timer, if any: a connection claimed the session. Any thread. */
  void cancelExpiryTimer() {
    ScheduledFuture<?> t = expiryTimer;
    expiryTimer = null;
    if (t != null) {
      t.cancel(false);
    }
  }

  /** Whether the session has ended; a discarded session takes no more messages. */
  public boolean isDiscarded() {
    return discarded;
  }

  /** The connection that currently holds the session, or null when offline. Any thread. */
  public @Nullable Outbound claimedBy() {
    return claimed.get();
  }

  AtomicReference<@Nullable Outbound> claim() {
    return claimed;
  }

  /**
   * The event loop that owns the session's state now. Any thread; it changes only on the owner
   * itself, so code running on the returned loop that finds itself the owner stays the owner
   * until it returns.
   */
  public EventExecutor owner() {
    return owner;
  }

  /** Runs {@code task} on the session's owner: now if called there, else queued. Any thread. */
  public void execute(Runnable task) {
    EventExecutor o = owner;
    if (o.inEventLoop()) {
      task.run();
    } else {
      o.execute(() -> execute(task));
    }
  }

  // ---- subscriptions: any thread ----

  /**
   * Adds or replaces the subscription for a filter, options and Subscription Identifier together
   * (MQTT-3.8.4-3; MQTT 5 §3.8.2.1.2); returns the one replaced.
   */
  public @Nullable StoredSubscription subscribe(StoredSubscription subscription) {
    return state.putSubscription(subscription);
  }

  /** Removes the subscription for a filter; returns it, or null if there was none. */
  public @Nullable StoredSubscription unsubscribe(String topicFilter) {
    return state.removeSubscription(topicFilter);
  }

  /** The subscription for exactly this filter, as the client sent it, or null. */
  public @Nullable StoredSubscription subscription(String topicFilter) {
    return state.subscription(topicFilter);
  }

  /** A snapshot of the subscriptions, by filter. */
  public Map<String, StoredSubscription> subscriptions() {
    return state.subscriptions();
  }

  /** Where this session's state lives. */
  public SessionState state() {
    return state;
  }

  // ---- attaching and detaching connections ----

  /**
   * Moves the session to {@code connection}'s event loop and attaches it there, then lets the
   * connection send CONNACK and resumes delivery. Any thread; call after the registry has given
   * the session to this connection.
   */
  public void attach(Outbound connection, boolean sessionPresent, int clientReceiveMaximum) {
    execute(() -> {
      EventExecutor target = connection.eventLoop();
      // The owner changes first, so that whatever the new connection hands the session (its
      // acknowledgements) runs on its own thread once attached: the ack of a message resent by
      // attached() can never take a detour and arrive after a later connection's resume.
      // Deliveries taken in before attached() wait in the queue for it (see enqueue).
      owner = target;
      target.execute(() -> attached(connection, sessionPresent, clientReceiveMaximum));
    });
  }

  private void attached(Outbound c, boolean sessionPresent, int clientReceiveMaximum) {
    if (claimed.get() != c || !c.isOpen() || discarded) {
      return; // superseded by a newer connection, or closed meanwhile
    }
    connection = c;
    sendWindow = Math.min(config.maxInflightMessages(), clientReceiveMaximum);
    state.lifetime(expiryInterval, 0); // a durable store keeps it from now on if persistent
    c.sessionReady(this, sessionPresent);
    // MQTT-4.4.0-1: resend unacknowledged PUBLISH (with DUP) and PUBREL, in their order; but no
    // more at once than this connection's window allows (MQTT-3.3.4-9: the client's Receive
    // Maximum counts afresh on each connection, §4.9). The rest wait, ids kept, for acks.
    List<SessionState.Inflight> inflight = new ArrayList<>();
    state.inflight().forEach(inflight::add); // copied: a message too large is removed below
    resendPending = null;
    long now = clock.millis();
    int sent = 0;
    for (SessionState.Inflight f : inflight) {
      if (sent >= sendWindow) {
        LinkedHashSet<Integer> pending = resendPending;
        if (pending == null) {
          pending = new LinkedHashSet<>();
          resendPending = pending;
        }
        pending.add(f.packetId());
      } else if (resend(c, f, now)) {
        sent++;
      }
    }
    pump(c);
    c.flush();
  }

  /**
   * Sends an in-flight message again on a new connection: PUBREL if it was released, else the
   * PUBLISH with DUP set. Returns false if it no longer fits the client's Maximum Packet Size, and
   * was dropped. Owner only.
   */
  private boolean resend(Outbound c, SessionState.Inflight f, long now) {
    if (f.released()) {
      c.write(new Pubrel(f.packetId()));
      return true;
    }
    // Its onward delivery has started, so it goes again even if it has expired meanwhile
    // (MQTT-3.3.2-5 drops only what has not started), with the time it has left (MQTT-3.3.2-6).
    Publish again = MessageExpiry.withRemaining(f.message(), f.expiresAt(), now).withDup(true);
    if (c.fits(again)) {
      c.write(again);
      return true;
    }
    // The new connection allows smaller packets than the one it was sent on: as for a new
    // message too large (MQTT-3.1.2-25), it is dropped as if its delivery were complete.
    forgetInflight(f.packetId());
    tooLarge(again);
    return false;
  }

  /** Resends the in-flight messages still waiting for room in the window, in order. Owner only. */
  private void resendWithinWindow(Outbound c) {
    LinkedHashSet<Integer> pending = resendPending;
    if (pending == null) {
      return;
    }
    long now = -1;
    while (!pending.isEmpty() && state.inflightCount() - pending.size() < sendWindow) {
      Iterator<Integer> first = pending.iterator();
      SessionState.Inflight f = state.inflight(first.next());
      first.remove();
      if (f == null) {
        continue;
      }
      if (now < 0) {
        now = clock.millis();
      }
      resend(c, f, now);
    }
  }

  /** Forgets an in-flight message: acknowledged, refused, handed off or dropped. Owner only. */
  private void forgetInflight(int packetId) {
    state.removeInflight(packetId);
    LinkedHashSet<Integer> pending = resendPending;
    if (pending != null) {
      pending.remove(packetId);
    }
  }

  /** The connection is gone: stop writing to it. Any thread. */
  public void detach(Outbound c) {
    execute(() -> {
      if (connection == c) {
        connection = null;
        updateHoldBack(); // an offline client holds nobody back
      }
    });
  }

  /** Ends the session: drops what is queued and in flight. Any thread. */
  public void discard() {
    discarded = true;
    execute(() -> {
      connection = null;
      state.clearMessages();
      updateHoldBack();
    });
  }

  // ---- outbound messages ----

  /**
   * Delivers a message to the client, as it should go out: QoS already downgraded to the
   * granted QoS, retain flag and properties set for this subscriber. Any thread.
   *
   * <p>Called while a {@link WriteTicket} is open (a client's QoS 1 or 2 PUBLISH being handled
   * with a durable store), the message's queue record is staged in the ticket's atomic change
   * with the rest of the PUBLISH's writes, and the session takes the message only once they are
   * durable: the ticket's owner runs the delivery then, in the order of its client's packets.
   *
   * @param expiresAt the message's deadline, epoch ms on the broker's clock, or {@link
   *     MessageExpiry#NEVER}: once it has come the message is not sent (MQTT-3.3.2-5)
   */
  public void deliver(Publish message, long expiresAt) {
    deliver(message, expiresAt, null);
  }

  /**
   * Delivers a message, shaped for this subscriber, that the shared subscription {@code
   * sharedSubscription} ({@code $share/{group}/{filter}}) routed here; null for any other message.
   * Any thread; with a {@link WriteTicket} open, as {@link #deliver(Publish, long)} says.
   */
  public void deliver(Publish message, long expiresAt, @Nullable String sharedSubscription) {
    if (INBOX.incrementAndGet(this) >= config.holdBackQueuedMessages() && !overrun
        && claimed.get() != null && !config.slowSubscriberTimeout().isZero()) {
      holdingBack = true; // before the hand-over: the owner may release at once, see holdBack
    }
    boolean holdBack = holdingBack;
    WriteTicket ticket = WriteTicket.current();
    if (ticket == null) {
      post(new Delivery(message, expiresAt, sharedSubscription, null));
    } else {
      SessionState.Staged staged = message.qos() == MqttQos.AT_MOST_ONCE
          ? null : state.stage(message, expiresAt, sharedSubscription);
      Delivery d = new Delivery(message, expiresAt, sharedSubscription, staged);
      ticket.deliverLater(() -> post(d));
    }
    if (holdBack) {
      Publisher p = Publisher.current();
      if (p != null) {
        p.holdBackFor(this);
      }
    }
  }

  /** A routed message on its way to the owner's thread. */
  private record Delivery(Publish message, long expiresAt, @Nullable String shared,
      SessionState.@Nullable Staged staged) {}

  /**
   * Hands a delivery to the owner: into the inbox, and a task to take in the inbox when none is
   * pending. Messages routed together (one read of a publisher, or several publishers at once)
   * are taken in by one task and go out with one flush. Any thread.
   */
  private void post(Delivery d) {
    deliveries.offer(d);
    if (takeInScheduled == 0 && TAKE_IN_SCHEDULED.compareAndSet(this, 0, 1)) {
      EventExecutor o = owner;
      o.execute(this::takeIn); // later even on the owner: after the rest of this read
    }
  }

  /**
   * Takes in the inbox: every message routed here, in order, then one flush. At most {@link
   * #TAKE_IN_BUDGET} at a time, so that one busy session does not starve the event loop's other
   * connections. Owner only (hands itself on when the session has moved).
   */
  private void takeIn() {
    if (!owner.inEventLoop()) {
      owner.execute(this::takeIn);
      return;
    }
    int n = 0;
    for (;;) {
      Delivery d;
      while (n < TAKE_IN_BUDGET && (d = deliveries.poll()) != null) {
        n++;
        INBOX.decrementAndGet(this);
        enqueue(d.message(), d.expiresAt(), d.shared(), d.staged());
      }
      if (n >= TAKE_IN_BUDGET && !deliveries.isEmpty()) {
        owner.execute(this::takeIn); // still scheduled: the flag stays set
        break;
      }
      takeInScheduled = 0;
      if (deliveries.isEmpty() || !TAKE_IN_SCHEDULED.compareAndSet(this, 0, 1)) {
        break;
      }
    }
    if (holdingBack) {
      updateHoldBack();
    }
    Outbound c = online();
    if (c != null) {
      c.flush();
    }
  }

  /**
   * Holds {@code publisher} back until this session has caught up; resumes it at once if it
   * already has. Called by the publisher, on its own thread, from {@link Publisher#holdBackFor}.
   */
  public void holdBack(Publisher publisher) {
    Set<Publisher> held = heldBack;
    if (held == null) {
      synchronized (this) {
        held = heldBack;
        if (held == null) {
          held = ConcurrentHashMap.newKeySet();
          heldBack = held;
        }
      }
    }
    held.add(publisher);
    if (!holdingBack) {
      release(); // caught up meanwhile: its release may have run before the add
    }
  }

  /**
   * A publisher held back by this session waited {@code sessions.slow-subscriber-timeout} in
   * vain: hold nobody back until the queue is under a quarter. Any thread.
   */
  public void overrun() {
    if (!overrun) {
      overrun = true;
      LOG.warn("client {}: has not caught up with its publishers within the slow subscriber"
          + " timeout; no longer holding them back until it has, and dropping what exceeds its"
          + " queue ({} messages or {} bytes)", clientId, config.maxQueuedMessages(),
          config.maxQueuedBytes());
    }
    holdingBack = false;
    release();
  }

  /** Whether this session holds publishers back now: it is connected and behind. Any thread. */
  public boolean isHoldingBack() {
    return holdingBack;
  }

  private void release() {
    Set<Publisher> held = heldBack;
    if (held == null) {
      return;
    }
    for (Publisher p : held) {
      held.remove(p);
      p.resume(this);
    }
  }

  /**
   * Starts holding publishers back when the connected client's queue passes half its limit, and
   * stops once it is under a quarter (or the client is gone). Owner only.
   */
  private void updateHoldBack() {
    int queued = state.queuedCount() + inbox;
    long queuedBytes = state.queuedBytes();
    boolean on = connection != null && !config.slowSubscriberTimeout().isZero();
    if (on && (queued >= config.holdBackQueuedMessages()
        || queuedBytes >= config.holdBackQueuedBytes())) {
      if (!holdingBack && !overrun) {
        holdingBack = true;
      }
    } else if (!on || (queued <= config.holdBackQueuedMessages() / 2
        && queuedBytes <= config.holdBackQueuedBytes() / 2)) {
      overrun = false;
      if (holdingBack) {
        holdingBack = false;
        release();
      }
    }
  }

  private void enqueue(Publish m, long expiresAt, @Nullable String shared,
      SessionState.@Nullable Staged staged) {
    if (discarded) {
      state.unstage(staged);
      return;
    }
    Outbound c = online();
    if (m.qos() == MqttQos.AT_MOST_ONCE) {
      if (c != null) {
        long now = expiresAt == MessageExpiry.NEVER ? 0 : clock.millis();
        Publish out = MessageExpiry.withRemaining(m, expiresAt, now);
        if (MessageExpiry.isExpired(expiresAt, now)) {
          expired(m);
        } else if (!c.fits(out)) {
          tooLarge(out);
        } else if (c.isWritable() && state.queuedCount() == 0) {
          c.write(out); // takeIn flushes
          listener.messageSent(0);
        } else {
          // The connection's buffer is full, or messages wait before this one: it waits too,
          // in order, and goes when the connection can take it (see writable()).
          offer(m, expiresAt, shared, null);
          updateHoldBack();
        }
      } else if (claimed.get() != null || (isPersistent() && config.queueQos0WhenOffline())) {
        // Claimed by a connection being attached: it waits for attached(), which sends it.
        offer(m, expiresAt, shared, null);
      }
      return;
    }
    if (c != null && state.queuedCount() == 0 && state.inflightCount() < sendWindow
        && c.isWritable()) {
      sendNew(c, m, expiresAt, shared, staged); // takeIn flushes
    } else {
      offer(m, expiresAt, shared, staged);
      updateHoldBack();
    }
  }

  /**
   * The connection can take more data again: sends what waits, as the window allows. Owner
   * only (use {@link #execute}).
   */
  public void writable() {
    Outbound c = online();
    if (c != null) {
      pump(c);
      c.flush();
    }
  }

  private @Nullable Outbound online() {
    Outbound c = connection;
    return c != null && c.isOpen() ? c : null;
  }

  private void offer(Publish m, long expiresAt, @Nullable String shared,
      SessionState.@Nullable Staged staged) {
    if (isFull(m)) {
      shedExpired();
    }
    if (isFull(m) && !withinHoldBackSlack(m)) {
      state.unstage(staged);
      drop(m, "queue-full");
      return;
    }
    if (droppedInRow > 0) {
      LOG.info("client {}: queue has room again after {} dropped messages", clientId, droppedInRow);
      droppedInRow = 0;
    }
    state.enqueue(m, expiresAt, shared, staged);
    if (claimed.get() == null && isPersistent()) {
      listener.messageQueuedOffline(clientId, m);
    }
  }

  /**
   * Whether a connected subscriber that is holding its publishers back may take {@code m} past
   * its queue's limit: what they had already sent when they were told to stop is theirs to
   * deliver. Each publisher held back sends about one message after the hold began (the one that
   * found the subscriber behind), a few when a resume crosses a new hold: so the queue may reach
   * twice its limit plus one message per publisher held back now, and twice its bytes limit.
   */
  private boolean withinHoldBackSlack(Publish m) {
    if (!holdingBack || online() == null) {
      return false;
    }
    Set<Publisher> held = heldBack;
    long allowance = 2L * config.maxQueuedMessages() + (held == null ? 0 : held.size());
    return state.queuedCount() < allowance
        && state.queuedBytes() + SessionState.bytes(m) <= 2L * config.maxQueuedBytes();
  }

  /** Whether {@code m} would take the queue past sessions.max-queued-messages or -bytes. */
  private boolean isFull(Publish m) {
    return state.queuedCount() >= config.maxQueuedMessages()
        || state.queuedBytes() + SessionState.bytes(m) > config.maxQueuedBytes();
  }

  /**
   * Drops the expired messages at the head of the queue (MQTT-3.3.2-5), so that a queue full of
   * messages nobody will get does not turn new ones away. Only the head: deadlines are not in
   * queue order, and a full scan per message would cost too much; the rest go as they come up.
   */
  private void shedExpired() {
    long now = clock.millis();
    SessionState.Queued head;
    while ((head = state.peekQueued()) != null
        && MessageExpiry.isExpired(head.expiresAt(), now)) {
      state.pollQueued();
      expired(head.message());
    }
  }

  /** A message whose deadline came before its delivery started: not sent (MQTT-3.3.2-5). */
  private void expired(Publish m) {
    listener.messageDropped(clientId, "expired");
    LOG.debug("client {}: message on {} expired before it could be sent", clientId, m.topic());
  }

  private void drop(Publish m, String cause) {
    listener.messageDropped(clientId, cause);
    if (droppedInRow++ == 0) {
      LOG.warn("client {}: dropping messages ({}, limit {} queued or {} bytes), first on topic {}",
          clientId, cause, config.maxQueuedMessages(), config.maxQueuedBytes(), m.topic());
    }
  }

  /**
   * A message too large for the client's Maximum Packet Size: not sent and, for QoS 1 and 2, given
   * no packet identifier, so nothing waits for an acknowledgement that cannot come; the session
   * goes on as if its delivery were complete (MQTT-3.1.2-25 in 5.0). Counted.
   */
  private void tooLarge(Publish m) {
    listener.messageDropped(clientId, "packet-too-large");
    LOG.debug("client {}: message on {} ({} bytes of payload) dropped: larger than the client's"
        + " maximum packet size", clientId, m.topic(), m.payload().length);
  }

  /**
   * Writes a queued QoS 0 message with the time it has left (MQTT-3.3.2-6), unless it is too
   * large; the caller has dropped it if it expired.
   */
  private void sendQos0(Outbound c, Publish m, long expiresAt, long now) {
    Publish out = MessageExpiry.withRemaining(m, expiresAt, now);
    if (!c.fits(out)) {
      tooLarge(out);
      return;
    }
    c.write(out);
    listener.messageSent(0);
  }

  /**
   * Sends a QoS 1 or 2 message under a new packet identifier, with the time it has left
   * (MQTT-3.3.2-6), unless it has expired (MQTT-3.3.2-5) or is too large; {@code staged}, its
   * queue record staged by the store, moves to the in-flight window (or goes, if not sent).
   */
  private void sendNew(Outbound c, Publish m, long expiresAt, @Nullable String shared,
      SessionState.@Nullable Staged staged) {
    long now = expiresAt == MessageExpiry.NEVER ? 0 : clock.millis();
    if (MessageExpiry.isExpired(expiresAt, now)) {
      state.unstage(staged);
      expired(m);
      return;
    }
    Publish shaped = MessageExpiry.withRemaining(m, expiresAt, now);
    if (!c.fits(shaped)) {
      state.unstage(staged);
      tooLarge(shaped);
      return;
    }
    Publish out = shaped.withPacketId(nextPacketId()).withDup(false);
    state.putInflight(out, expiresAt, shared, staged);
    c.write(out);
    listener.messageSent(out.qos().value());
  }

  /**
   * Sends the oldest queued message, {@code next} (QoS 1 or 2, not expired at {@code now}), under
   * a new packet identifier with the time it has left (MQTT-3.3.2-6): it leaves the queue and goes
   * in flight in one step of the store ({@link SessionState#sendQueued}).
   */
  private void sendQueued(Outbound c, SessionState.Queued next, long now) {
    Publish shaped = MessageExpiry.withRemaining(next.message(), next.expiresAt(), now);
    if (!c.fits(shaped)) {
      state.pollQueued();
      tooLarge(shaped);
      return;
    }
    Publish out = shaped.withPacketId(nextPacketId()).withDup(false);
    state.sendQueued(out);
    c.write(out);
    listener.messageSent(out.qos().value());
  }

  /** Sends queued messages while the window allows. Owner only. */
  private void pump(Outbound c) {
    SessionState.Queued next;
    // Stops while the connection's buffer is full; writable() goes on when it has drained.
    while (c.isOpen() && c.isWritable() && (next = state.peekQueued()) != null) {
      Publish m = next.message();
      long expiresAt = next.expiresAt();
      long now = expiresAt == MessageExpiry.NEVER ? 0 : clock.millis();
      if (MessageExpiry.isExpired(expiresAt, now)) {
        state.pollQueued(); // MQTT-3.3.2-5, even while the window is full: it takes no place
        expired(m);
      } else if (m.qos() == MqttQos.AT_MOST_ONCE) {
        state.pollQueued();
        sendQos0(c, m, expiresAt, now);
      } else if (state.inflightCount() < sendWindow) {
        sendQueued(c, next, now);
      } else {
        break;
      }
    }
    if (droppedInRow > 0 && state.queuedCount() < config.maxQueuedMessages()
        && state.queuedBytes() < config.maxQueuedBytes()) {
      LOG.info("client {}: queue has room again after {} dropped messages", clientId, droppedInRow);
      droppedInRow = 0;
    }
    updateHoldBack();
  }

  /**
   * Gives up the messages this session holds for shared subscriptions that another member of the
   * group may deliver instead (MQTT 5 §4.8.2): every queued one, never sent, and every QoS 1
   * message sent and not acknowledged. A QoS 2 message once sent stays: its delivery is completed
   * with this client when it reconnects (MQTT-4.8.2-4), and if the session ends first it goes to
   * no other client (MQTT-4.8.2-5). A message refused with a reason code of 0x80 or more is no
   * longer held, so it never goes to another member either (MQTT-4.8.2-6).
   *
   * <p>{@code handOff} is called with the shared subscription's filter and the message as it was
   * to go to this client; it returns true when it took the message, which then leaves this
   * session, and false to leave it in place. What stays keeps its order; once the session is
   * discarded nothing stays queued, as the session drops its messages anyway (and a durable
   * store may already have forgotten its state). Owner only.
   *
   * <p>With a durable store the hand-off is one change: it runs in a {@link WriteTicket}, so the
   * records of the members that take messages and the deletion of this session's records are
   * written together, and the takers get the messages once that is durable. A crash in between
   * neither loses a message nor leaves it with both.
   *
   * @return the number of messages handed off
   */
  public int handOffShared(SharedHandOff handOff) {
    if (!state.isDurable() || WriteTicket.current() != null) {
      return handOffSharedNow(handOff); // nothing on disk here, or inside a ticket already
    }
    WriteTicket ticket = WriteTicket.begin(storage);
    try {
      return handOffSharedNow(handOff);
    } finally {
      List<Runnable> deliveries = ticket.deliveries();
      ticket.end(failure -> {
        if (failure != null) {
          LOG.warn("client {}: the store failed to write a shared-subscription hand-off: {}",
              clientId, failure.toString());
        }
        deliveries.forEach(Runnable::run); // the broker's memory has the messages either way
      });
    }
  }

  private int handOffSharedNow(SharedHandOff handOff) {
    int handed = 0;
    List<SessionState.Inflight> inflight = new ArrayList<>();
    state.inflight().forEach(inflight::add);
    for (SessionState.Inflight f : inflight) {
      String shared = f.sharedSubscription();
      if (shared != null && f.message().qos() == MqttQos.AT_LEAST_ONCE
          && handOff.take(shared, f.message(), f.expiresAt())) {
        forgetInflight(f.packetId());
        handed++;
      }
    }
    // Each queued message is offered once; what is not taken stays where it was (all of it goes
    // once the session is discarded).
    int[] taken = {0};
    state.removeQueuedIf(q -> {
      String shared = q.sharedSubscription();
      if (shared != null && handOff.take(shared, q.message(), q.expiresAt())) {
        taken[0]++;
        return true;
      }
      return discarded;
    });
    handed += taken[0];
    if (handed > 0) {
      afterAck(); // the window has room again, should the client be back
    }
    return handed;
  }

  /** Takes a message held for a shared subscription, for another member (see handOffShared). */
  @FunctionalInterface
  public interface SharedHandOff {
    /**
     * @param sharedSubscription the shared subscription's filter, {@code $share/{group}/{filter}}
     * @param message the message as it was to go to this client
     * @param expiresAt its deadline (epoch ms), or {@link MessageExpiry#NEVER}, kept on hand-off
     * @return true when the message was taken, and leaves this session
     */
    boolean take(String sharedSubscription, Publish message, long expiresAt);
  }

  private int nextPacketId() {
    for (int i = 0; i < 65535; i++) {
      int id = nextPacketId;
      nextPacketId = id == 65535 ? 1 : id + 1;
      if (state.inflight(id) == null) {
        return id;
      }
    }
    throw new IllegalStateException("no free packet identifier");
  }

  // ---- acknowledgements from the client: owner only (use execute) ----

  /** PUBACK for a QoS 1 message; returns whether it was in flight. Owner only. */
  public boolean puback(int packetId) {
    SessionState.Inflight f = state.inflight(packetId);
    if (f == null || f.message().qos() != MqttQos.AT_LEAST_ONCE) {
      return false;
    }
    forgetInflight(packetId);
    afterAck();
    return true;
  }

  /** PUBREC for a QoS 2 message: it is now released; returns whether it was in flight. */
  public boolean pubrec(int packetId) {
    SessionState.Inflight f = state.inflight(packetId);
    if (f == null || f.message().qos() != MqttQos.EXACTLY_ONCE) {
      return false;
    }
    if (!f.released()) {
      state.markReleased(packetId);
    }
    return true;
  }

  /**
   * PUBREC with a reason code of 0x80 or more (MQTT 5): the client refused the message, which
   * counts as acknowledged and is never sent again (MQTT-4.4.0-2), so it leaves the in-flight
   * window at once. Returns whether it was in flight. Owner only.
   */
  public boolean pubrecRefused(int packetId) {
    SessionState.Inflight f = state.inflight(packetId);
    if (f == null || f.message().qos() != MqttQos.EXACTLY_ONCE || f.released()) {
      return false;
    }
    forgetInflight(packetId);
    afterAck();
    return true;
  }

  /** PUBCOMP for a released QoS 2 message; returns whether it was in flight. */
  public boolean pubcomp(int packetId) {
    SessionState.Inflight f = state.inflight(packetId);
    if (f == null || !f.released()) {
      return false;
    }
    forgetInflight(packetId);
    afterAck();
    return true;
  }

  private void afterAck() {
    Outbound c = online();
    if (c != null) {
      resendWithinWindow(c);
      pump(c);
      c.flush();
    }
  }

  /**
   * Records an inbound QoS 2 PUBLISH; returns true the first time a packet identifier is seen,
   * false for a resend of a message already received and not yet released (not to be routed again).
   */
  public boolean inboundQos2Received(int packetId) {
    return state.addInboundQos2(packetId);
  }

  /** PUBREL from the client; returns whether the packet identifier was awaiting it. */
  public boolean inboundQos2Released(int packetId) {
    return state.removeInboundQos2(packetId);
  }

  /** Messages in flight to the client now. Owner only. */
  public int inflightCount() {
    return state.inflightCount();
  }

  /** Messages queued for the client now. Owner only. */
  public int queuedCount() {
    return state.queuedCount();
  }

  @Override
  public String toString() {
    long e = expiryInterval;
    return "Session[" + clientId + (e == NEVER_EXPIRES ? ", persistent"
        : e > 0 ? ", expires " + e + " s after its connection" : "") + "]";
  }
}
