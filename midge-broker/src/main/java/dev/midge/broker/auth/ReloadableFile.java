package dev.midge.broker.auth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A file read into a value (a password file, an ACL file) that can be read again: on request
 * ({@link #reload}, SIGHUP) or when its modification time, size or identity (a file renamed over
 * it) changed ({@link #reloadIfChanged}, polled). A file that no longer reads keeps the value read
 * before, and the problem is logged at WARN with its line and the fix, once per change of the
 * file.
 *
 * <p>Thread-safe: {@link #current} may be called from any thread at any time; reloads are
 * serialised.
 *
 * @param <T> what the file is read into; immutable
 */
public final class ReloadableFile<T> {
  private static final Logger LOG = LoggerFactory.getLogger(ReloadableFile.class);

  private final Path path;
  private final String what;
  private final Function<Path, T> reader;
  private volatile T current;
  private @Nullable Stamp stamp;

  private record Stamp(FileTime modified, long size, @Nullable Object key) {}

  /**
   * Reads the file now.
   *
   * @param what what the file is, for logs: "password file", "ACL file"
   * @param reader reads the file; throws {@link AuthFileException} when it cannot be used
   * @throws AuthFileException when the file cannot be used now
   */
  public ReloadableFile(Path path, String what, Function<Path, T> reader) {
    this.path = Objects.requireNonNull(path);
    this.what = what;
    this.reader = reader;
    Stamp before = stamp(path);
    this.current = reader.apply(path);
    this.stamp = before;
  }

  /** The value of the file as last read successfully. */
  public T current() {
    return current;
  }

  public Path path() {
    return path;
  }

  /**
   * Reads the file again; when it cannot be used, keeps the value read before and logs why.
   *
   * @return whether the new contents are now in use
   */
  public synchronized boolean reload() {
    Stamp before = stamp(path);
    try {
      T value = reader.apply(path);
      current = value;
      stamp = before;
      LOG.info("{} {} read again: {}", what, path, value);
      return true;
    } catch (AuthFileException e) {
      stamp = before; // not again until it changes
      LOG.warn("{} {} not read again, the rules read before stay: {} (line {}); fix: {}", what,
          path, e.problem(), e.line() == 0 ? "-" : String.valueOf(e.line()), e.fix());
      return false;
    } catch (RuntimeException e) {
      stamp = before;
      LOG.warn("{} {} not read again, the rules read before stay", what, path, e);
      return false;
    }
  }

  /**
   * Reads the file again if it changed since it was last read (or last failed to read).
   *
   * @return whether new contents are now in use
   */
  public synchronized boolean reloadIfChanged() {
    Stamp now = stamp(path);
    if (Objects.equals(now, stamp)) {
      return false;
    }
    return reload();
  }

  private static @Nullable Stamp stamp(Path path) {
    try {
      BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
      return new Stamp(a.lastModifiedTime(), a.size(), a.fileKey());
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public String toString() {
    return what + " " + path;
  }
}
