package dev.midge.broker.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the configuration reference, {@code docs/configuration.md}, and the example file with
 * every key at its default, {@code docs/midge.example.yaml}, from {@link ConfigKeys}. Never edit
 * those files by hand: change {@link ConfigKeys} and regenerate. {@code ConfigReferenceTest} fails
 * when they differ from what this class writes, and leaves the fresh versions in {@code
 * midge-broker/target/generated-docs/} to copy over.
 *
 * <p>To run it, from the repository root, after {@code mvn -B -q -pl midge-broker -am package
 * -Dmaven.test.skip=true}:
 *
 * <pre>
 * java -cp "midge-broker/target/classes:$(cd midge-broker &amp;&amp; mvn -q dependency:build-classpath \
 *     -Dmdep.outputFile=/dev/stdout)" dev.midge.broker.config.ConfigReference docs
 * </pre>
 */
public final class ConfigReference {
  /** The name of the reference file in the docs directory. */
  public static final String REFERENCE_FILE = "configuration.md";

  /** The name of the example file in the docs directory. */
  public static final String EXAMPLE_FILE = "midge.example.yaml";

  /** A configuration shown in the reference; a test checks that it loads. */
  static final String SAMPLE = """
      listeners:
        - name: local
          host: 127.0.0.1
          port: 1883
        - name: lan
          host: 0.0.0.0
          port: 1884
          keep-alive:
            minimum: 10
            maximum: 300
            out-of-range: refuse
            allow-zero: false
      sessions:
        max-queued-messages: 10000
      limits:
        max-packet-size: 256KiB
      """;

  /** A mistake shown in the reference, with the message the loader gives for it. */
  static final String MISTAKE = """
      listeners:
        - port: 1883
          keep-alive:
            maximun: 300
      """;

  private static final int WIDTH = 96;

  private ConfigReference() {}

  /**
   * Writes both files into the directory {@code args[0]} ({@code docs} when not given).
   *
   * @throws IOException when a file cannot be written
   */
  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args.length > 0 ? args[0] : "docs");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(REFERENCE_FILE), markdown(), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve(EXAMPLE_FILE), exampleYaml(), StandardCharsets.UTF_8);
  }

  /** The reference, {@code docs/configuration.md}. */
  public static String markdown() {
    StringBuilder b = new StringBuilder();
    b.append("# Configuration reference\n\n");
    b.append("<!-- Generated from dev.midge.broker.config.ConfigKeys by ConfigReference; do not edit."
        + "\n     ConfigReferenceTest fails when this file is out of date and says how to"
        + " regenerate it. -->\n\n");
    b.append("""
        `./midge broker --config midge.yaml` reads one YAML file. Every key is optional: a missing
        key takes its default, a missing or empty section all of its defaults, and without
        `listeners` the broker listens on 127.0.0.1:1883 only, reachable from this machine alone.
        On the command line, `--host` and `--port` override the first listener, and `--data-dir`
        overrides `storage.data-dir`. [midge.example.yaml](midge.example.yaml) holds every key at
        its default, with its documentation.

        A file, and `./midge broker` without one, keep the broker's state in RocksDB in `./data`
        ([storage.md](storage.md)). A broker embedded with `MidgeBroker.builder()` keeps it in
        memory unless given a data directory (`dataDir(path)`, or a `BrokerConfig` whose storage
        has one), so that tests write nothing to disk.

        Values:

        - **durations** are a number and a unit, `ms`, `s`, `m` or `h`: `500ms`, `10s`, `2m`,
          `1h`;
        - **sizes** are a number of bytes, or a number with `B`, `KiB`, `MiB` or `GiB`: `512KiB`,
          `1MiB` (`KB` and `MB` are refused as ambiguous);
        - **keep-alive bounds** are whole seconds, as in MQTT's own Keep Alive field;
        - **booleans** are `true` or `false`;
        - **paths** are relative to the working directory unless absolute.

        A mistake stops the broker before it opens any port, with one line that names the file,
        the line, the exact key, what was found, what is allowed and the fix. Unknown keys are
        refused with the closest known one, never ignored. For example, this file:

        ```yaml
        """);
    b.append(MISTAKE);
    b.append("```\n\nis refused with:\n\n```\n");
    b.append(mistakeMessage());
    b.append("\n```\n");

    for (ConfigSection section : ConfigKeys.sections()) {
      b.append("\n## `").append(section.list() ? section.path() : section.itemPath())
          .append("`\n\n");
      b.append(section.doc()).append(' ');
      b.append("Absent: ").append(section.defaultText()).append(".\n\n");
      b.append("| Key | Type | Default | Allowed | Description |\n");
      b.append("|---|---|---|---|---|\n");
      for (ConfigEntry e : ConfigKeys.childrenOf(section.itemPath())) {
        if (e instanceof ConfigKey<?> key) {
          b.append("| `").append(key.path()).append("` | ")
              .append(key.type().kind()).append(" | `")
              .append(key.defaultText()).append("` | ")
              .append(cell(key.allowed())).append(" | ")
              .append(cell(key.doc())).append(" |\n");
        } else if (e instanceof ConfigSection s) {
          b.append("| `").append(s.itemPath()).append("` | section | | | ")
              .append("See [below](#").append(anchor(s.itemPath())).append("). |\n");
        }
      }
    }

    b.append("\n## Example\n\n");
    b.append("Two listeners: one for this machine with the defaults, one for the local network"
        + " that\nholds keep alive between 10 s and 5 min and refuses MQTT 3.x clients outside"
        + " that range.\n\n");
    b.append("```yaml\n").append(SAMPLE).append("```\n");
    return b.toString();
  }

  /** The example file, {@code docs/midge.example.yaml}: every key at its default. */
  public static String exampleYaml() {
    StringBuilder b = new StringBuilder();
    b.append("""
        # Midge broker configuration, with every key at its default.
        #
        #   ./midge broker --config midge.yaml
        #
        # Every key is optional: remove what you do not change. The reference is
        # docs/configuration.md. Generated from ConfigKeys by ConfigReference: change ConfigKeys,
        # not this file.
        """);
    writeMapping(b, "", 0, false);
    return b.toString();
  }

  /** The message the loader gives for {@link #MISTAKE}. */
  static String mistakeMessage() {
    try {
      ConfigLoader.parse(MISTAKE, "midge.yaml");
    } catch (ConfigException e) {
      return e.getMessage();
    }
    throw new IllegalStateException("the sample mistake was accepted");
  }

  private static void writeMapping(StringBuilder b, String path, int indent, boolean listItem) {
    boolean first = true;
    for (ConfigEntry e : ConfigKeys.childrenOf(path)) {
      boolean dash = listItem && first;
      first = false;
      int commentIndent = dash ? indent - 2 : indent;
      b.append('\n');
      List<String> comment = new ArrayList<>(wrap(e.doc(), WIDTH - commentIndent - 2));
      if (e instanceof ConfigKey<?> key) {
        comment.addAll(wrap("Allowed: " + key.allowed() + ".", WIDTH - commentIndent - 2));
      }
      for (String line : comment) {
        b.append(" ".repeat(commentIndent)).append("# ").append(line).append('\n');
      }
      String lead = dash ? " ".repeat(indent - 2) + "- " : " ".repeat(indent);
      if (e instanceof ConfigKey<?> key) {
        b.append(lead).append(key.name()).append(": ").append(key.defaultText()).append('\n');
      } else if (e instanceof ConfigSection s && s.list()) {
        b.append(lead).append(s.name()).append(":\n");
        writeMapping(b, s.itemPath(), indent + 4, true);
      } else if (e instanceof ConfigSection s) {
        b.append(lead).append(s.name()).append(":\n");
        writeMapping(b, s.itemPath(), indent + 2, false);
      }
    }
  }

  private static List<String> wrap(String text, int width) {
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (String word : text.split(" ")) {
      if (line.length() > 0 && line.length() + 1 + word.length() > width) {
        lines.add(line.toString());
        line.setLength(0);
      }
      if (line.length() > 0) {
        line.append(' ');
      }
      line.append(word);
    }
    if (line.length() > 0) {
      lines.add(line.toString());
    }
    return lines;
  }

  private static String cell(String text) {
    return text.replace("|", "\\|");
  }

  /** GitHub's anchor for a heading holding only {@code `text`}. */
  private static String anchor(String text) {
    return text.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9 _-]", "");
  }
}
