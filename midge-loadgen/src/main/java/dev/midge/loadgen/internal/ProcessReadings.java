package dev.midge.loadgen.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * CPU time and resident memory of a process, read from the operating system: CPU through {@link
 * ProcessHandle.Info#totalCpuDuration()}, memory from {@code /proc/PID/status} (Linux). A reading
 * that the platform does not give is null, never a guess.
 */
public final class ProcessReadings {
  private ProcessReadings() {}

  /** The CPU time the process has used so far, or null. */
  public static @Nullable Duration cpu(long pid) {
    return ProcessHandle.of(pid)
        .flatMap(h -> h.info().totalCpuDuration())
        .orElse(null);
  }

  /** The process's resident set size in bytes (VmRSS), or null. */
  public static @Nullable Long rssBytes(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          String[] parts = line.substring(6).strip().split("\\s+");
          long kib = Long.parseLong(parts[0]);
          return kib * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
    return null;
  }

  /** The open file limit of this process (Max open files, soft), or null. */
  public static @Nullable Long openFileLimit() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max open files")) {
          String soft = line.substring("Max open files".length()).strip().split("\\s+")[0];
          return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
        }
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
    return null;
  }

  /** CPU used between two readings as a percentage of one core over {@code wallNanos}. */
  public static @Nullable Double percent(@Nullable Duration before, @Nullable Duration after,
      long wallNanos) {
    if (before == null || after == null || wallNanos <= 0) {
      return null;
    }
    return 100.0 * after.minus(before).toNanos() / wallNanos;
  }
}
