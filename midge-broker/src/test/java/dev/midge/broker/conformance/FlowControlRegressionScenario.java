package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.SessionConfig;
import dev.midge.broker.config.StorageConfig;
import dev.midge.broker.connection.MqttConnection;
import dev.midge.broker.connection.PipelineNames;
import dev.midge.broker.metrics.DisconnectCause;
import dev.midge.broker.session.Session;
import dev.midge.broker.store.WriteTicket;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Suback;
import dev.midge.codec.reason.SubackReasonCode;
import dev.midge.testkit.RawMqttConnection;
import dev.midge.testkit.RawPackets;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

/**
 * Regression scenarios for two flow-control bugs that lost messages in the fan-in benchmarks of
 * 7 December (fixed together; see docs/storage.md, "Bounds and flow control"):
 *
 * <ul>
 *   <li>A session that caught up resumed a held-back publisher on the spot when it was on the
 *       publisher's thread. If that thread was handling another connection's PUBLISH, the
 *       publisher decoded its buffered packets inside it; with the durable store its PUBLISH found
 *       "a write ticket is already open", and its connection was closed with what it had sent.
 *   <li>Publishers told to stop still overshot the subscriber's queue limit with what they had
 *       already sent (one message each, more for the first one resumed), and the excess was
 *       dropped as queue-full.
 * </ul>
 *
 * <p>Both need the broker's threads in a given order, so the scenarios arrange it instead of
 * hoping for it. The first puts a held-back publisher's resume inside an open write ticket on its
 * thread: in the broker that happens only when two event loops race (a publisher finds the
 * subscriber behind, the subscriber's thread finds it caught up before the publisher has
 * registered as held back, and the publisher's registration then releases the others held back on
 * its thread), which no test can time. The others put every connection on the
 * subscriber's event loop, where the order of tasks is fixed: resumed publishers all decode what
 * they had read before the subscriber takes in what they sent.
 */
class FlowControlRegressionScenario extends ConformanceScenario {
  /** An in-flight window of 4 and a queue of 20: publishers held back from 10, resumed at 5. */
  private static final SessionConfig SMALL = new SessionConfig(4, 20, false)
      // Longer than any hold here can last even on a loaded machine: a hold that timed out would
      // drop by design, and this is about drops that flow control should prevent.
      .withSlowSubscriberTimeout(Duration.ofSeconds(30));

  @TempDir Path dataDir;

  // ---- 1. resume inside another connection's PUBLISH (durable store) ----

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("docs/storage.md (flow control, durable store), MQTT-4.6.0-6: a held-back publisher"
      + " resumed on its own thread while a PUBLISH there holds a write ticket reads on only after"
      + " it; its connection stays open and all its QoS 0 and QoS 1 messages arrive, in order")
  void heldBackPublisher_whenResumedInsideAnotherPublish_thenReadsAfterItAndLosesNothing(
      MqttVersion version) throws Exception {
    startBroker(durable(SMALL));
    ListAppender<ILoggingEvent> log = captureConnectionLog();
    try {
      String subId = "slow-" + version;
      String pubId = "held-" + version;
      RawMqttConnection sub = client(persistent(version, subId));
      Suback suback = sub.subscribe(1, "f/#", MqttQos.AT_LEAST_ONCE);
      assertThat(suback.reasonCodes())
          .containsExactly(SubackReasonCode.of(MqttQos.AT_LEAST_ONCE.value()));
      RawMqttConnection pub = client(version, pubId);

      // QoS 1 (odd) and QoS 0 (even) messages in one write: one read takes them all in, and
      // what follows the PUBLISH that is held back waits in the decoder.
      int messages = 40;
      List<byte[]> burst = new ArrayList<>();
      for (int i = 1; i <= messages; i++) {
        MqttQos qos = i % 2 == 1 ? MqttQos.AT_LEAST_ONCE : MqttQos.AT_MOST_ONCE;
        burst.add(RawMqttConnection.encode(publish("f/t", qos, i, "m" + i), version));
      }
      pub.sendRaw(RawPackets.concat(burst.toArray(byte[][]::new)));
      // The subscriber acknowledges nothing yet: its queue passes 10 and holds the publisher.
      await("publisher held back").atMost(WAIT)
          .until(() -> counter("midge.publishers.held.back") >= 1);

      // What Session.holdBack does when it finds the session caught up while another connection
      // on this thread routes a PUBLISH: release its held-back publishers, this one among them.
      // That interleaving is a race between two event loops, so it is staged here: a write ticket
      // open on the publisher's thread, as DurableAcks opens one around a PUBLISH, and the resume
      // called inside it.
      MqttConnection held = connectionOf(pubId);
      Session slow = broker.services().sessions().get(subId);
      assertThat(slow).isNotNull();
      held.eventLoop().submit(() -> {
        WriteTicket ticket = WriteTicket.begin(broker.services().storage());
        try {
          held.resume(slow);
        } finally {
          ticket.end(failure -> { });
        }
      }).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

      // The subscriber acknowledges as it goes: its queue drains and the publisher reads on.
      List<Publish> received = new ArrayList<>();
      Object o;
      while (received.size() < messages && (o = sub.receiveAny(WAIT)) != null) {
        assertThat(o).as("only PUBLISH expected, after " + received).isInstanceOf(Publish.class);
        received.add((Publish) o);
        acknowledge(sub, (Publish) o);
      }
      sub.expectNothing(QUIET);

      assertThat(pub.isClosed()).as("publisher's connection closed").isFalse();
      assertThat(lines(log, pubId)).as("warnings about " + pubId)
          .noneMatch(line -> line.contains("write ticket"));
      assertThat(metrics().disconnects(DisconnectCause.NETWORK)).isZero();
      assertThat(payloads(received)).as("every message, in order, each once")
          .containsExactlyElementsOf(IntStream.rangeClosed(1, messages)
              .mapToObj(i -> "m" + i).toList());
      List<Integer> acked = new ArrayList<>();
      for (int i = 1; i <= messages; i += 2) {
        acked.add(pub.expect(Puback.class, WAIT).packetId());
      }
      assertThat(acked).containsExactlyElementsOf(IntStream.iterate(1, i -> i <= messages,
          i -> i + 2).boxed().toList());
      assertThat(counter("midge.messages.dropped", "cause", "queue-full")).isZero();
    } finally {
      releaseConnectionLog(log);
    }
  }

  // ---- 2. publishers on the subscriber's thread (durable store) ----

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("docs/storage.md (flow control, durable store), MQTT-4.6.0-6: 8 publishers held"
      + " back by a persistent subscriber on their own event loop go on when it catches up; none is"
      + " disconnected, and all their QoS 0 and QoS 1 messages arrive once, in order per publisher")
  void publishersOnSubscribersLoop_whenItCatchesUp_thenAllResumeAndNothingLost(
      MqttVersion version) throws Exception {
    int publishers = 8;
    int perPublisher = 30;
    int total = publishers * perPublisher;
    startBroker(durable(SMALL));
    ListAppender<ILoggingEvent> log = captureConnectionLog();
    try {
      String subId = "slow-" + version;
      RawMqttConnection sub = client(persistent(version, subId));
      assertThat(sub.subscribe(1, "f/#", MqttQos.AT_LEAST_ONCE).reasonCodes())
          .containsExactly(SubackReasonCode.of(MqttQos.AT_LEAST_ONCE.value()));
      String prefix = "pub-" + version + "-";
      List<RawMqttConnection> pubs =
          clientsOn(connectionOf(subId).eventLoop(), version, prefix, publishers);

      // QoS 1 (odd) and QoS 0 (even) messages, each publisher's in one write.
      for (int p = 0; p < publishers; p++) {
        List<byte[]> burst = new ArrayList<>();
        for (int i = 1; i <= perPublisher; i++) {
          MqttQos qos = i % 2 == 1 ? MqttQos.AT_LEAST_ONCE : MqttQos.AT_MOST_ONCE;
          burst.add(RawMqttConnection.encode(publish("f/" + p, qos, i, p + ":" + i), version));
        }
        pubs.get(p).sendRaw(RawPackets.concat(burst.toArray(byte[][]::new)));
      }
      // Slow at first: the subscriber acknowledges nothing until its queue holds publishers back.
      Session slow = broker.services().sessions().get(subId);
      assertThat(slow).isNotNull();
      await("publishers held back").atMost(WAIT).until(() -> slow.isHoldingBack()
          && counter("midge.publishers.held.back") >= publishers);

      // Then it catches up, acknowledging its QoS 1 messages a window at a time.
      List<Publish> received = new ArrayList<>();
      List<byte[]> acks = new ArrayList<>();
      for (int steps = 0; received.size() < total; ) {
        Object o = sub.receiveAny(acks.isEmpty() ? WAIT : QUIET);
        if (o == null && acks.isEmpty()) {
          assertThat(counter("midge.messages.dropped", "cause", "queue-full"))
              .as("dropped as queue-full (%d of %d received)", received.size(), total).isZero();
          throw new AssertionError("no message for " + WAIT + " after " + received.size()
              + " of " + total);
        }
        if (o != null) {
          assertThat(o).as("only PUBLISH expected").isInstanceOf(Publish.class);
          Publish m = (Publish) o;
          received.add(m);
          if (m.qos() == MqttQos.AT_LEAST_ONCE) {
            acks.add(RawMqttConnection.encode(new Puback(m.packetId()), version));
          }
        }
        if (o == null || acks.size() == SMALL.maxInflightMessages()) {
          sub.sendRaw(RawPackets.concat(acks.toArray(byte[][]::new)));
          acks.clear();
        }
        assertThat(++steps).as("messages read or waited for").isLessThanOrEqualTo(4 * total);
      }
      if (!acks.isEmpty()) {
        sub.sendRaw(RawPackets.concat(acks.toArray(byte[][]::new)));
      }
      sub.expectNothing(QUIET);

      for (int p = 0; p < publishers; p++) {
        assertThat(pubs.get(p).isClosed()).as("connection of publisher %d closed", p).isFalse();
      }
      assertThat(lines(log, prefix)).as("warnings about the publishers")
          .noneMatch(line -> line.contains("write ticket"));
      assertThat(metrics().disconnects(DisconnectCause.NETWORK)).isZero();
      assertThat(counter("midge.messages.dropped", "cause", "queue-full")).isZero();
      for (int p = 0; p < publishers; p++) {
        assertEachOnceInOrder(received, p, perPublisher);
        for (int i = 1; i <= perPublisher; i += 2) {
          assertThat(pubs.get(p).expect(Puback.class, WAIT).packetId()).isEqualTo(i);
        }
      }
    } finally {
      releaseConnectionLog(log);
    }
  }

  // ---- 3. no overshoot past the queue limit ----

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("docs/storage.md (flow control): 12 publishers with bursts already read, resumed"
      + " together, may take a subscriber's queue of 20 past its limit but not past twice it;"
      + " none of the 240 messages is dropped as queue-full and each arrives once, in order per"
      + " publisher (MQTT-4.6.0-6)")
  void resumedPublishers_whenTheirBurstsOvershootTheQueue_thenNothingDroppedWithinTwiceTheLimit(
      MqttVersion version) throws Exception {
    int peak = overshoot(version, SMALL, 12, 20);

    assertThat(peak).as("queued at most, against a limit of %d", SMALL.maxQueuedMessages())
        .isGreaterThan(SMALL.maxQueuedMessages()) // the case this guards did happen
        .isLessThanOrEqualTo(2 * SMALL.maxQueuedMessages());
  }

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  @DisplayName("docs/storage.md (flow control): 12 publishers held back by a subscriber whose"
      + " queue holds 4 may take it past twice its limit, by a message each; none of the 120"
      + " messages is dropped as queue-full (MQTT-4.6.0-6)")
  void resumedPublishers_whenMoreThanTheLimit_thenNothingDroppedWithinAMessageEachMore(
      MqttVersion version) throws Exception {
    SessionConfig tiny = new SessionConfig(4, 4, false)
        .withSlowSubscriberTimeout(Duration.ofSeconds(30));

    int peak = overshoot(version, tiny, 12, 10);

    assertThat(peak).as("queued at most, against a limit of 4 and 12 publishers")
        .isLessThanOrEqualTo(2 * 4 + 12);
  }

  /**
   * {@code publishers} on the subscriber's thread each send a burst of {@code perPublisher} QoS 1
   * messages in one write; the subscriber takes a window at a time and acknowledges it. Asserts
   * nothing is dropped as queue-full and each message arrives once, in order per publisher; returns
   * the largest queue seen.
   */
  private int overshoot(MqttVersion version, SessionConfig sessions, int publishers,
      int perPublisher) throws Exception {
    int total = publishers * perPublisher;
    int window = sessions.maxInflightMessages();
    startBroker(config(sessions));
    String subId = "slow-" + version;
    RawMqttConnection sub = subscriber(version, subId, "f/#", MqttQos.AT_LEAST_ONCE);
    EventLoop loop = connectionOf(subId).eventLoop();
    Session slow = broker.services().sessions().get(subId);
    assertThat(slow).isNotNull();
    // All on the subscriber's thread: publishers resumed by its acknowledgements then all run
    // before it takes in what they sent, and each decodes from what it had already read.
    List<RawMqttConnection> pubs = clientsOn(loop, version, "pub-" + version + "-", publishers);

    for (int p = 0; p < publishers; p++) {
      List<byte[]> burst = new ArrayList<>();
      for (int i = 1; i <= perPublisher; i++) {
        burst.add(RawMqttConnection.encode(
            publish("f/" + p, MqttQos.AT_LEAST_ONCE, i, p + ":" + i), version));
      }
      pubs.get(p).sendRaw(RawPackets.concat(burst.toArray(byte[][]::new)));
    }

    // The subscriber takes a window of messages at a time, then acknowledges it in one write:
    // each time its queue is down to 5 the held-back publishers go on together.
    List<Publish> received = new ArrayList<>();
    int peak = 0;
    for (int round = 0; received.size() < total; round++) {
      assertThat(round).as("rounds for %d messages", total).isLessThanOrEqualTo(total);
      int expected = Math.min(window, total - received.size());
      List<byte[]> acks = new ArrayList<>();
      for (int i = 0; i < expected; i++) {
        Publish m = sub.expect(Publish.class, WAIT);
        received.add(m);
        acks.add(RawMqttConnection.encode(new Puback(m.packetId()), version));
      }
      peak = Math.max(peak, settledQueue(slow));
      assertThat(counter("midge.messages.dropped", "cause", "queue-full"))
          .as("messages dropped as queue-full after %d received (queued at most %d)",
              received.size(), peak).isZero();
      sub.sendRaw(RawPackets.concat(acks.toArray(byte[][]::new)));
    }
    sub.expectNothing(QUIET);

    assertThat(counter("midge.publishers.held.back")).isPositive();
    assertThat(counter("midge.messages.dropped", "cause", "queue-full"))
        .as("messages dropped as queue-full").isZero();
    for (int p = 0; p < publishers; p++) {
      assertEachOnceInOrder(received, p, perPublisher);
      for (int i = 1; i <= perPublisher; i++) {
        assertThat(pubs.get(p).expect(Puback.class, WAIT).packetId()).isEqualTo(i);
      }
    }
    return peak;
  }

  // ---- helpers ----

  /** Publisher {@code p}'s messages "p:1" to "p:n" arrived, each once and in order. */
  private static void assertEachOnceInOrder(List<Publish> received, int p, int n) {
    String from = p + ":";
    assertThat(payloads(received).stream().filter(m -> m.startsWith(from)).toList())
        .as("messages of publisher %d", p)
        .containsExactlyElementsOf(IntStream.rangeClosed(1, n).mapToObj(i -> from + i).toList());
  }

  private BrokerConfig durable(SessionConfig sessions) {
    // Without fsync: the write tickets are the same, and the scenario quicker.
    return config(sessions).withStorage(StorageConfig.DEFAULTS.withDataDir(dataDir)
        .withSync(StorageConfig.Sync.NEVER));
  }

  /**
   * {@code n} connected clients whose connections the broker runs on {@code loop}: it spreads
   * connections over its event loops, so clients are opened until enough landed there, and the
   * others disconnected.
   */
  private List<RawMqttConnection> clientsOn(EventLoop loop, MqttVersion version, String prefix,
      int n) {
    int attempts = n * 4 * Math.max(2, Runtime.getRuntime().availableProcessors());
    List<RawMqttConnection> on = new ArrayList<>();
    for (int i = 0; on.size() < n; i++) {
      assertThat(i).as("connections opened to get %d on %s", n, loop).isLessThan(attempts);
      String id = prefix + i;
      RawMqttConnection c = client(version, id);
      if (loopOf(id) == loop) {
        on.add(c);
      } else {
        c.disconnect(); // normally: a network disconnect would mean a connection failed
        assertThat(c.awaitClosed(WAIT)).as("%s closed after DISCONNECT", id).isTrue();
        c.close();
      }
    }
    return on;
  }

  /**
   * The event loop of a client's connection; it is registered by the time its CONNACK has come,
   * so this looks once before {@link #connectionOf} polls.
   */
  private EventLoop loopOf(String clientId) {
    for (Channel ch : broker.services().channels()) {
      if (ch.pipeline().get(PipelineNames.CONNECTION) instanceof MqttConnection c
          && c.clientId().equals(clientId) && ch.isActive()) {
        return ch.eventLoop();
      }
    }
    return connectionOf(clientId).eventLoop();
  }

  /**
   * The session's queue once the tasks its thread has pending have run, and those they queue in
   * turn: publishers resumed by the last acknowledgements, then the take-in of what they sent.
   */
  private static int settledQueue(Session s) throws Exception {
    EventExecutor owner = s.owner();
    return owner.submit(() -> owner.submit(s::queuedCount))
        .get(WAIT.toMillis(), TimeUnit.MILLISECONDS).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static ListAppender<ILoggingEvent> captureConnectionLog() {
    Logger logger = (Logger) LoggerFactory.getLogger(MqttConnection.class);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    return appender;
  }

  private static void releaseConnectionLog(ListAppender<ILoggingEvent> appender) {
    ((Logger) LoggerFactory.getLogger(MqttConnection.class)).detachAppender(appender);
    appender.stop();
  }

  /**
   * The WARN and ERROR lines logged about the clients whose ids start with {@code clientId}, with their exception's message: other
   * scenarios run alongside and log through the same logger.
   */
  private static List<String> lines(ListAppender<ILoggingEvent> log, String clientId) {
    List<ILoggingEvent> events;
    synchronized (log) { // the appender appends holding its own lock
      events = List.copyOf(log.list);
    }
    return events.stream()
        .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
        .map(e -> e.getFormattedMessage()
            + (e.getThrowableProxy() == null ? "" : " " + e.getThrowableProxy().getMessage()))
        .filter(line -> line.contains("client " + clientId))
        .toList();
  }
}
