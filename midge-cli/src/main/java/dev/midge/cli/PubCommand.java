package dev.midge.cli;

import dev.midge.client.MqttClient;
import dev.midge.codec.MqttQos;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code midge pub}: publishes one message and exits once the broker has it (PUBACK for QoS 1,
 * PUBCOMP for QoS 2), like mosquitto_pub.
 *
 * <pre>
 * midge pub -t sensors/temp -m 21.5 -q 1
 * midge pub -t config/app -f app.json -r -V mqttv5
 * </pre>
 */
@Command(
    name = "pub",
    versionProvider = MidgeVersion.class,
    description = "Publishes one message, like mosquitto_pub.",
    footer = {"", "Exit status: 0 once the broker has the message, 1 when it cannot be"
        + " delivered (no connection, refused), 2 for a wrong option."})
final class PubCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Mixin private ClientFlags flags;

  @Option(names = "--help", usageHelp = true, description = "Show this help and exit.")
  private boolean help;

  @Option(names = {"-t", "--topic"}, paramLabel = "TOPIC", required = true,
      description = "Topic to publish to.")
  private String topic;

  @ArgGroup(exclusive = true, multiplicity = "1")
  private Payload payload;

  static final class Payload {
    @Option(names = {"-m", "--message"}, paramLabel = "TEXT", description = "The message.")
    @Nullable String message;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE",
        description = "Send the file's contents as the message.")
    @Nullable Path file;

    @Option(names = {"-n", "--null-message"}, description = "Send an empty message.")
    boolean empty;

    @Option(names = {"-s", "--stdin-file"}, description = "Send all of stdin as the message.")
    boolean stdin;
  }

  @Option(names = {"-r", "--retain"}, description = "Ask the broker to retain the message.")
  private boolean retain;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    MqttQos qos = ClientFlags.qos(spec, "-q", flags.qos);
    byte[] body;
    try {
      body = payloadBytes();
    } catch (IOException e) {
      err.println("midge: cannot read " + (payload.file != null ? payload.file : "stdin") + ": "
          + e.getMessage());
      err.flush();
      return Midge.EXIT_FAILURE;
    }
    MqttClient.Builder b = flags.builder(spec).automaticReconnect(false);
    String[] shownId = {""};
    flags.debug(b, out, shownId);
    try (MqttClient client = b.build()) {
      shownId[0] = client.clientId();
      client.connect().join();
      client.publish(topic, body, qos, retain).join();
      client.disconnect().join();
      return Midge.EXIT_OK;
    } catch (CompletionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      err.println("midge: " + cause.getMessage());
      err.flush();
      return Midge.EXIT_FAILURE;
    }
  }

  private byte[] payloadBytes() throws IOException {
    if (payload.message != null) {
      return payload.message.getBytes(StandardCharsets.UTF_8);
    }
    if (payload.file != null) {
      return Files.readAllBytes(payload.file);
    }
    if (payload.stdin) {
      return System.in.readAllBytes();
    }
    return new byte[0];
  }
}
