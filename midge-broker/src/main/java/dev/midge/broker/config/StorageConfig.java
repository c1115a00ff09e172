package dev.midge.broker.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where the broker keeps what must outlive it — persistent sessions with their subscriptions,
 * queued and in-flight QoS 1 and 2 messages, retained messages, delayed wills — and how hard it
 * holds on to it (see {@code docs/storage.md}).
 *
 * <p>Two defaults, on purpose: {@link #IN_MEMORY} is what an embedded broker ({@link
 * BrokerConfig#defaults()}, {@code MidgeBroker.builder()}) and every test runs with, so that
 * nothing is written unless asked for; {@link #DEFAULTS} is what a configuration file without a
 * {@code storage} section, and {@code ./midge broker}, run with: RocksDB in {@code ./data}.
 *
 * @param dataDir the RocksDB data directory, relative to the working directory unless absolute;
 *     null to keep everything in memory (lost when the process ends)
 * @param sync when writes reach the disk (see {@link Sync}); ignored in memory
 * @param syncInterval how often the write-ahead log is synced under {@link Sync#INTERVAL}
 */
public record StorageConfig(@Nullable Path dataDir, Sync sync, Duration syncInterval) {

  /** How {@code storage.data-dir} says "in memory". */
  public static final String NONE = "none";

  /** The data directory of a configuration file, and of {@code ./midge broker}. */
  public static final String DEFAULT_DATA_DIR = "./data";

  /** RocksDB in {@code ./data}, every acknowledged message synced: files and the command line. */
  public static final StorageConfig DEFAULTS =
      new StorageConfig(Path.of(DEFAULT_DATA_DIR), Sync.ALWAYS, Duration.ofSeconds(1));

  /** Nothing on disk: the embedded and test default. */
  public static final StorageConfig IN_MEMORY =
      new StorageConfig(null, DEFAULTS.sync(), DEFAULTS.syncInterval());

  /**
   * When a write reaches the disk. In every mode, a PUBACK or PUBREC goes out only after the
   * message is written to RocksDB's write-ahead log for every matching persistent session and
   * the retained store, so killing the process (even {@code kill -9}) loses nothing that was
   * acknowledged; the modes differ in what a power cut or a kernel crash can lose.
   */
  public enum Sync {
    /** Acknowledged only once synced to disk (fsync), with writes grouped: nothing is lost. */
    ALWAYS,
    /** Synced every {@code sync-interval}: a power cut loses at most that much. */
    INTERVAL,
    /** Never synced by Midge; the operating system writes when it likes. */
    NEVER
  }

  public StorageConfig {
    Objects.requireNonNull(sync, "sync");
    Objects.requireNonNull(syncInterval, "syncInterval");
    if (syncInterval.isNegative() || syncInterval.isZero()) {
      throw new IllegalArgumentException("sync interval must be positive");
    }
  }

  /** The same, with RocksDB in {@code dir}; null keeps everything in memory. */
  public StorageConfig withDataDir(@Nullable Path dir) {
    return new StorageConfig(dir, sync, syncInterval);
  }

  public StorageConfig withSync(Sync newSync) {
    return new StorageConfig(dataDir, newSync, syncInterval);
  }

  /** Whether state is kept on disk. */
  public boolean isDurable() {
    return dataDir != null;
  }

  /**
   * The data directory as {@code storage.data-dir} and {@code --data-dir} write it: a path, or
   * {@link #NONE} for memory.
   */
  public static @Nullable Path parseDataDir(String text) {
    return text.equals(NONE) ? null : Path.of(text);
  }
}
