package dev.midge.cli;

import dev.midge.broker.auth.password.PasswordHash;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code midge passwd}: adds, changes and deletes users of a password file, with the options of
 * Mosquitto's {@code mosquitto_passwd}. It writes what {@code mosquitto_passwd} writes by default
 * ({@code user:$7$101$<salt>$<hash>}, PBKDF2-SHA512), so one file serves Midge and Mosquitto.
 *
 * <pre>
 * midge passwd -c passwd alice           # new file, asks for alice's password twice
 * midge passwd -b passwd bob s3cret      # adds or changes bob, the password on the command line
 * midge passwd -D passwd bob             # deletes bob
 * </pre>
 *
 * <p>Other lines of the file (comments, other users) are kept as they are. The file is written to
 * a temporary file beside it and renamed over it, so that a broker reading it never sees half of
 * it; a new file is readable by its owner only.
 */
@Command(
    name = "passwd",
    mixinStandardHelpOptions = true,
    versionProvider = MidgeVersion.class,
    description = {
      "Adds, changes or deletes a user of a password file (auth.password-file), as"
          + " mosquitto_passwd does. The file is in Mosquitto 2's format: Midge and Mosquitto read"
          + " the same file."
    },
    footer = {
      "",
      "Examples:",
      "  midge passwd -c passwd alice          new file; asks for the password twice",
      "  midge passwd -b passwd bob s3cret     add or change bob (password on the command line)",
      "  midge passwd -D passwd bob            delete bob",
      "",
      "Exit status: 0 done, 1 the file cannot be read or written or the passwords differ,"
          + " 2 wrong option."
    })
final class PasswdCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(names = "-c", description = "Create the file, overwriting one that exists.")
  private boolean create;

  @Option(names = "-b", description = "Batch mode: the password is given on the command line.")
  private boolean batch;

  @Option(names = "-D", description = "Delete the user rather than add or change it.")
  private boolean delete;

  @Parameters(index = "0", paramLabel = "PASSWORDFILE", description = "The password file.")
  private Path file;

  @Parameters(index = "1", paramLabel = "USERNAME", description = "The user.")
  private String user;

  @Parameters(index = "2", arity = "0..1", paramLabel = "PASSWORD",
      description = "The password, with -b only.")
  private @Nullable String password;

  /** Where prompted passwords are read when there is no console; tests set it. */
  @Nullable BufferedReader input;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    if (create && delete) {
      return usage("-c and -D cannot be used together");
    }
    if (batch == (password == null) && !delete) {
      return usage(batch ? "-b needs the password after the user name"
          : "a password on the command line needs -b");
    }
    if (delete && password != null) {
      return usage("-D takes no password");
    }
    if (user.isEmpty() || user.indexOf(':') >= 0) {
      return usage("a user name is not empty and has no colon");
    }
    List<String> lines;
    if (create) {
      lines = new ArrayList<>();
    } else {
      try {
        lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
      } catch (NoSuchFileException e) {
        err.println("midge passwd: " + file + " does not exist; use -c to create it");
        return Midge.EXIT_FAILURE;
      } catch (IOException e) {
        err.println("midge passwd: cannot read " + file + ": " + e.getMessage());
        return Midge.EXIT_FAILURE;
      }
    }
    int at = indexOf(lines, user);
    if (delete) {
      if (at < 0) {
        err.println("midge passwd: user " + user + " not in " + file + "; nothing deleted");
        return Midge.EXIT_FAILURE;
      }
      lines.remove(at);
    } else {
      String pw = password != null ? password : prompt(err);
      if (pw == null) {
        return Midge.EXIT_FAILURE;
      }
      String line = user + ":" + PasswordHash.create(pw).encode();
      if (at < 0) {
        lines.add(line);
      } else {
        lines.set(at, line);
      }
    }
    try {
      write(lines);
    } catch (IOException e) {
      err.println("midge passwd: cannot write " + file + ": " + e.getMessage());
      return Midge.EXIT_FAILURE;
    }
    return Midge.EXIT_OK;
  }

  private int usage(String problem) {
    PrintWriter err = spec.commandLine().getErr();
    err.println("midge passwd: " + problem);
    err.println("Usage: midge passwd [-c | -D] [-b] PASSWORDFILE USERNAME [PASSWORD]; see"
        + " 'midge passwd --help'");
    return Midge.EXIT_USAGE;
  }

  private static int indexOf(List<String> lines, String user) {
    String prefix = user + ":";
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith(prefix)) {
        return i;
      }
    }
    return -1;
  }

  /** Asks twice, as mosquitto_passwd does; null (and a message) when the two differ. */
  private @Nullable String prompt(PrintWriter err) {
    Console console = System.console();
    String first;
    String second;
    if (console != null && input == null) {
      char[] a = console.readPassword("Password: ");
      char[] b = console.readPassword("Reenter password: ");
      first = a == null ? null : new String(a);
      second = b == null ? null : new String(b);
    } else {
      BufferedReader in = input != null ? input
          : new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      try {
        err.print("Password: ");
        err.flush();
        first = in.readLine();
        err.print("Reenter password: ");
        err.flush();
        second = in.readLine();
      } catch (IOException e) {
        err.println("midge passwd: cannot read the password: " + e.getMessage());
        return null;
      }
    }
    if (first == null || second == null) {
      err.println("midge passwd: no password given");
      return null;
    }
    if (!first.equals(second)) {
      err.println("midge passwd: the passwords do not match; nothing changed");
      return null;
    }
    return first;
  }

  /** Writes the lines to a file beside the target and renames it over the target. */
  private void write(List<String> lines) throws IOException {
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
    try {
      boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
      if (posix) {
        // A new file is readable by its owner only; an existing one keeps its permissions.
        Files.setPosixFilePermissions(tmp, Files.exists(target)
            ? Files.getPosixFilePermissions(target)
            : PosixFilePermissions.fromString("rw-------"));
      }
      Files.write(tmp, lines, StandardCharsets.UTF_8);
      try {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
