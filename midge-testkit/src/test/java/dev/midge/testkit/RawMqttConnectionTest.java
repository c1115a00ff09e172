package dev.midge.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.midge.codec.DecodeFailure;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connack;
import dev.midge.codec.packet.Connect;
import dev.midge.codec.packet.Pingresp;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Suback;
import dev.midge.codec.packet.Will;
import dev.midge.codec.property.Properties;
import dev.midge.codec.reason.ConnackReasonCode;
import dev.midge.codec.reason.ReasonCode;
import dev.midge.codec.reason.SubackReasonCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.opentest4j.AssertionFailedError;

/** The testkit's connection against a tiny in-test server that writes and reads raw bytes. */
class RawMqttConnectionTest {
  private static final Duration SHORT = Duration.ofMillis(200);
  private static final Duration WAIT = Duration.ofSeconds(5);

  private ServerSocket server;
  private Socket peer;
  private RawMqttConnection connection;

  @BeforeEach
  void startServer() throws IOException {
    server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    server.setSoTimeout((int) WAIT.toMillis());
  }

  @AfterEach
  void stop() throws IOException {
    if (connection != null) {
      connection.close();
    }
    if (peer != null) {
      peer.close();
    }
    server.close();
  }

  private RawMqttConnection open(MqttVersion version) throws IOException {
    connection = RawMqttConnection.open(server.getLocalPort(), version);
    peer = server.accept();
    peer.setSoTimeout((int) WAIT.toMillis());
    return connection;
  }

  private void serverWrites(String hex) throws IOException {
    OutputStream out = peer.getOutputStream();
    out.write(Hex.bytes(hex));
    out.flush();
  }

  private byte[] serverReads(int n) throws IOException {
    byte[] b = peer.getInputStream().readNBytes(n);
    assertThat(b).as("bytes the server read").hasSize(n);
    return b;
  }

  // ---- sending ----

  @ParameterizedTest(name = "MQTT {0}")
  @EnumSource(MqttVersion.class)
  void send_whenConnect_thenServerReadsTheEncodersBytesAndVersionFollows(MqttVersion version)
      throws IOException {
    RawMqttConnection c = open(MqttVersion.V3_1_1);
    Connect connect = Connect.builder(version).clientId("c1").keepAlive(7)
        .will(new Will("w", new byte[] {1}, MqttQos.AT_LEAST_ONCE, true)).build();
    byte[] expected = RawMqttConnection.encode(connect, version);

    c.send(connect);

    assertThat(serverReads(expected.length)).isEqualTo(expected);
    assertThat(c.version()).isEqualTo(version);
    assertThat(c.bytesSent()).isEqualTo(expected.length);
  }

  @Test
  void sendHex_whenHexGiven_thenExactlyThoseBytesArrive() throws IOException {
    RawMqttConnection c = open(MqttVersion.V3_1_1);
    c.sendHex("c0 00 ff");
    c.sendRaw((byte) 0x01, (byte) 0x02);
    assertThat(serverReads(5)).containsExactly(0xC0, 0x00, 0xFF, 0x01, 0x02);
  }

  @Test
  void lastSentNanos_whenSending_thenReadJustBeforeTheWrite() throws IOException {
    RawMqttConnection c = open(MqttVersion.V3_1_1);
    assertThat(c.lastSentNanos()).isEqualTo(c.openedNanos());
    long before = System.nanoTime();
    c.sendHex("c0 00");
    long after = System.nanoTime();
    assertThat(c.lastSentNanos()).isBetween(before, after);
  }

  @Test
  void trickle_whenChunked_thenAllBytesArriveSpacedOut() throws IOException {
    RawMqttConnection c = open(MqttVersion.V3_1_1);
    byte[] bytes = new byte[10];
    long start = System.nanoTime();
    int sent = c.trickle(bytes, 3, Duration.ofMillis(50)); // 4 pieces, 3 pauses
    long took = System.nanoTime() - start;
    assertThat(sent).isEqualTo(10);
    assertThat(serverReads(10)).isEqualTo(bytes);
    assertThat(Duration.ofNanos(took)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
  }

  @Test
  void trickle_whenServerCloses_thenStopsEarlyWithoutFailing() throws IOException {
    RawMqttConnection c = open(MqttVersion.V3_1_1);
    peer.close();
    int sent = c.trickle(new byte[100], 1, Duration.ofMillis(20));
    assertThat(sent).isLessThan(100);
    assertThat(c.isClosed()).isTrue();
  }

  @Test
  void send_whenServerHasClosed_thenUncheckedIoExceptionSayingSo() throws IOException {
    RawMqttConnection c = open(MqttVersion.V3_1_1);
    peer.setSoLinger(true, 0);
    peer.close(); // reset: the next writes fail
    assertThat(c.awaitClosed(WAIT)).isTrue();
    assertThatThrownBy(() -> {
      for (int i = 0; i < 100; i++) {
        c.sendHex("c0 00");
      }
    }).isInstanceOf(UncheckedIOException.class).hasMessageContaining("could not send");
  }

  // ---- receiving ----

  @Test
  void expect_whenPacketSplitAcrossWrites_thenDecodedOnceWhole() throws Exception {
    RawMqttConnection c = open(MqttVersion.V3_1_1);
    serverWrites("20");
    c.expectNothing(Duration.ofMillis(50));
    serverWrites("02 00");
    c.expectNothing(Duration.ofMillis(50));
    long beforeLast = System.nanoTime();
    serverWrites("00");

    Connack ack = c.expect(Connack.class, WAIT);

    assertThat(ack.reasonCode()).isEqualTo(ConnackReasonCode.SUCCESS);
    assertThat(ack.sessionPresent()).isFalse();
    Frame frame = c.received().get(0);
    assertThat(frame.hex()).isEqualTo("20 02 00 00");
    assertThat(frame.arrivalNanos()).isGreaterThanOrEqualTo(beforeLast);
  }

  @Test
  void receive_whenTwoPacketsInOneWrite_thenBothInOrder() throws IOException {
    RawMqttConnection c = open(MqttVersion.V3_1_1);
    serverWrites("90 03 00 07 01  d0 00");

    Suback suback = c.expect(Suback.class, WAIT);
    assertThat(suback.packetId()).isEqualTo(7);
    assertThat(suback.reasonCodes()).containsExactly(SubackReasonCode.GRANTED_QOS_1);
    assertThat(c.receive(WAIT)).isInstanceOf(Pingresp.class);
  }

  @Test
  void expect_whenMqtt5_thenPropertiesDecoded() throws IOException {
    RawMqttConnection c = open(MqttVersion.V5);
    byte[] connack = RawMqttConnection.encode(new Connack(false, ConnackReasonCode.SUCCESS,
        Properties.builder().serverKeepAlive(5).assignedClientIdentifier("x").build()),
        MqttVersion.V5);
    peer.getOutputStream().write(connack);

    Connack ack = c.expect(Connack.class, WAIT);
    assertThat(ack.properties().serverKeepAlive()).isEqualTo(5);
    assertThat(ack.properties().assignedClientIdentifier()).isEqualTo("x");
  }

  @Test
  void expect_whenLargePublish_thenWholePayload() throws IOException {
    RawMqttConnection c = open(MqttVersion.V3_1_1);
    byte[] payload = new byte[100_000];
    payload[99_999] = 42;
    peer.getOutputStream().write(RawMqttConnection.encode(Publish.atMostOnce("t", payload),
        MqttVersion.V3_1_1));

    Publish p = c.expect(Publish.class, WAIT);
    assertThat(p.payload()).isEqualTo(payload);
  }

  @Test
  void expect_whenAnotherTypeArrives_thenFailureNamesBoth() throws IOException {
    RawMqttConnection c = open(MqttVersion.V3_1_1);
    serverWrites("d0 00");

    assertThatThrownBy(() -> c.expect(Suback.class, WAIT))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("expected Suback but received Pingresp")
        .hasMessageContaining("d0 00");
  }

  @Test
  void expect_whenNothingArrives_thenFailsAfterTheTimeout() throws IOException {
    RawMqttConnection c = open(MqttVersion.V3_1_1);
    long start = System.nanoTime();

    assertThatThrownBy(() -> c.expect(Suback.class, SHORT))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("expected Suback within 200 ms but nothing arrived")
        .hasMessageContaining("nothing received on this connection so far");
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isBetween(SHORT, SHORT.plusSeconds(2));
  }

  @Test
  void receiveAny_whenBytesDoNotDecode_thenFailureValueAndLaterPacketsStillDecoded()
      throws IOException {
    RawMqttConnection c = open(MqttVersion.V3_1_1);
    serverWrites("21 02 00 00  d0 00"); // CONNACK with a reserved flag bit set, then PINGRESP

    Object first = c.receiveAny(WAIT);
    assertThat(first).isInstanceOf(DecodeFailure.class);
    assertThat(((DecodeFailure) first).reasonCode()).isEqualTo(ReasonCode.MALFORMED_PACKET);
    assertThat(c.receiveAny(WAIT)).isInstanceOf(Pingresp.class);
  }

  @Test
  void receive_whenBytesDoNotDecode_thenFailsShowingTheBytes() throws IOException {
    RawMqttConnection c = open(MqttVersion.V3_1_1);
    serverWrites("21 02 00 00");

    assertThatThrownBy(() -> c.receive(WAIT))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("do not decode")
        .hasMessageContaining("21 02 00 00");
  }

  @Test
  void receiveAny_whenRemainingLengthLongerThanFourBytes_thenFailureAndTheRestDiscarded()
      throws IOException {
    RawMqttConnection c = open(MqttVersion.V3_1_1);
    serverWrites("30 ff ff ff ff 01  d0 00");

    Object first = c.receiveAny(WAIT);
    assertThat(first).isInstanceOf(DecodeFailure.class);
    assertThat(((DecodeFailure) first).message()).contains("longer than four bytes");
    assertThat(c.receiveAny(SHORT)).isNull();
  }

  @Test
  void receiveAny_whenNothing_thenNullAfterTheTimeout() throws IOException {
    RawMqttConnection c = open(MqttVersion.V3_1_1);
    assertThat(c.receiveAny(SHORT)).isNull();
    assertThat(c.receiveFrame(Duration.ZERO)).isNull();
  }

  @Test
  void expectNothing_whenSilent_thenPasses() throws IOException {
    RawMqttConnection c = open(MqttVersion.V3_1_1);
    long start = System.nanoTime();
    c.expectNothing(SHORT);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(SHORT);
  }

  @Test
  void expectNothing_whenPacketArrives_thenFailsNamingIt() throws IOException {
    RawMqttConnection c = open(MqttVersion.V3_1_1);
    serverWrites("d0 00");
    assertThatThrownBy(() -> c.expectNothing(Duration.ofSeconds(2)))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("expected nothing for 2000 ms but received Pingresp");
  }

  @Test
  void expectNothing_whenServerCloses_thenFailsSayingSo() throws IOException {
    RawMqttConnection c = open(MqttVersion.V3_1_1);
    peer.close();
    assertThatThrownBy(() -> c.expectNothing(Duration.ofSeconds(2)))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("but the connection was closed by the server");
  }

  // ---- closing ----

  @Test
  void awaitClosed_whenServerCloses_thenTrueAndTheInstantRecorded() throws IOException {
    RawMqttConnection c = open(MqttVersion.V3_1_1);
    c.sendHex("c0 00");
    assertThat(c.closedNanos()).isEmpty();
    long before = System.nanoTime();
    peer.close();

    assertThat(c.awaitClosed(WAIT)).isTrue();

    long after = System.nanoTime();
    assertThat(c.isClosed()).isTrue();
    assertThat(c.closedNanos()).isPresent();
    assertThat(c.closedNanos().getAsLong()).isBetween(before, after);
    assertThat(c.closedAt()).isPresent();
    assertThat(c.closedAfterLastSend()).isPositive();
    assertThat(c.closedAfter(before)).isBetween(Duration.ZERO, Duration.ofNanos(after - before));
  }

  @Test
  void awaitClosed_whenStillOpen_thenFalseAfterTheTimeout() throws IOException {
    RawMqttConnection c = open(MqttVersion.V3_1_1);
    assertThat(c.awaitClosed(SHORT)).isFalse();
    assertThatThrownBy(() -> c.expectClosed(SHORT))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("expected the server to close the connection within 200 ms");
    assertThatThrownBy(c::closedAfterLastSend)
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("has not closed");
  }

  @Test
  void receive_whenPacketsQueuedBeforeTheClose_thenPacketsFirstThenClosedFailure()
      throws IOException {
    RawMqttConnection c = open(MqttVersion.V5);
    serverWrites("d0 00  e0 01 8d"); // PINGRESP, DISCONNECT 0x8D
    peer.close();
    assertThat(c.awaitClosed(WAIT)).isTrue();

    assertThat(c.receive(WAIT)).isInstanceOf(Pingresp.class);
    assertThat(c.receive(WAIT).type().name()).isEqualTo("DISCONNECT");
    assertThatThrownBy(() -> c.receive(WAIT))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("connection was closed by the server");
    assertThat(c.receiveAny(WAIT)).as("stays closed").isNull();
  }

  @Test
  void receive_whenServerClosesMidPacket_thenFailureValue() throws IOException {
    RawMqttConnection c = open(MqttVersion.V3_1_1);
    serverWrites("30 0a 00 01 61");
    peer.close();

    Object o = c.receiveAny(WAIT);
    assertThat(o).isInstanceOf(DecodeFailure.class);
    assertThat(((DecodeFailure) o).message()).contains("closed after 3 of the 10 bytes");
  }

  @Test
  void close_whenCalled_thenReaderStopsAndNoCloseInstantIsRecorded() throws IOException {
    RawMqttConnection c = open(MqttVersion.V3_1_1);
    assertThat(c.readerAlive()).isTrue();

    c.close();
    c.close(); // idempotent

    assertThat(c.readerAlive()).isFalse();
    assertThat(c.isClosed()).isTrue();
    assertThat(c.awaitClosed(Duration.ZERO)).isTrue();
    assertThat(c.closedNanos()).as("closed by the test, not by the server").isEmpty();
    assertThat(peer.getInputStream().read()).as("the server sees the end").isEqualTo(-1);
  }

  @Test
  void abort_whenCalled_thenServerSeesAReset() throws IOException {
    RawMqttConnection c = open(MqttVersion.V3_1_1);
    c.abort();
    assertThat(c.readerAlive()).isFalse();
    InputStream in = peer.getInputStream();
    assertThatThrownBy(in::read).isInstanceOf(IOException.class);
  }

  @Test
  void open_whenNothingListens_thenUncheckedIoException() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    assertThatThrownBy(() -> RawMqttConnection.open(port, MqttVersion.V3_1_1))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("could not connect");
  }

  // ---- convenience ----

  @Test
  void connect_whenServerAnswers_thenConnackReturned() throws Exception {
    RawMqttConnection c = open(MqttVersion.V3_1_1);
    CompletableFuture<byte[]> serverSide = CompletableFuture.supplyAsync(() -> {
      try {
        InputStream in = peer.getInputStream();
        byte[] header = in.readNBytes(2);
        byte[] body = in.readNBytes(header[1]);
        serverWrites("20 02 01 00");
        return RawPackets.concat(header, body);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });

    Connack ack = c.connect("client-1", 30, false);

    assertThat(ack.sessionPresent()).isTrue();
    byte[] connect = serverSide.get(5, TimeUnit.SECONDS);
    assertThat(connect).isEqualTo(RawMqttConnection.encode(Connect.builder(MqttVersion.V3_1_1)
        .clientId("client-1").keepAlive(30).cleanStart(false).build(), MqttVersion.V3_1_1));
  }

  @Test
  void subscribe_whenSubackHasAnotherPacketId_thenFails() throws Exception {
    RawMqttConnection c = open(MqttVersion.V3_1_1);
    CompletableFuture<Void> serverSide = CompletableFuture.runAsync(() -> {
      try {
        InputStream in = peer.getInputStream();
        byte[] header = in.readNBytes(2);
        in.readNBytes(header[1]);
        serverWrites("90 03 00 09 01");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });

    assertThatThrownBy(() -> c.subscribe(8, "a/b", MqttQos.AT_LEAST_ONCE))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("SUBACK for packet id 9, expected 8");
    serverSide.get(5, TimeUnit.SECONDS);
  }

  @Test
  void received_whenFramesTaken_thenHistoryKeepsThemAll() throws IOException {
    RawMqttConnection c = open(MqttVersion.V3_1_1);
    serverWrites("d0 00 d0 00");
    c.expect(Pingresp.class, WAIT);
    c.expect(Pingresp.class, WAIT);
    List<Frame> all = c.received();
    assertThat(all).hasSize(2);
    assertThat(all.get(0).packet()).isInstanceOf(Pingresp.class);
    assertThat(all.get(0).failure()).isNull();
    assertThat(new String(all.get(0).hex().getBytes(StandardCharsets.US_ASCII),
        StandardCharsets.US_ASCII)).isEqualTo("d0 00");
  }
}
