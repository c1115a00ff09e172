package dev.midge.cli;

import dev.midge.client.ConnectResult;
import dev.midge.client.ConnectionListener;
import dev.midge.client.MqttClient;
import dev.midge.codec.MqttQos;
import dev.midge.codec.MqttVersion;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The connection flags {@code midge pub} and {@code midge sub} share, spelled as mosquitto_pub and
 * mosquitto_sub spell them where they mean the same thing. {@code -h} is the host, as there; help
 * is {@code --help}.
 */
final class ClientFlags {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

  @Option(names = {"-h", "--host"}, paramLabel = "HOST", defaultValue = "127.0.0.1",
      description = "Broker host, ${DEFAULT-VALUE} by default.")
  String host;

  @Option(names = {"-p", "--port"}, paramLabel = "PORT", defaultValue = "1883",
      description = "Broker port, ${DEFAULT-VALUE} by default.")
  int port;

  @Option(names = {"-i", "--id"}, paramLabel = "ID",
      description = "Client id; a random midge-xxxxxxxx by default.")
  @Nullable String id;

  @Option(names = {"-k", "--keepalive"}, paramLabel = "SECONDS", defaultValue = "60",
      description = "Keep alive in seconds, 0 (off) or 1 to 65535; ${DEFAULT-VALUE} by default."
          + " With nothing else to send, a PINGREQ goes out this often.")
  int keepAlive;

  @Option(names = {"-V", "--protocol-version"}, paramLabel = "VERSION", defaultValue = "mqttv311",
      description = "mqttv311 (or 311, default) or mqttv5 (or 5).")
  String protocolVersion;

  @Option(names = {"-q", "--qos"}, paramLabel = "QOS", defaultValue = "0",
      description = "QoS 0, 1 or 2; ${DEFAULT-VALUE} by default.")
  int qos;

  @Option(names = {"-c", "--disable-clean-session"},
      description = "Keep the session when disconnected (needs -i): messages sent meanwhile"
          + " wait for this client.")
  boolean keepSession;

  @Option(names = {"-x", "--session-expiry-interval"}, paramLabel = "SECONDS",
      description = "MQTT 5: how long the broker keeps the session; with -c, never expires by"
          + " default.")
  @Nullable Long sessionExpiry;

  @Option(names = {"-u", "--username"}, paramLabel = "USER", description = "User name.")
  @Nullable String username;

  @Option(names = {"-P", "--pw"}, paramLabel = "PASSWORD", description = "Password.")
  @Nullable String password;

  @Option(names = "--will-topic", paramLabel = "TOPIC",
      description = "Will: published by the broker if this client vanishes without DISCONNECT.")
  @Nullable String willTopic;

  @Option(names = "--will-payload", paramLabel = "PAYLOAD", description = "The will's payload.")
  @Nullable String willPayload;

  @Option(names = "--will-qos", paramLabel = "QOS", defaultValue = "0",
      description = "The will's QoS.")
  int willQos;

  @Option(names = "--will-retain", description = "Retain the will.")
  boolean willRetain;

  @Option(names = "--ping-timeout", paramLabel = "SECONDS", defaultValue = "5",
      description = "Declare the connection lost when nothing answers a PINGREQ within this"
          + " many seconds; ${DEFAULT-VALUE} by default.")
  double pingTimeout;

  @Option(names = {"-d", "--debug"},
      description = "Print every packet sent and received and every connection event, with"
          + " the time.")
  boolean debug;

  MqttVersion version(CommandSpec spec) {
    return switch (protocolVersion) {
      case "mqttv311", "311", "v311", "3.1.1" -> MqttVersion.V3_1_1;
      case "mqttv5", "5", "v5", "5.0" -> MqttVersion.V5;
      default -> throw new ParameterException(spec.commandLine(),
          "-V must be mqttv311 or mqttv5, was '" + protocolVersion + "'");
    };
  }

  static MqttQos qos(CommandSpec spec, String flag, int value) {
    if (value < 0 || value > 2) {
      throw new ParameterException(spec.commandLine(), flag + " must be 0, 1 or 2, was " + value);
    }
    return MqttQos.of(value);
  }

  /** A client builder from the flags, checked; the caller adds what is particular to it. */
  MqttClient.Builder builder(CommandSpec spec) {
    if (port < 1 || port > 65535) {
      throw new ParameterException(spec.commandLine(), "-p must be 1 to 65535, was " + port);
    }
    if (keepAlive < 0 || keepAlive > 65535) {
      throw new ParameterException(spec.commandLine(),
          "-k must be 0 to 65535 seconds, was " + keepAlive);
    }
    if (keepSession && id == null) {
      throw new ParameterException(spec.commandLine(),
          "-c needs a client id (-i): a session is found again by its client id");
    }
    if (pingTimeout <= 0) {
      throw new ParameterException(spec.commandLine(), "--ping-timeout must be positive");
    }
    MqttVersion v = version(spec);
    qos(spec, "-q", qos);
    MqttClient.Builder b = MqttClient.builder()
        .host(host).port(port).version(v)
        .keepAlive(Duration.ofSeconds(keepAlive))
        .cleanStart(!keepSession)
        .pingTimeout(Duration.ofMillis((long) (pingTimeout * 1000)));
    if (id != null) {
      b.clientId(id);
    }
    if (sessionExpiry != null) {
      b.sessionExpiry(Duration.ofSeconds(sessionExpiry));
    } else if (keepSession) {
      b.sessionExpiry(Duration.ofSeconds(0xFFFF_FFFFL));
    }
    if (username != null) {
      b.credentials(username, password == null ? null
          : password.getBytes(StandardCharsets.UTF_8));
    }
    if (willTopic != null) {
      b.will(willTopic, willPayload == null ? new byte[0]
          : willPayload.getBytes(StandardCharsets.UTF_8), qos(spec, "--will-qos", willQos),
          willRetain);
    } else if (willPayload != null) {
      throw new ParameterException(spec.commandLine(), "--will-payload needs --will-topic");
    }
    return b;
  }

  /** Wires -d: packets and connection events, one timestamped line each, on {@code out}. */
  void debug(MqttClient.Builder b, PrintWriter out, String[] clientIdHolder) {
    if (!debug) {
      return;
    }
    b.packetListener((sent, packet) -> line(out, "Client " + clientIdHolder[0]
        + (sent ? " sending " : " received ") + PacketText.describe(packet)));
    b.connectionListener(new ConnectionListener() {
      @Override
      public void connected(ConnectResult r) {
        clientIdHolder[0] = r.clientId();
        line(out, "Client " + r.clientId() + " connected (session present: "
            + (r.sessionPresent() ? "yes" : "no") + ", keep alive " + r.keepAlive().toSeconds()
            + " s)");
      }

      @Override
      public void connectionLost(Throwable cause) {
        line(out, "Client " + clientIdHolder[0] + " connection lost: " + cause.getMessage());
      }

      @Override
      public void reconnecting(Duration delay, int attempt) {
        line(out, "Client " + clientIdHolder[0] + " reconnecting in " + delay.toMillis()
            + " ms (attempt " + attempt + ")");
      }

      @Override
      public void pingRoundTrip(Duration rtt) {
        line(out, "Client " + clientIdHolder[0] + " ping round trip "
            + String.format(java.util.Locale.ROOT, "%.1f", rtt.toNanos() / 1e6) + " ms");
      }
    });
  }

  static void line(PrintWriter out, String text) {
    synchronized (out) {
      out.println(LocalTime.now().format(TIME) + " " + text);
      out.flush();
    }
  }
}
