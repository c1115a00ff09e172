package dev.midge.testkit;

import dev.midge.codec.DecodeFailure;
import dev.midge.codec.MqttPacketType;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.PacketDecoder;
import dev.midge.codec.PacketEncoder;
import dev.midge.codec.Role;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Disconnect;
import dev.midge.codec.packet.MqttPacket;
import dev.midge.codec.packet.Pingreq;
import dev.midge.codec.packet.Pingresp;
import dev.midge.codec.packet.Suback;
import dev.midge.codec.packet.Subscribe;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.packet.Unsuback;
import dev.midge.codec.packet.Unsubscribe;
import dev.midge.codec.packet.Will;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.ReasonCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.opentest4j.AssertionFailedError;

/**
 * One MQTT connection to a server under test, speaking raw bytes through the codec: what is sent
 * is exactly what {@link PacketEncoder} writes (or the bytes given), and what the server sends is
 * framed off the socket and decoded by a strict client-role {@link PacketDecoder}, so a broker bug
 * cannot hide behind a lenient client.
 *
 * <pre>{@code
 * try (RawMqttConnection c = RawMqttConnection.open(broker.port(), MqttVersion.V3_1_1)) {
 *   Connack ack = c.connect("sensor-1", 1, true);           // keep alive 1 s, clean session
 *   c.send(new Subscribe(1, List.of(new Subscription("a/#", MqttQos.AT_LEAST_ONCE)),
 *       Properties.EMPTY));
 *   Suback suback = c.expect(Suback.class);
 *   c.sendHex("30 05 00 01 61 ff 62");                       // malformed: 0xFF is not UTF-8
 *   assertThat(c.awaitClosed(Duration.ofSeconds(2))).isTrue();
 * }
 * }</pre>
 *
 * <p><b>Receiving.</b> A background reader thread frames each packet off the socket as it
 * arrives, decodes it and queues a {@link Frame} stamped with its arrival time; {@link #receive},
 * {@link #expect} and {@link #receiveAny} take them in order. When the server closes the socket
 * the instant is recorded ({@link #closedNanos()}); {@link #awaitClosed} waits for it. Bytes that
 * do not decode come back as a {@link DecodeFailure} from {@link #receiveAny} (and fail {@link
 * #receive}); a remaining length that cannot be framed ends decoding, and everything after it is
 * discarded.
 *
 * <p><b>Time.</b> Every method that waits takes a bound (or uses {@link #DEFAULT_TIMEOUT}) and
 * fails with a message saying what was expected and what arrived instead. {@link
 * #lastSentNanos()} is read just before the last bytes were handed to the socket, so a server's
 * timer started when it received them never appears to start earlier; measure keep-alive
 * timeouts from there to {@link #closedNanos()}.
 *
 * <p><b>Version.</b> The connection's protocol version (fixed at {@link #open}) chooses how
 * packets are encoded and decoded; sending a {@link Connect} switches it to the CONNECT's version.
 * Open a 3.1.1 connection to read a server's 3.x answer to a CONNECT it could not parse.
 *
 * <p><b>Threads.</b> Sending and receiving may happen on different threads; each of them is meant
 * for one thread at a time. {@link #close()} closes the socket and joins the reader, so no thread
 * outlives the connection. Not for production use: it buffers everything it receives.
 */
public final class RawMqttConnection implements AutoCloseable {
  /** The wait of the methods that take no timeout. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration READER_JOIN = Duration.ofSeconds(2);
  private static final int HISTORY_SHOWN = 6;
  private static final AtomicInteger SEQUENCE = new AtomicInteger();
  /** Queued after the last frame once the socket has closed; put back whenever it is taken. */
  private static final Object END = new Object();

  private final int id = SEQUENCE.incrementAndGet();
  private final Socket socket;
  private final OutputStream out;
  private final InputStream in;
  private final Thread reader;
  private final long openedNanos;
  private final Instant openedAt;
  private final BlockingQueue<Object> frames = new LinkedBlockingQueue<>();
  private final List<Frame> received = new CopyOnWriteArrayList<>();
  private final CountDownLatch ended = new CountDownLatch(1);
  private final Object sendLock = new Object();

  private volatile MqttVersion version;
  private volatile PacketDecoder decoder;
  private volatile long lastSentNanos;
  private volatile long bytesSent;
  private volatile long closedNanos = -1;
  private volatile boolean closedByUs;
  private volatile @Nullable IOException readError;

  private RawMqttConnection(InetSocketAddress address, MqttVersion version) throws IOException {
    this.version = Objects.requireNonNull(version, "version");
    this.decoder = new PacketDecoder(Role.CLIENT, version);
    Socket s = new Socket();
    this.openedNanos = System.nanoTime(); // before connecting: no server timer starts earlier
    this.openedAt = Instant.now();
    this.lastSentNanos = openedNanos;
    try {
      s.setTcpNoDelay(true);
      s.connect(address, (int) CONNECT_TIMEOUT.toMillis());
      this.out = s.getOutputStream();
      this.in = new BufferedInputStream(s.getInputStream(), 8192);
    } catch (IOException e) {
      s.close();
      throw e;
    }
    this.socket = s;
    this.reader = new Thread(this::readLoop,
        "raw-mqtt-" + id + "-reader-" + s.getLocalPort() + "->" + address.getPort());
    this.reader.setDaemon(true);
    this.reader.start();
  }

  /** Opens a connection to {@code 127.0.0.1:port} speaking {@code version}. */
  public static RawMqttConnection open(int port, MqttVersion version) {
    return open(new InetSocketAddress("127.0.0.1", port), version);
  }

  /** Opens a connection to {@code host:port} speaking {@code version}. */
  public static RawMqttConnection open(String host, int port, MqttVersion version) {
    return open(new InetSocketAddress(host, port), version);
  }

  /**
   * Opens a connection speaking {@code version}, waiting at most 5 s for the TCP handshake.
   *
   * @throws UncheckedIOException when the connection cannot be made
   */
  public static RawMqttConnection open(InetSocketAddress address, MqttVersion version) {
    try {
      return new RawMqttConnection(address, version);
    } catch (IOException e) {
      throw new UncheckedIOException("could not connect to " + address, e);
    }
  }

  // ---- sending ----

  /**
   * Encodes {@code packet} in the connection's version and sends it. A {@link Connect} first
   * switches the connection to its own version.
   *
   * @throws UncheckedIOException when the socket refuses the bytes, typically because the server
   *     closed it
   */
  public void send(MqttPacket packet) {
    if (packet instanceof Connect c) {
      version(c.version());
    }
    write(encode(packet, version), packet.type().toString());
  }

  /** Sends these bytes as they are: for malformed input. */
  public void sendRaw(byte... bytes) {
    write(bytes, bytes.length + " raw bytes");
  }

  /** Sends the bytes a hex string spells, as {@link Hex#bytes} reads it: {@code "c0 00"}. */
  public void sendHex(String hex) {
    sendRaw(Hex.bytes(hex));
  }

  /**
   * Sends {@code bytes} in pieces of {@code chunkSize}, pausing {@code interval} after each piece
   * but the last: a client on a slow link. Stops early, without failing, once the server has
   * closed the connection. Takes at most {@code (pieces - 1) × interval}.
   *
   * @return how many bytes were sent
   */
  public int trickle(byte[] bytes, int chunkSize, Duration interval) {
    if (chunkSize < 1) {
      throw new IllegalArgumentException("chunk size must be positive");
    }
    int sent = 0;
    while (sent < bytes.length && !isClosed()) {
      int n = Math.min(chunkSize, bytes.length - sent);
      byte[] piece = new byte[n];
      System.arraycopy(bytes, sent, piece, 0, n);
      try {
        sendRaw(piece);
      } catch (UncheckedIOException e) {
        break; // the server closed while we trickled: that is the caller's to assert
      }
      sent += n;
      if (sent < bytes.length && ended.getCount() > 0) {
        awaitEnd(interval);
      }
    }
    return sent;
  }

  private void write(byte[] bytes, String what) {
    synchronized (sendLock) {
      long before = System.nanoTime();
      try {
        out.write(bytes);
        out.flush();
      } catch (IOException e) {
        throw new UncheckedIOException("connection " + describe() + " could not send " + what
            + (closedNanos >= 0 ? " (the server closed the connection "
                + millisSince(closedNanos) + " ms ago)" : ""), e);
      }
      lastSentNanos = before;
      bytesSent += bytes.length;
    }
  }

  /** A packet's bytes as {@link PacketEncoder} writes it for {@code version}. */
  public static byte[] encode(MqttPacket packet, MqttVersion version) {
    ByteBuf buf = Unpooled.buffer(PacketEncoder.encodedSize(packet, version));
    try {
      PacketEncoder.encode(packet, version, buf);
      byte[] bytes = new byte[buf.readableBytes()];
      buf.readBytes(bytes);
      return bytes;
    } finally {
      buf.release();
    }
  }

  // ---- convenience: the usual exchanges ----

  /** Sends {@code connect} and returns the CONNACK, failing if another packet or none comes. */
  public Connack connect(Connect connect) {
    send(connect);
    return expect(Connack.class, DEFAULT_TIMEOUT);
  }

  /** CONNECT in the connection's version without a will; returns the CONNACK. */
  public Connack connect(String clientId, int keepAlive, boolean cleanStart) {
    return connect(clientId, version, keepAlive, cleanStart, null);
  }

  /** CONNECT in the connection's version with a will (or none); returns the CONNACK. */
  public Connack connect(String clientId, int keepAlive, boolean cleanStart,
      @Nullable Will will) {
    return connect(clientId, version, keepAlive, cleanStart, will);
  }

  /** CONNECT in {@code version} with a will (or none); returns the CONNACK. */
  public Connack connect(String clientId, MqttVersion version, int keepAlive, boolean cleanStart,
      @Nullable Will will) {
    return connect(Connect.builder(version).clientId(clientId).keepAlive(keepAlive)
        .cleanStart(cleanStart).will(will).build());
  }

  /** SUBSCRIBE to the subscriptions under {@code packetId}; returns the SUBACK. */
  public Suback subscribe(int packetId, Subscription... subscriptions) {
    send(new Subscribe(packetId, List.of(subscriptions), Properties.EMPTY));
    Suback suback = expect(Suback.class, DEFAULT_TIMEOUT);
    if (suback.packetId() != packetId) {
      throw new AssertionFailedError(describe() + ": SUBACK for packet id " + suback.packetId()
          + ", expected " + packetId, packetId, suback.packetId());
    }
    return suback;
  }

  /** SUBSCRIBE to one filter; returns the SUBACK. */
  public Suback subscribe(int packetId, String topicFilter, MqttQos qos) {
    return subscribe(packetId, new Subscription(topicFilter, qos));
  }

  /** UNSUBSCRIBE from the filters under {@code packetId}; returns the UNSUBACK. */
  public Unsuback unsubscribe(int packetId, String... topicFilters) {
    send(new Unsubscribe(packetId, List.of(topicFilters), Properties.EMPTY));
    return expect(Unsuback.class, DEFAULT_TIMEOUT);
  }

  /** PINGREQ, then waits for the PINGRESP. */
  public Pingresp ping(Duration timeout) {
    send(Pingreq.INSTANCE);
    return expect(Pingresp.class, timeout);
  }

  /** A normal DISCONNECT (0x00); the connection stays open until the server closes it. */
  public void disconnect() {
    send(Disconnect.NORMAL);
  }

  // ---- receiving ----

  /**
   * The next packet, waiting at most {@code timeout}.
   *
   * @throws AssertionFailedError when nothing arrives in time, the server closes the connection,
   *     or the bytes do not decode
   */
  public MqttPacket receive(Duration timeout) {
    Frame f = nextOrFail("a packet", timeout);
    DecodeFailure failure = f.failure();
    if (failure != null) {
      throw new AssertionFailedError(describe() + ": expected a packet but the server sent bytes"
          + " that do not decode: " + failure + " [" + Hex.format(f.bytes(), 32) + "]"
          + history());
    }
    return Objects.requireNonNull(f.packet());
  }

  /** {@link #receive(Duration)} with {@link #DEFAULT_TIMEOUT}. */
  public MqttPacket receive() {
    return receive(DEFAULT_TIMEOUT);
  }

  /**
   * The next packet, which must be of {@code type}.
   *
   * <pre>{@code
   * Puback ack = c.expect(Puback.class, Duration.ofSeconds(1));
   * }</pre>
   *
   * @throws AssertionFailedError when a packet of another type arrives first, nothing arrives in
   *     time, the server closes the connection, or the bytes do not decode; the message names what
   *     was expected and what came
   */
  public <T extends MqttPacket> T expect(Class<T> type, Duration timeout) {
    Frame f = nextOrFail(type.getSimpleName(), timeout);
    Object decoded = f.decoded();
    if (!type.isInstance(decoded)) {
      throw new AssertionFailedError(describe() + ": expected " + type.getSimpleName()
          + " but received " + f + " after " + millisSince(f.arrivalNanos(), openedNanos)
          + " ms" + history(), type.getSimpleName(), decoded);
    }
    return type.cast(decoded);
  }

  /** {@link #expect(Class, Duration)} with {@link #DEFAULT_TIMEOUT}. */
  public <T extends MqttPacket> T expect(Class<T> type) {
    return expect(type, DEFAULT_TIMEOUT);
  }

  /**
   * The next thing the server sent: an {@link MqttPacket} or a {@link DecodeFailure}; null when
   * nothing arrives within {@code timeout} or the connection has closed with nothing left.
   */
  public @Nullable Object receiveAny(Duration timeout) {
    Frame f = receiveFrame(timeout);
    return f == null ? null : f.decoded();
  }

  /**
   * The next frame with its bytes and arrival time; null when nothing arrives within {@code
   * timeout} or the connection has closed with nothing left.
   */
  public @Nullable Frame receiveFrame(Duration timeout) {
    Object o = take(timeout);
    return o instanceof Frame f ? f : null;
  }

  /**
   * Asserts that for {@code window} the server sends nothing and keeps the connection open.
   *
   * @throws AssertionFailedError naming the packet, or the closing, and when it came
   */
  public void expectNothing(Duration window) {
    long start = System.nanoTime();
    Object o = take(window);
    if (o instanceof Frame f) {
      throw new AssertionFailedError(describe() + ": expected nothing for " + window.toMillis()
          + " ms but received " + f + " after " + millisSince(f.arrivalNanos(), start) + " ms"
          + history());
    }
    if (o == END) {
      throw new AssertionFailedError(describe() + ": expected nothing for " + window.toMillis()
          + " ms but the connection was closed " + closedDescription(start) + history());
    }
  }

  /** Every frame received so far, in order, whether or not it has been taken. */
  public List<Frame> received() {
    return List.copyOf(received);
  }

  // ---- closing ----

  /**
   * Waits at most {@code timeout} for the server to close the connection (frames still queued
   * stay readable); returns whether it did. Returns true at once after {@link #close()}.
   */
  public boolean awaitClosed(Duration timeout) {
    return awaitEnd(timeout);
  }

  /**
   * Asserts that the server closes the connection within {@code timeout}.
   *
   * @throws AssertionFailedError when it is still open
   */
  public void expectClosed(Duration timeout) {
    if (!awaitEnd(timeout)) {
      throw new AssertionFailedError(describe() + ": expected the server to close the connection"
          + " within " + timeout.toMillis() + " ms, still open " + millisSince(lastSentNanos)
          + " ms after the last bytes were sent" + history());
    }
  }

  /** Whether the connection has ended, closed by the server or by {@link #close()}. */
  public boolean isClosed() {
    return ended.getCount() == 0;
  }

  /**
   * {@link System#nanoTime()} when the reader saw the server close the socket (end of stream or
   * reset); empty while open or when {@link #close()} ended it.
   */
  public OptionalLong closedNanos() {
    long c = closedNanos;
    return c >= 0 ? OptionalLong.of(c) : OptionalLong.empty();
  }

  /** When the server closed the socket, on the wall clock; empty as for {@link #closedNanos()}. */
  public Optional<Instant> closedAt() {
    long c = closedNanos;
    return c >= 0 ? Optional.of(openedAt.plusNanos(c - openedNanos)) : Optional.empty();
  }

  /**
   * How long after the last bytes were sent the server closed the socket: the silence a
   * keep-alive timeout measures.
   *
   * @throws AssertionFailedError when the server has not closed it
   */
  public Duration closedAfterLastSend() {
    return closedAfter(lastSentNanos);
  }

  /**
   * How long after {@code startNanos} (a {@link System#nanoTime()} reading) the server closed the
   * socket.
   *
   * @throws AssertionFailedError when the server has not closed it
   */
  public Duration closedAfter(long startNanos) {
    long c = closedNanos;
    if (c < 0) {
      throw new AssertionFailedError(describe() + ": the server has not closed the connection");
    }
    return Duration.ofNanos(c - startNanos);
  }

  /** Closes the socket and stops the reader; waits at most 2 s for it. Idempotent. */
  @Override
  public void close() {
    closedByUs = true;
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
    try {
      reader.join(READER_JOIN.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (reader.isAlive()) {
      reader.interrupt();
    }
  }

  /**
   * Closes the socket abruptly, as a crashing client or a broken network would: the server sees a
   * reset rather than an orderly end of stream. Then as {@link #close()}.
   */
  public void abort() {
    try {
      socket.setSoLinger(true, 0);
    } catch (IOException e) {
      // closing anyway
    }
    close();
  }

  // ---- state ----

  /** The protocol version packets are encoded and decoded in. */
  public MqttVersion version() {
    return version;
  }

  /**
   * Switches the protocol version packets are encoded and decoded in. Meant for before the
   * server has answered anything; a server's packet being decoded meanwhile uses either version.
   */
  public void version(MqttVersion newVersion) {
    if (newVersion != version) {
      version = newVersion;
      decoder = new PacketDecoder(Role.CLIENT, newVersion);
    }
  }

  /** {@link System#nanoTime()} just before the TCP connection was opened. */
  public long openedNanos() {
    return openedNanos;
  }

  /**
   * {@link System#nanoTime()} just before the last bytes were handed to the socket ({@link
   * #openedNanos()} before anything was sent).
   */
  public long lastSentNanos() {
    return lastSentNanos;
  }

  /** Bytes sent so far. */
  public long bytesSent() {
    return bytesSent;
  }

  /** The local TCP port, which the server sees as the client's. */
  public int localPort() {
    return socket.getLocalPort();
  }

  /** Whether the reader thread is still running: false once the connection has ended. */
  boolean readerAlive() {
    return reader.isAlive();
  }

  @Override
  public String toString() {
    return describe();
  }

  // ---- the reader thread ----

  private void readLoop() {
    try {
      while (true) {
        int first = in.read();
        if (first < 0) {
          return; // end of stream: the server closed
        }
        byte[] header = new byte[5];
        header[0] = (byte) first;
        int remaining = 0;
        int lengthBytes = 0;
        int digit;
        do {
          digit = in.read();
          if (digit < 0) {
            deliver(Arrays.copyOf(header, 1 + lengthBytes), failure("the connection"
                + " closed inside the fixed header of a packet", first), System.nanoTime());
            return;
          }
          header[1 + lengthBytes] = (byte) digit;
          remaining |= (digit & 0x7F) << (7 * lengthBytes);
          lengthBytes++;
        } while ((digit & 0x80) != 0 && lengthBytes < 4);
        if ((digit & 0x80) != 0) {
          deliver(Arrays.copyOf(header, 1 + lengthBytes), failure("remaining length"
              + " longer than four bytes; the rest of the stream is discarded", first),
              System.nanoTime());
          discardRest();
          return;
        }
        byte[] body = in.readNBytes(remaining);
        long now = System.nanoTime();
        byte[] bytes = RawPackets.concat(Arrays.copyOf(header, 1 + lengthBytes), body);
        if (body.length < remaining) {
          deliver(bytes, failure("the connection closed after " + body.length + " of the "
              + remaining + " bytes of a packet", first), now);
          return;
        }
        deliver(bytes, decode(first, body), now);
      }
    } catch (IOException e) {
      if (!closedByUs) {
        readError = e; // a reset by the server is a close too
      }
    } finally {
      if (!closedByUs) {
        closedNanos = System.nanoTime();
      }
      frames.add(END);
      ended.countDown();
    }
  }

  private void discardRest() throws IOException {
    byte[] sink = new byte[4096];
    while (in.read(sink) >= 0) {
      // framing is lost: nothing after this can be trusted
    }
  }

  private Object decode(int firstByte, byte[] body) {
    ByteBuf buf = Unpooled.wrappedBuffer(body);
    try {
      return decoder.decode(firstByte, buf);
    } catch (RuntimeException e) {
      return failure("the decoder threw " + e, firstByte);
    } finally {
      buf.release();
    }
  }

  private DecodeFailure failure(String message, int firstByte) {
    return new DecodeFailure(ReasonCode.MALFORMED_PACKET, "testkit framing", message,
        MqttPacketType.of(firstByte >>> 4), version);
  }

  private void deliver(byte[] bytes, Object decoded, long arrivalNanos) {
    Frame f = new Frame(bytes, decoded, arrivalNanos);
    received.add(f);
    frames.add(f);
  }

  // ---- waiting ----

  /** The next frame, END once the connection has ended with nothing left, or null on timeout. */
  private @Nullable Object take(Duration timeout) {
    try {
      Object o = frames.poll(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
      if (o == END) {
        frames.add(END); // stays the last word for every later call
      }
      return o;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionFailedError(describe() + ": interrupted while waiting", e);
    }
  }

  private Frame nextOrFail(String expected, Duration timeout) {
    long start = System.nanoTime();
    Object o = take(timeout);
    if (o instanceof Frame f) {
      return f;
    }
    if (o == END) {
      throw new AssertionFailedError(describe() + ": expected " + expected + " but the"
          + " connection was closed " + closedDescription(start) + " with nothing more received"
          + history());
    }
    throw new AssertionFailedError(describe() + ": expected " + expected + " within "
        + timeout.toMillis() + " ms but nothing arrived" + history());
  }

  private boolean awaitEnd(Duration timeout) {
    try {
      return ended.await(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ended.getCount() == 0;
    }
  }

  // ---- messages ----

  private String describe() {
    return "connection #" + id + " (MQTT " + version + ", port " + socket.getLocalPort() + " -> "
        + socket.getPort() + ")";
  }

  private String closedDescription(long sinceNanos) {
    long c = closedNanos;
    if (c < 0) {
      return "by the test";
    }
    IOException e = readError;
    return "by the server " + (c >= sinceNanos ? millisSince(c, sinceNanos) + " ms into the wait"
        : millisSince(sinceNanos, c) + " ms before the wait") + (e == null ? "" : " (" + e + ")");
  }

  private String history() {
    List<Frame> all = new ArrayList<>(received);
    if (all.isEmpty()) {
      return "; nothing received on this connection so far";
    }
    int from = Math.max(0, all.size() - HISTORY_SHOWN);
    StringBuilder b = new StringBuilder("; received so far (")
        .append(all.size()).append(from > 0 ? ", last " + (all.size() - from) : "").append("):");
    for (Frame f : all.subList(from, all.size())) {
      b.append("\n  +").append(millisSince(f.arrivalNanos(), openedNanos)).append(" ms ")
          .append(f);
    }
    return b.toString();
  }

  private static long millisSince(long nanos) {
    return millisSince(System.nanoTime(), nanos);
  }

  private static long millisSince(long later, long earlier) {
    return TimeUnit.NANOSECONDS.toMillis(later - earlier);
  }
}
