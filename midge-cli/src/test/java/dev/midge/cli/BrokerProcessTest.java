package dev.midge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code midge broker} as a process: the listening line, a real client, SIGTERM, exit codes. */
class BrokerProcessTest {
  private static final Duration START = Duration.ofSeconds(20);
  private static final Duration STOP = Duration.ofSeconds(15);

  /** CONNECT, MQTT 3.1.1, clean session, keep alive 60 s, empty client id. */
  private static final byte[] CONNECT = bytes(
      0x10, 0x0c, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3c, 0x00, 0x00);

  /** CONNACK, session present 0, accepted. */
  private static final byte[] CONNACK = bytes(0x20, 0x02, 0x00, 0x00);

  @Test
  void broker_whenPortZero_thenPrintsTheRealPortServesMqttAndExitsZeroOnSigterm()
      throws Exception {
    try (MidgeProcess midge = MidgeProcess.start("broker", "--port", "0")) {
      Matcher listening = midge.awaitListening(START);
      assertThat(listening.group(1)).isEqualTo("127.0.0.1");
      int port = Integer.parseInt(listening.group(2));
      assertThat(port).isPositive();

      try (Socket socket = new Socket("127.0.0.1", port)) {
        socket.setSoTimeout(10_000);
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        out.write(CONNECT);
        out.flush();
        assertThat(in.readNBytes(4)).isEqualTo(CONNACK);

        midge.terminate(); // SIGTERM

        // The shutdown hook disconnects the client: an MQTT 3.1.1 connection is just closed.
        assertThat(in.read()).isEqualTo(-1);
        assertThat(midge.awaitExit(STOP)).isZero();
      }
      assertThat(midge.stdoutLines()).hasSize(2);
      assertThat(midge.stdoutLines().get(1)).matches(MidgeProcess.ADMIN.pattern());
      assertThat(midge.stderr()).contains("stopping: disconnecting clients", "broker stopped")
          .doesNotContain("Exception");
    }
  }

  @Test
  void broker_whenConfigHasTwoListeners_thenOneLinePerListener(@TempDir Path dir)
      throws Exception {
    Path config = dir.resolve("midge.yaml");
    Files.writeString(config, """
        listeners:
          - name: first
            port: 0
          - name: second
            port: 0
            keep-alive:
              maximum: 300
        """);
    try (MidgeProcess midge = MidgeProcess.start("broker", "--config", config.toString())) {
      int first = Integer.parseInt(midge.awaitListening(START).group(2));
      int second = Integer.parseInt(midge.awaitListening(START).group(2));
      assertThat(first).isNotEqualTo(second);
      for (int port : new int[] {first, second}) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
          socket.setSoTimeout(10_000);
          socket.getOutputStream().write(CONNECT);
          assertThat(socket.getInputStream().readNBytes(4)).isEqualTo(CONNACK);
        }
      }
      midge.terminate();
      assertThat(midge.awaitExit(STOP)).isZero();
    }
  }

  @Test
  void broker_whenConfigIsWrong_thenOneLineNamingTheKeyAndExitTwo(@TempDir Path dir)
      throws Exception {
    Path config = dir.resolve("midge.yaml");
    Files.writeString(config, """
        listeners:
          - port: 0
            keep-alive:
              maximum: 70000
        """);
    try (MidgeProcess midge = MidgeProcess.start("broker", "--config", config.toString())) {
      assertThat(midge.awaitExit(START)).isEqualTo(2);
      assertThat(midge.stdoutLines()).isEmpty();
      assertThat(midge.stderr().lines()).containsExactly("midge: " + config
          + ", line 4: listeners[0].keep-alive.maximum: found 70000, allowed: 0 to 65535"
          + " seconds. Fix: write an allowed value, or remove the key for the default (65535)");
    }
  }

  @Test
  void broker_whenPortIsInUse_thenSaysSoAndExitsOne() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        MidgeProcess midge = MidgeProcess.start(
            "broker", "--port", Integer.toString(taken.getLocalPort()))) {
      assertThat(midge.awaitExit(START)).isEqualTo(1);
      assertThat(midge.stdoutLines()).isEmpty();
      assertThat(midge.stderr()).contains("port " + taken.getLocalPort()
          + " on 127.0.0.1 is already in use; pick another with --port");
    }
  }

  /** CONNECT, MQTT 3.1.1, clean session 0 (a persistent session), keep alive 60 s, id "k". */
  private static final byte[] CONNECT_PERSISTENT = bytes(
      0x10, 0x0d, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x00, 0x00, 0x3c, 0x00, 0x01, 'k');

  /** Connects with {@link #CONNECT_PERSISTENT}; returns the CONNACK's session present flag. */
  private static int connectPersistent(int port) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(CONNECT_PERSISTENT);
      byte[] connack = socket.getInputStream().readNBytes(4);
      assertThat(connack[0]).isEqualTo((byte) 0x20);
      assertThat(connack[3]).as("return code").isZero();
      return connack[2];
    }
  }

  @Test
  void broker_whenKilledAndStartedAgain_thenPersistentSessionKeptInDotData(@TempDir Path work)
      throws Exception {
    try (MidgeProcess midge = MidgeProcess.startIn(work, "broker", "--port", "0")) {
      int port = Integer.parseInt(midge.awaitListening(START).group(2));
      assertThat(connectPersistent(port)).as("session present, first time").isZero();
      midge.kill(); // SIGKILL: no shutdown hook, no orderly close of the store
      midge.awaitExit(STOP);
    }
    assertThat(work.resolve("data/CURRENT")).exists();
    try (MidgeProcess midge = MidgeProcess.startIn(work, "broker", "--port", "0")) {
      int port = Integer.parseInt(midge.awaitListening(START).group(2));
      assertThat(connectPersistent(port)).as("session present after the restart").isOne();
      assertThat(midge.stderr()).contains("recovered from RocksDB in ./data",
          "1 sessions (0 queued and 0 in-flight messages)");
      midge.terminate();
      assertThat(midge.awaitExit(STOP)).isZero();
    }
  }

  @Test
  void broker_whenDataDirIsNone_thenNothingWritten(@TempDir Path work) throws Exception {
    try (MidgeProcess midge = MidgeProcess.startIn(work, "broker", "--port", "0",
        "--data-dir", "none")) {
      int port = Integer.parseInt(midge.awaitListening(START).group(2));
      assertThat(connectPersistent(port)).isZero();
      midge.terminate();
      assertThat(midge.awaitExit(STOP)).isZero();
    }
    try (var files = Files.list(work)) {
      assertThat(files.toList()).isEmpty();
    }
  }

  @Test
  void broker_whenDataDirIsNotAMidgeStore_thenOneLineSayingWhatToDoAndExitOne(
      @TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("thesis.tex"), "mine");
    try (MidgeProcess midge = MidgeProcess.start("broker", "--port", "0", "--data-dir",
        dir.toString())) {
      assertThat(midge.awaitExit(START)).isEqualTo(1);
      assertThat(midge.stdoutLines()).isEmpty();
      assertThat(midge.stderr().lines().filter(l -> l.startsWith("midge: ")))
          .containsExactly("midge: data directory " + dir + ": holds files (thesis.tex) but no"
              + " Midge store. Nothing was changed. Fix: give an empty or new directory with"
              + " --data-dir (storage.data-dir), or move these files away.");
    }
    assertThat(dir.resolve("thesis.tex")).hasContent("mine");
  }

  private static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }
}
