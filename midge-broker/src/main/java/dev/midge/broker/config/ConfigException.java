package dev.midge.broker.config;

import org.jspecify.annotations.Nullable;

/**
 * A configuration file Midge cannot run with. The message is one line meant for a person: where
 * (file, line), which key (its exact path, such as {@code listeners[0].keep-alive.maximum}), what
 * was found, what is allowed, and the fix. The command line prints it as it is, without a stack
 * trace.
 *
 * <pre>
 * midge.yaml, line 7: listeners[0].keep-alive.maximum: found 70000, allowed: 0 to 65535.
 *     Fix: use a value from 0 to 65535, or remove the key for the default (65535).
 * </pre>
 *
 * (shown on two lines here; the message itself is a single line).
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final int line;
  private final int column;
  private final @Nullable String key;
  private final String problem;
  private final @Nullable String fix;

  /**
   * @param source the file name as given, or a label such as {@code config} for a string
   * @param line 1-based line of the problem, 0 when it has none
   * @param column 1-based column, 0 when not worth showing
   * @param key the key path, such as {@code listeners[0].port}; null for the file as a whole
   * @param problem what is wrong, usually "found X, allowed: Y"
   * @param fix what to do about it, or null when the problem says it all
   */
  public ConfigException(
      String source,
      int line,
      int column,
      @Nullable String key,
      String problem,
      @Nullable String fix) {
    super(format(source, line, column, key, problem, fix));
    this.source = source;
    this.line = line;
    this.column = column;
    this.key = key;
    this.problem = problem;
    this.fix = fix;
  }

  private static String format(
      String source, int line, int column, @Nullable String key, String problem,
      @Nullable String fix) {
    StringBuilder b = new StringBuilder(source);
    if (line > 0) {
      b.append(", line ").append(line);
      if (column > 0) {
        b.append(", column ").append(column);
      }
    }
    b.append(": ");
    if (key != null && !key.isEmpty()) {
      b.append(key).append(": ");
    }
    b.append(problem);
    if (fix != null) {
      b.append(problem.endsWith(".") || problem.endsWith("?") ? " " : ". ");
      b.append("Fix: ").append(fix);
      if (!fix.endsWith(".") && !fix.endsWith(")") && !fix.endsWith("?")) {
        b.append('.');
      }
    }
    // One line, whatever the parts held: the CLI prints it as a single error line.
    return b.toString().replaceAll("\\s*[\\r\\n]+\\s*", " ");
  }

  /** The file name as given, or the label of a string source. */
  public String source() {
    return source;
  }

  /** The 1-based line of the problem, or 0 when there is none (a file that cannot be read). */
  public int line() {
    return line;
  }

  /** The 1-based column, or 0. */
  public int column() {
    return column;
  }

  /** The path of the key at fault, such as {@code listeners[0].keep-alive.maximum}; null for the file. */
  public @Nullable String key() {
    return key;
  }

  /** What is wrong, without the location. */
  public String problem() {
    return problem;
  }

  /** What to do about it; null when the problem says it all. */
  public @Nullable String fix() {
    return fix;
  }
}
