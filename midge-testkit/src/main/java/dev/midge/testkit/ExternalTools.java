package dev.midge.testkit;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the other projects' programs the interop tests drive, and applies one rule when one is
 * missing: on CI ({@code CI=true}) that is a failure, because {@code .ci/run} installs them; on a
 * developer's machine the test is skipped, with a message saying how to get it.
 */
public final class ExternalTools {
  private ExternalTools() {}

  /** The executable {@code name} on the PATH, if there is one. */
  public static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  public static boolean onCi() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }

  /**
   * Fails on CI and skips elsewhere unless {@code present}.
   *
   * @param what what is missing, e.g. "mosquitto_pub and mosquitto_sub"
   * @param ciInstallsIt what .ci/run should have done, e.g. "installed mosquitto-clients"
   * @param localHint how a developer gets it, e.g. "apt-get install mosquitto-clients"
   */
  public static void require(boolean present, String what, String ciInstallsIt, String localHint) {
    if (present) {
      return;
    }
    if (onCi()) {
      fail(what + " not found, but CI=true: .ci/run should have " + ciInstallsIt);
    }
    assumeTrue(false, what + " not found: skipped locally (" + localHint + ")");
  }

  /** The reactor's root directory: the parent of this module's directory. */
  public static Path repositoryRoot() {
    String basedir = System.getProperty("basedir", System.getProperty("user.dir"));
    Path module = Path.of(basedir).toAbsolutePath().normalize();
    Path candidate = module;
    while (candidate != null) {
      if (Files.isDirectory(candidate.resolve("interop"))
          || Files.isDirectory(candidate.resolve(".ci"))) {
        return candidate;
      }
      candidate = candidate.getParent();
    }
    return module.getParent() == null ? module : module.getParent();
  }
}
