package dev.midge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;

/** {@code midge broker --http-port}: the admin line, the API reachable, off, a port in use. */
class BrokerHttpTest {
  private static final Duration START = Duration.ofSeconds(20);
  private static final Duration STOP = Duration.ofSeconds(15);

  @Test
  void broker_whenHttpPortZero_thenPrintsTheAdminUrlAndServesTheApi() throws Exception {
    try (MidgeProcess midge = MidgeProcess.start("broker", "--port", "0", "--http-port", "0")) {
      midge.awaitListening(START);
      String line = midge.awaitLine(l -> l.startsWith("midge admin"), START);
      Matcher admin = MidgeProcess.ADMIN.matcher(line);
      assertThat(admin.matches()).as(line).isTrue();
      assertThat(admin.group(1)).isEqualTo("127.0.0.1");
      int port = Integer.parseInt(admin.group(2));

      HttpResponse<String> r = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/clients"))
              .timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("\"total\":0");

      midge.terminate();
      assertThat(midge.awaitExit(STOP)).isZero();
    }
  }

  @Test
  void broker_whenHttpPortOff_thenOnlyTheMqttLine() throws Exception {
    try (MidgeProcess midge = MidgeProcess.start("broker", "--port", "0", "--http-port", "off")) {
      midge.awaitListening(START);
      midge.terminate();
      assertThat(midge.awaitExit(STOP)).isZero();
      assertThat(midge.stdoutLines()).hasSize(1);
    }
  }

  @Test
  void broker_whenHttpPortIsInUse_thenSaysSoAndExitsOne() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        MidgeProcess midge = MidgeProcess.start("broker", "--port", "0", "--http-port",
            Integer.toString(taken.getLocalPort()))) {
      assertThat(midge.awaitExit(START)).isEqualTo(1);
      assertThat(midge.stdoutLines()).isEmpty();
      assertThat(midge.stderr()).contains("midge: port " + taken.getLocalPort()
          + " on 127.0.0.1 (admin HTTP) is already in use; pick another with --http-port"
          + " (0 picks a free one, off turns it off)");
    }
  }

  @Test
  void broker_whenConfigTurnsHttpOff_thenNoAdminLine(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path config = dir.resolve("midge.yaml");
    java.nio.file.Files.writeString(config, "listeners:\n  - port: 0\nhttp:\n  enabled: false\n");
    try (MidgeProcess midge = MidgeProcess.startExactly("broker", "--config",
        config.toString())) {
      midge.awaitListening(START);
      midge.terminate();
      assertThat(midge.awaitExit(STOP)).isZero();
      assertThat(midge.stdoutLines()).hasSize(1);
    }
  }
}
