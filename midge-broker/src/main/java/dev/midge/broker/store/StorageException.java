package dev.midge.broker.store;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * A data directory the broker cannot start with, or a store that failed: one line meant for a
 * person, naming the directory, what is wrong and what to do, in the manner of {@link
 * dev.midge.broker.config.ConfigException}. The command line prints it as it is.
 *
 * <pre>
 * data directory ./data: written by a newer Midge (store format 2; this one reads format 1).
 *     Nothing was changed. Fix: run the newer Midge on it, or give another directory with
 *     --data-dir.
 * </pre>
 *
 * (shown on three lines here; the message itself is a single line). Midge never deletes or
 * rewrites a directory it refuses.
 */
public final class StorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String problem;
  private final String fix;

  /**
   * @param dir the data directory
   * @param problem what is wrong
   * @param fix what to do about it
   * @param cause the underlying error, for the debug log, or null
   */
  public StorageException(Path dir, String problem, String fix, @Nullable Throwable cause) {
    super(("data directory " + dir + ": " + problem
        + (problem.endsWith(".") ? " " : ". ") + "Fix: " + fix
        + (fix.endsWith(".") || fix.endsWith(")") ? "" : "."))
        .replaceAll("\\s*[\\r\\n]+\\s*", " "), cause);
    this.problem = problem;
    this.fix = fix;
  }

  /** What is wrong, without the directory. */
  public String problem() {
    return problem;
  }

  /** What to do about it. */
  public String fix() {
    return fix;
  }
}
