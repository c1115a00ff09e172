package dev.midge.broker.auth;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** Reading the password and ACL files, with errors that say what to do. */
public final class AuthFiles {
  private AuthFiles() {}

  /**
   * The lines of {@code path}, as UTF-8.
   *
   * @throws AuthFileException when it cannot be read, saying why and the fix
   */
  public static List<String> readLines(Path path) {
    String name = path.toString();
    try {
      return Files.readAllLines(path, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new AuthFileException(name, 0, "no such file",
          "check the path (relative paths start from the current directory, "
              + Path.of("").toAbsolutePath() + ")");
    } catch (AccessDeniedException e) {
      throw new AuthFileException(name, 0, "not readable (permission denied)",
          "make it readable by the user the broker runs as");
    } catch (CharacterCodingException e) {
      throw new AuthFileException(name, 0, "not UTF-8 text", "save it as UTF-8");
    } catch (IOException e) {
      String why = Files.isDirectory(path) ? "a directory, not a file" : "cannot be read: " + e;
      throw new AuthFileException(name, 0, why, "give the path of a file");
    }
  }
}
