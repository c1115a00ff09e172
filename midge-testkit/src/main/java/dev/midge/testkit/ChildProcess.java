package dev.midge.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * A child process of a test (mosquitto_sub, node, ...): its standard output and error merged and
 * read line by line as they come, each line stamped with {@link System#nanoTime()}. {@link
 * #close()} ends it (SIGTERM, then SIGKILL) and waits, boundedly: use try-with-resources.
 */
public final class ChildProcess implements AutoCloseable {
  /** One line of output and when it was read. */
  public record Line(long nanos, String text) {}

  private final String name;
  private final Process process;
  private final Thread reader;
  private final List<Line> lines = new CopyOnWriteArrayList<>();

  private ChildProcess(String name, Process process) {
    this.name = name;
    this.process = process;
    this.reader = new Thread(this::readLines, "child-" + name);
    this.reader.setDaemon(true);
    this.reader.start();
  }

  /** Starts {@code command} in {@code directory} (null: the current one). */
  public static ChildProcess start(String name, List<String> command, @Nullable Path directory)
      throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    if (directory != null) {
      pb.directory(directory.toFile());
    }
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    return new ChildProcess(name, pb.start());
  }

  private void readLines() {
    try (BufferedReader r = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        lines.add(new Line(System.nanoTime(), line));
      }
    } catch (IOException ignored) {
      // the process went away; what was read is kept
    }
  }

  /** The lines read so far. */
  public List<Line> lines() {
    return List.copyOf(lines);
  }

  /** The lines read so far that {@code test} accepts. */
  public List<Line> lines(Predicate<String> test) {
    return lines.stream().filter(l -> test.test(l.text())).toList();
  }

  public boolean hasLine(Predicate<String> test) {
    return lines.stream().anyMatch(l -> test.test(l.text()));
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Waits for the process to exit by itself; returns its exit code, or fails after {@code max}. */
  public int awaitExit(Duration max) throws InterruptedException {
    if (!process.waitFor(max.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(name + " did not exit within " + max + "; output so far:\n"
          + output());
    }
    reader.join(TimeUnit.SECONDS.toMillis(5)); // the rest of its output
    return process.exitValue();
  }

  /** SIGKILL: the process gets no chance to say goodbye (no DISCONNECT). */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** Everything read so far, for failure messages. */
  public String output() {
    return lines.stream().map(Line::text).collect(Collectors.joining("\n", "", "\n"));
  }

  @Override
  public String toString() {
    return name;
  }

  /** Ends the process if it still runs: SIGTERM, then SIGKILL after 3 s; waits at most 10 s. */
  @Override
  public void close() {
    try {
      if (process.isAlive()) {
        process.destroy();
        if (!process.waitFor(3, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(5, TimeUnit.SECONDS);
        }
      }
      reader.join(TimeUnit.SECONDS.toMillis(2));
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
