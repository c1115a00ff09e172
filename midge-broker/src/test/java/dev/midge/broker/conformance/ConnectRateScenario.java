package dev.midge.broker.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.midge.broker.config.LimitsConfig;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Connect;
import dev.midge.testkit.RawMqttConnection;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * limits.connect-rate-per-address: new TCP connections from one source IP beyond its token bucket
 * (connect-burst-per-address at once, then connect-rate-per-address a second) are closed before
 * anything is read from them, while other addresses connect as usual. Counted in {@code
 * midge.limits.reached{limit=connect-rate-per-address}}.
 *
 * <p>The flooding address is 127.0.0.2, bound as the client sockets' local address (on Linux all
 * of 127.0.0.0/8 is loopback); the well-behaved clients come from 127.0.0.1.
 */
@DisplayName("Limits: connect-rate-per-address")
class ConnectRateScenario extends ConformanceScenario {
  private static final int RATE = 1;
  private static final int BURST = 3;
  private static final String FLOOD_ADDRESS = "127.0.0.2";

  private double limitReached() {
    return counter("midge.limits.reached", "limit", "connect-rate-per-address");
  }

  /**
   * Opens a connection from {@code FLOOD_ADDRESS}, sends CONNECT and reads the first byte back:
   * true for a CONNACK, false when the broker closed the connection without a byte.
   */
  private boolean connectFromFloodAddress(String clientId) throws IOException {
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName(FLOOD_ADDRESS), 0));
      s.connect(new InetSocketAddress("127.0.0.1", broker.port()), (int) WAIT.toMillis());
      s.setSoTimeout((int) WAIT.toMillis());
      byte[] connect = RawMqttConnection.encode(Connect.builder(MqttVersion.V5).clientId(clientId)
          .keepAlive(0).cleanStart(true).build(), MqttVersion.V5);
      InputStream in = s.getInputStream();
      try {
        s.getOutputStream().write(connect);
        int first = in.read();
        assertThat(first).as("first byte from the broker: CONNACK or the end").isIn(0x20, -1);
        return first == 0x20;
      } catch (SocketException e) {
        return false; // closed by the broker while the CONNECT was on its way: reset
      }
    }
  }

  @Test
  @DisplayName("limits.connect-rate-per-address: from one address, the burst gets in at once and"
      + " the connections after it are closed without a byte, until the rate gives a place back")
  void connect_whenBeyondBurst_thenClosedUntilRefilled() throws IOException {
    startBroker(config(LimitsConfig.DEFAULTS.withConnectRatePerAddress(RATE, BURST)));
    long start = System.nanoTime();
    int accepted = 0;
    int refused = 0;
    for (int i = 0; i < 10; i++) {
      if (connectFromFloodAddress("burst-" + i)) {
        accepted++;
      } else {
        refused++;
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;

    // At most the burst, plus what the rate gave back while the ten were tried.
    assertThat(accepted).isBetween(BURST, BURST + (int) Math.ceil(seconds * RATE));
    assertThat(refused).isPositive();
    assertThat(limitReached()).isEqualTo(refused);
    await("a place given back by the rate").atMost(WAIT).pollInterval(200, TimeUnit.MILLISECONDS)
        .until(() -> connectFromFloodAddress("later"));
  }

  @Test
  @DisplayName("limits.connect-rate-per-address: a flood of connections from 127.0.0.2 does not"
      + " starve clients from 127.0.0.1, which connect promptly during the flood")
  void connect_whenOneAddressFloods_thenOthersStillConnect() throws Exception {
    startBroker(config(LimitsConfig.DEFAULTS.withConnectRatePerAddress(RATE, BURST)));
    AtomicBoolean flooding = new AtomicBoolean(true);
    AtomicInteger floodAccepted = new AtomicInteger();
    AtomicInteger floodRefused = new AtomicInteger();
    ExecutorService flood = Executors.newFixedThreadPool(2);
    try {
      List<Future<?>> floods = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        int thread = t;
        floods.add(flood.submit(() -> {
          for (int i = 0; flooding.get() && i < 5_000; i++) {
            if (connectFromFloodAddress("flood-" + thread + "-" + i)) {
              floodAccepted.incrementAndGet();
            } else {
              floodRefused.incrementAndGet();
            }
          }
          return null;
        }));
      }
      await("the flood under way").atMost(WAIT).until(() -> floodRefused.get() >= 50);

      // Each CONNECT from 127.0.0.1 gets its CONNACK within RawMqttConnection's 5 s, mid-flood.
      for (int i = 0; i < BURST; i++) {
        client(MqttVersion.V5, "neighbour-" + i).ping(WAIT);
      }
      assertThat(floodRefused.get()).as("the flood went on meanwhile").isGreaterThanOrEqualTo(50);

      flooding.set(false);
      for (Future<?> f : floods) {
        f.get(WAIT.toSeconds() * 2, TimeUnit.SECONDS);
      }
    } finally {
      flooding.set(false);
      flood.shutdownNow();
    }
    assertThat(limitReached()).isEqualTo(floodRefused.get());
    // The flood got its burst and the rate's trickle, nothing more: far fewer than it tried.
    assertThat(floodAccepted.get()).isLessThan(floodRefused.get());
  }
}
