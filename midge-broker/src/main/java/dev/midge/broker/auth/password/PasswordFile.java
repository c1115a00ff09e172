package dev.midge.broker.auth.password;

import dev.midge.broker.auth.AuthFileException;
import dev.midge.broker.auth.AuthFiles;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A password file in Mosquitto 2's format, read into memory: one {@code user:hash} line per user,
 * the hash as {@link PasswordHash} describes; blank lines and lines starting with {@code #} are
 * skipped. The user name is everything before the first colon.
 *
 * <p>Immutable and thread-safe; reading again gives a new one.
 */
public final class PasswordFile {
  private final Map<String, PasswordHash> users;

  private PasswordFile(Map<String, PasswordHash> users) {
    this.users = Collections.unmodifiableMap(users);
  }

  /**
   * Reads the file at {@code path}.
   *
   * @throws AuthFileException when it cannot be read, or a line is not {@code user:hash} with a
   *     hash Midge reads, naming the line and the fix
   */
  public static PasswordFile read(Path path) {
    return parse(AuthFiles.readLines(path), path.toString());
  }

  /**
   * Reads the lines of a password file.
   *
   * @param name how errors name the file
   * @throws AuthFileException as {@link #read}
   */
  public static PasswordFile parse(List<String> lines, String name) {
    Map<String, PasswordHash> users = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = stripLineEnd(lines.get(i));
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(':');
      if (colon < 0) {
        throw new AuthFileException(name, i + 1, "no colon: a line is user:hash",
            "add the user again with 'midge passwd " + name + " <user>', or delete the line");
      }
      String user = line.substring(0, colon);
      if (user.isEmpty()) {
        throw new AuthFileException(name, i + 1, "an empty user name",
            "delete the line, or write the user name before the colon");
      }
      PasswordHash hash;
      try {
        hash = PasswordHash.parse(line.substring(colon + 1));
      } catch (PasswordHash.Malformed e) {
        throw new AuthFileException(name, i + 1, "user " + user + ": " + e.getMessage(),
            "set the password again with 'midge passwd " + name + " " + user + "'");
      }
      if (users.putIfAbsent(user, hash) != null) {
        throw new AuthFileException(name, i + 1, "user " + user + " is on an earlier line too",
            "delete one of the two lines");
      }
    }
    return new PasswordFile(users);
  }

  /** A file of these users, in this order. */
  public static PasswordFile of(Map<String, PasswordHash> users) {
    return new PasswordFile(new LinkedHashMap<>(users));
  }

  /** The hash of {@code user}'s password, or null when the file has no such user. */
  public @Nullable PasswordHash hash(String user) {
    return users.get(user);
  }

  /** The users and their hashes, in the order of the file. */
  public Map<String, PasswordHash> users() {
    return users;
  }

  /** The file's lines, {@code user:hash} each, in order. */
  public List<String> lines() {
    return users.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue().encode()).toList();
  }

  private static String stripLineEnd(String line) {
    return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
  }

  @Override
  public String toString() {
    return "PasswordFile[" + users.size() + " users]";
  }
}
