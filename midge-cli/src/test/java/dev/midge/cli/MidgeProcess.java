package dev.midge.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The {@code midge} command in a child JVM on the test class path, as a user runs it: its exit
 * status, its stdout line by line as it comes, its stderr. Close it to kill what is left.
 */
final class MidgeProcess implements AutoCloseable {
  static final Pattern LISTENING = Pattern.compile(
      "midge broker listening on (\\S+):(\\d+) \\(MQTT 3\\.1, 3\\.1\\.1, 5\\.0\\)");

  private final Process process;
  private final BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
  private final List<String> allStdout = new ArrayList<>();
  private final StringBuffer stderr = new StringBuffer();
  private final Thread outReader;
  private final Thread errReader;
  private Path workingDirectory;
  private boolean ownsDirectory = true;

  private MidgeProcess(Process process) {
    this.process = process;
    this.outReader = pump(process.getInputStream(), line -> {
      synchronized (allStdout) {
        allStdout.add(line);
      }
      stdout.add(line);
    }, "midge-stdout");
    this.errReader = pump(process.getErrorStream(), line -> stderr.append(line).append('\n'),
        "midge-stderr");
  }

  /** The line of the HTTP listener: its host and port. */
  static final Pattern ADMIN = Pattern.compile(
      "midge admin listening on http://(\\S+):(\\d+)/ \\(dashboard /, API /api/v1, metrics"
          + " /metrics\\)");

  /**
   * Starts {@code midge args...} in a new, empty working directory, so that a broker's default
   * data directory ({@code ./data}) is the process's own and goes with it. A {@code broker}
   * without {@code --http-port} gets {@code --http-port 0}, so that tests running at once do not
   * compete for the default port 18080.
   */
  static MidgeProcess start(String... args) throws IOException {
    return start(Files.createTempDirectory("midge-process"), withFreeHttpPort(args));
  }

  /**
   * Starts {@code midge args...} in {@code workingDirectory}, which is left as it is; {@code
   * --http-port 0} added as {@link #start(String...)} does.
   */
  static MidgeProcess startIn(Path workingDirectory, String... args) throws IOException {
    MidgeProcess p = start(workingDirectory, withFreeHttpPort(args));
    p.ownsDirectory = false;
    return p;
  }

  /** Starts {@code midge args...} as given, in a new, empty working directory. */
  static MidgeProcess startExactly(String... args) throws IOException {
    return start(Files.createTempDirectory("midge-process"), args);
  }

  private static String[] withFreeHttpPort(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    if (!all.isEmpty() && all.get(0).equals("broker") && !all.contains("--http-port")) {
      all.add("--http-port");
      all.add("0");
    }
    return all.toArray(String[]::new);
  }

  private static MidgeProcess start(Path workingDirectory, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-XX:TieredStopAtLevel=1"); // starts faster; these processes live seconds
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Midge.class.getName());
    command.addAll(List.of(args));
    MidgeProcess p = new MidgeProcess(
        new ProcessBuilder(command).directory(workingDirectory.toFile()).start());
    p.workingDirectory = workingDirectory;
    return p;
  }

  /** Waits for the next "listening" line on stdout and returns it. */
  Matcher awaitListening(Duration timeout) throws InterruptedException {
    String line = stdout.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (line == null) {
      throw new AssertionError("no listening line within " + timeout + "; alive "
          + process.isAlive() + ", stderr:\n" + stderr);
    }
    Matcher m = LISTENING.matcher(line);
    if (!m.matches()) {
      throw new AssertionError("not a listening line: '" + line + "'; stderr:\n" + stderr);
    }
    return m;
  }

  /** Waits for a stdout line that {@code test} accepts, skipping others, and returns it. */
  String awaitLine(java.util.function.Predicate<String> test, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      String line = left <= 0 ? null : stdout.poll(left, TimeUnit.NANOSECONDS);
      if (line == null) {
        throw new AssertionError("no such line within " + timeout + "; alive "
            + process.isAlive() + "; stdout:\n" + String.join("\n", stdoutLines())
            + "\nstderr:\n" + stderr);
      }
      if (test.test(line)) {
        return line;
      }
    }
  }

  /**
   * Sends SIGTERM, as {@code kill} does. Through the {@link ProcessHandle}: {@link
   * Process#destroy()} sends the same signal but also closes our ends of the pipes, losing what
   * the process writes while it stops.
   */
  void terminate() {
    process.toHandle().destroy();
  }

  /** Waits for the process to end and returns its exit status. */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("still running after " + timeout + "; stderr:\n" + stderr);
    }
    outReader.join(timeout.toMillis());
    errReader.join(timeout.toMillis());
    return process.exitValue();
  }

  String stderr() {
    return stderr.toString();
  }

  List<String> stdoutLines() {
    synchronized (allStdout) {
      return List.copyOf(allStdout);
    }
  }

  /** The process id, for signals such as {@code kill -HUP}. */
  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL: the process gets no chance to send DISCONNECT. */
  void kill() {
    process.destroyForcibly();
  }

  /** The working directory of the process. */
  Path workingDirectory() {
    return workingDirectory;
  }

  @Override
  public void close() {
    process.destroyForcibly();
    if (ownsDirectory) {
      try {
        process.waitFor(10, TimeUnit.SECONDS);
        try (Stream<Path> files = Files.walk(workingDirectory)) {
          for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(f);
          }
        }
      } catch (IOException | InterruptedException e) {
        // A temporary directory left behind is no test failure.
      }
    }
  }

  private static Thread pump(InputStream in, java.util.function.Consumer<String> sink,
      String name) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          sink.accept(line);
        }
      } catch (IOException e) {
        // The stream closes with the process: nothing more to read.
      }
    }, name);
    t.setDaemon(true);
    t.start();
    return t;
  }
}
