package dev.midge.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.GeneralCodingRules;
import org.junit.jupiter.api.Test;

/**
 * The layering of DESIGN.md and STYLE.md rules 11 and 12, over the production classes of every
 * module on this module's class path (codec, broker, client, command line): the protocol knows
 * nothing of the broker, client or command line; the broker nothing of the client or command
 * line, and the client nothing of the broker or command line; nothing depends on the command
 * line; only the command line picks Logback and writes to stdout/stderr.
 *
 * <p>It lives here, in the module that depends on all the others, so that it sees them all.
 */
class LayeringTest {
  private static final String CODEC = "dev.midge.codec..";
  private static final String BROKER = "dev.midge.broker..";
  private static final String CLIENT = "dev.midge.client..";
  private static final String CLI = "dev.midge.cli..";
  private static final String LOADGEN = "dev.midge.loadgen..";

  private static final JavaClasses CLASSES = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.midge");

  @Test
  void imported_everyModuleOnTheClassPath() {
    // Guards against rules passing because nothing was imported.
    assertThat(CLASSES.stream().map(JavaClass::getName))
        .contains("dev.midge.codec.MqttDecoder", "dev.midge.broker.MidgeBroker",
            "dev.midge.broker.config.ConfigLoader", "dev.midge.client.MqttClient",
            "dev.midge.cli.Midge", "dev.midge.loadgen.LoadGenerator")
        .noneMatch(name -> name.endsWith("Test"));
  }

  @Test
  void codec_dependsOnNoBrokerClientOrCli() {
    noClasses().that().resideInAPackage(CODEC)
        .should().dependOnClassesThat().resideInAnyPackage(BROKER, CLIENT, CLI)
        .because("the protocol module knows nothing of the broker or client (STYLE.md rule 12)")
        .check(CLASSES);
  }

  @Test
  void broker_dependsOnNoClientOrCli() {
    noClasses().that().resideInAPackage(BROKER)
        .should().dependOnClassesThat().resideInAnyPackage(CLIENT, CLI)
        .because("the broker knows nothing of the client or command line (STYLE.md rule 12)")
        .check(CLASSES);
  }

  @Test
  void client_dependsOnNoBrokerOrCli() {
    noClasses().that().resideInAPackage(CLIENT)
        .should().dependOnClassesThat().resideInAnyPackage(BROKER, CLI)
        .because("the client knows nothing of the broker or command line (DESIGN.md)")
        .check(CLASSES);
  }

  @Test
  void loadGenerator_dependsOnNoBrokerClientOrCli() {
    noClasses().that().resideInAPackage(LOADGEN)
        .should().dependOnClassesThat().resideInAnyPackage(BROKER, CLIENT, CLI)
        .because("midge bench measures any broker through the codec alone, not Midge's own"
            + " broker or client")
        .check(CLASSES);
  }

  @Test
  void clientApi_dependsOnNoClientInternals() {
    noClasses().that().resideInAPackage("dev.midge.client")
        .and().haveNameNotMatching("dev\\.midge\\.client\\.MqttClient(\\$.*)?")
        .should().dependOnClassesThat().resideInAPackage("dev.midge.client.internal..")
        .because("only the MqttClient facade reaches into the internals (STYLE.md rule 16)")
        .check(CLASSES);
  }

  @Test
  void nothingOutsideTheCli_dependsOnTheCli() {
    noClasses().that().resideOutsideOfPackage(CLI)
        .should().dependOnClassesThat().resideInAPackage(CLI)
        .because("nothing depends on the command line (DESIGN.md)")
        .check(CLASSES);
  }

  @Test
  void onlyTheCli_usesLogback() {
    noClasses().that().resideOutsideOfPackage(CLI)
        .should().dependOnClassesThat().resideInAPackage("ch.qos.logback..")
        .because("libraries log through slf4j-api only; the CLI picks Logback (STYLE.md rule 11)")
        .check(CLASSES);
  }

  @Test
  void onlyTheCli_writesToStdoutOrStderr() {
    noClasses().that().resideOutsideOfPackage(CLI)
        .should(GeneralCodingRules.ACCESS_STANDARD_STREAMS)
        .because("no System.out outside the CLI; libraries log (STYLE.md rule 11)")
        .check(CLASSES);
  }
}
