package dev.midge.broker.auth;

/**
 * A password or ACL file that cannot be used: which file, which line, what is wrong with it and
 * how to fix it. At start-up it stops the broker; on a reload the rules read before stay.
 */
public final class AuthFileException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String file;
  private final int line;
  private final String problem;
  private final String fix;

  /**
   * @param line the line, from 1; 0 for the whole file
   */
  public AuthFileException(String file, int line, String problem, String fix) {
    super(file + (line > 0 ? ":" + line : "") + ": " + problem + "; fix: " + fix);
    this.file = file;
    this.line = line;
    this.problem = problem;
    this.fix = fix;
  }

  public String file() {
    return file;
  }

  /** The line, from 1; 0 when the problem is the whole file (missing, unreadable). */
  public int line() {
    return line;
  }

  public String problem() {
    return problem;
  }

  public String fix() {
    return fix;
  }
}
