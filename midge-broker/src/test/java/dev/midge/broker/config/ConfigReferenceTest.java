package dev.midge.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.midge.broker.config.YamlTree.Mapping;
import dev.midge.broker.config.YamlTree.Node;
import dev.midge.broker.config.YamlTree.Sequence;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code docs/configuration.md} and {@code docs/midge.example.yaml} are what {@link
 * ConfigReference} makes from {@link ConfigKeys} (STYLE.md rule 13), and the example means the
 * defaults.
 */
class ConfigReferenceTest {
  private static final Path ROOT = repositoryRoot();
  private static final Path DOCS = ROOT.resolve("docs");
  private static final Path GENERATED = ROOT.resolve("midge-broker/target/generated-docs");

  @Test
  void configurationMd_isWhatTheRegistryGenerates() throws IOException {
    assertUpToDate(ConfigReference.REFERENCE_FILE, ConfigReference.markdown());
  }

  @Test
  void exampleYaml_isWhatTheRegistryGenerates() throws IOException {
    assertUpToDate(ConfigReference.EXAMPLE_FILE, ConfigReference.exampleYaml());
  }

  @Test
  void exampleYaml_loadsToTheDefaults() {
    Path example = DOCS.resolve(ConfigReference.EXAMPLE_FILE);
    assertThat(ConfigLoader.load(example)).isEqualTo(BrokerConfig.standalone());
    // What is written now, too, in case the file is out of date.
    assertThat(ConfigLoader.parse(ConfigReference.exampleYaml()))
        .isEqualTo(BrokerConfig.standalone());
  }

  static Stream<ConfigEntry> everyEntry() {
    return ConfigKeys.ENTRIES.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyEntry")
  void exampleYaml_writesEveryKeyAndSection(ConfigEntry entry) {
    Node node = YamlTree.parse(ConfigReference.exampleYaml(), "example");
    for (String segment : entry.path().split("\\.")) {
      assertThat(node).as(entry.path()).isInstanceOf(Mapping.class);
      String name = segment.replace("[]", "");
      YamlTree.Entry e = ((Mapping) node).get(name);
      assertThat(e).as(entry.path() + " in the example").isNotNull();
      node = e.value();
      if (segment.endsWith("[]")) {
        node = ((Sequence) node).items().get(0);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyEntry")
  void everyEntry_isDocumentedInTheReference(ConfigEntry entry) {
    assertThat(entry.doc()).isNotBlank().endsWith(".").doesNotContain("\n");
    String path = entry instanceof ConfigSection s && !s.list() ? s.itemPath() : entry.path();
    assertThat(ConfigReference.markdown()).contains("`" + path + "`");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyEntry")
  void everyKey_defaultTextReadsBackAsTheDefault(ConfigEntry entry) throws Exception {
    if (entry instanceof ConfigKey<?> key) {
      assertThat(key.type().parse(key.defaultText())).isEqualTo(key.defaultValue());
    }
  }

  @Test
  void sample_loads() {
    BrokerConfig c = ConfigLoader.parse(ConfigReference.SAMPLE);
    assertThat(c.listeners()).hasSize(2);
    assertThat(c.listeners().get(1).keepAlive().outOfRange())
        .isEqualTo(KeepAliveConfig.OutOfRange.REFUSE);
  }

  @Test
  void mistake_isRefusedWithTheKeyPath() {
    assertThat(ConfigReference.mistakeMessage())
        .startsWith("midge.yaml, line 4, column 7: listeners[0].keep-alive.maximun: unknown key;"
            + " did you mean listeners[0].keep-alive.maximum?");
  }

  @Test
  void main_writesBothFiles() throws IOException {
    Path dir = GENERATED.resolveSibling("generated-docs-main");
    ConfigReference.main(new String[] {dir.toString()});
    assertThat(dir.resolve(ConfigReference.REFERENCE_FILE)).hasContent(ConfigReference.markdown());
    assertThat(dir.resolve(ConfigReference.EXAMPLE_FILE)).hasContent(ConfigReference.exampleYaml());
  }

  private static void assertUpToDate(String file, String generated) throws IOException {
    Path committed = DOCS.resolve(file);
    String actual = Files.exists(committed)
        ? Files.readString(committed, StandardCharsets.UTF_8) : "";
    if (actual.equals(generated)) {
      return;
    }
    Files.createDirectories(GENERATED);
    Path fresh = GENERATED.resolve(file);
    Files.writeString(fresh, generated, StandardCharsets.UTF_8);
    fail("docs/" + file + " is not what ConfigKeys generates (STYLE.md rule 13: config keys are"
        + " documented from their one definition). If the change to ConfigKeys is intended,"
        + " regenerate the file from the repository root with:\n"
        + "    cp midge-broker/target/generated-docs/" + file + " docs/" + file + "\n"
        + "(or run dev.midge.broker.config.ConfigReference docs). Never edit docs/" + file
        + " by hand.");
  }

  private static Path repositoryRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("midge-broker"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("not inside the Midge repository: "
          + Path.of("").toAbsolutePath());
    }
    return dir;
  }
}
