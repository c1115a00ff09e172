package dev.midge.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** What {@code midge --version} prints: Midge's version, then the Java and OS it runs on. */
final class MidgeVersion implements IVersionProvider {
  private static final String RESOURCE = "version.properties";

  /** The version from the POM, such as {@code 0.1.0-SNAPSHOT}. */
  static String version() {
    try (InputStream in = MidgeVersion.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String[] getVersion() {
    return new String[] {
      "midge " + version(),
      "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor")
          + "), " + System.getProperty("os.name") + " " + System.getProperty("os.arch")
    };
  }
}
