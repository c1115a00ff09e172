package dev.midge.broker.store.rocksdb;

import dev.midge.broker.config.StorageConfig;
import dev.midge.broker.retain.RetainedStore;
import dev.midge.broker.session.SessionStore;
import dev.midge.broker.session.StoredSubscription;
import dev.midge.broker.store.Storage;
import dev.midge.broker.store.StagedWrite;
import dev.midge.broker.store.StorageException;
import dev.midge.broker.store.WriteListener;
import dev.midge.broker.will.WillStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WALRecoveryMode;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's state in a RocksDB database in a data directory: the embedded default of {@code
 * ./midge broker} (see {@code docs/storage.md}).
 *
 * <pre>{@code
 * try (RocksDbStorage store = RocksDbStorage.open(Path.of("data"), StorageConfig.DEFAULTS)) {
 *   Storage.Recovered before = store.recover();
 *   ...
 * }
 * }</pre>
 *
 * <p>{@link #open} refuses, with a {@link StorageException} that says what is wrong and what to do,
 * a directory that is not a Midge store (other files, or another program's RocksDB database), one
 * written in a store format this Midge does not read, a damaged one, and one that another process
 * has open. It never deletes or rewrites what it refuses. A new or empty directory becomes a new
 * store, marked with its format version.
 *
 * <p>Opening loads everything: retained messages into memory, and persistent sessions and delayed
 * wills for {@link #recover()}. Records that belong to no session (which only a bug could leave)
 * are removed and counted. Writes go through one {@link StoreWriter} thread.
 *
 * <p>Thread-safe.
 */
public final class RocksDbStorage implements Storage {
  private static final Logger LOG = LoggerFactory.getLogger(RocksDbStorage.class);

  /** The store format this Midge writes and reads. */
  public static final int FORMAT = 1;

  /** Keys of the default column family. */
  static final byte[] FORMAT_KEY = "midge.store-format".getBytes(StandardCharsets.UTF_8);
  static final byte[] CREATED_KEY = "midge.created-at".getBytes(StandardCharsets.UTF_8);

  static final String SESSIONS = "sessions";
  static final String SUBSCRIPTIONS = "subscriptions";
  static final String QUEUE = "queue";
  static final String INFLIGHT = "inflight";
  static final String INBOUND = "inbound-qos2";
  static final String WILLS = "wills";
  static final String RETAINED = "retained";
  private static final String DEFAULT = "default";

  /** Every column family of the store, the default one first. */
  static final List<String> COLUMN_FAMILIES =
      List.of(DEFAULT, SESSIONS, SUBSCRIPTIONS, QUEUE, INFLIGHT, INBOUND, WILLS, RETAINED);

  private final Path dir;
  private final RocksDB db;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final RocksLog log;
  private final List<ColumnFamilyHandle> handles;
  private final Tables tables;
  private final RocksSessionStore sessions;
  private final RocksRetainedStore retained;
  private final RocksWillStore wills;
  private @Nullable Recovered recovered;
  private boolean closed;

  private RocksDbStorage(Path dir, RocksDB db, DBOptions dbOptions, ColumnFamilyOptions cfOptions,
      RocksLog log, List<ColumnFamilyHandle> handles, StorageConfig config, Snapshot found) {
    this.dir = dir;
    this.db = db;
    this.dbOptions = dbOptions;
    this.cfOptions = cfOptions;
    this.log = log;
    this.handles = handles;
    StoreWriter writer = new StoreWriter(db, config.sync(), config.syncInterval().toMillis(),
        "midge-store-writer");
    this.tables = new Tables(writer, handles.get(1), handles.get(2), handles.get(3),
        handles.get(4), handles.get(5), handles.get(6), handles.get(7));
    this.sessions = new RocksSessionStore(tables, found.lastGeneration);
    this.retained = new RocksRetainedStore(tables);
    found.retained.forEach(m -> retained.load(m.message(), m.expiresAt()));
    this.wills = new RocksWillStore(found.lastWillId);
    this.recovered = rebuild(found);
  }

  /**
   * Opens the store in {@code dir}, creating the directory and a new store if there is none.
   *
   * @throws StorageException when the directory cannot be used, naming why and the fix
   */
  public static RocksDbStorage open(Path dir, StorageConfig config) {
    try {
      RocksDB.loadLibrary();
    } catch (Throwable e) { // UnsatisfiedLinkError and friends: no native library for this system
      throw new StorageException(dir, "RocksDB's native library cannot be loaded on this system ("
          + System.getProperty("os.name") + ", " + System.getProperty("os.arch") + "): " + e,
          "run with --data-dir none (storage.data-dir: none) to keep state in memory", e);
    }
    boolean fresh = prepare(dir);
    RocksLog log = new RocksLog();
    DBOptions dbOptions = new DBOptions()
        .setCreateIfMissing(fresh)
        .setCreateMissingColumnFamilies(fresh)
        .setWalRecoveryMode(WALRecoveryMode.PointInTimeRecovery)
        // Sessions' queues churn while other column families stay still: flush those now and
        // then so that old write-ahead log files can go.
        .setMaxTotalWalSize(64L << 20)
        .setLogger(log);
    ColumnFamilyOptions cfOptions = new ColumnFamilyOptions().setWriteBufferSize(16L << 20);
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    for (String name : COLUMN_FAMILIES) {
      descriptors.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.UTF_8),
          cfOptions));
    }
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    RocksDB db = null;
    try {
      Snapshot found = Snapshot.EMPTY;
      if (!fresh) {
        // Everything is checked and read without writing, so that a directory refused for any
        // reason, a damaged record included, is left exactly as it was.
        checkColumnFamilies(dir);
        found = readOnly(dir, dbOptions, descriptors);
      }
      db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
      if (fresh) {
        markFormat(db);
      }
      return new RocksDbStorage(dir, db, dbOptions, cfOptions, log, handles,
          config.withDataDir(dir), found);
    } catch (RuntimeException | RocksDBException e) {
      handles.forEach(ColumnFamilyHandle::close);
      if (db != null) {
        db.close();
      }
      dbOptions.close();
      cfOptions.close();
      log.close();
      throw e instanceof RocksDBException r ? describe(dir, r) : (RuntimeException) e;
    }
  }

  /** Creates the directory if needed; returns whether the store is new. */
  private static boolean prepare(Path dir) {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new StorageException(dir, "a file, not a directory",
          "give a directory with --data-dir (storage.data-dir)", null);
    }
    if (!Files.exists(dir)) {
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new StorageException(dir, "cannot be created: " + e,
            "create it by hand, or give another with --data-dir (storage.data-dir)", e);
      }
      return true;
    }
    if (Files.exists(dir.resolve("CURRENT"))) {
      return false;
    }
    List<String> names;
    try (Stream<Path> files = Files.list(dir)) {
      names = files.map(p -> p.getFileName().toString()).sorted().limit(4).toList();
    } catch (IOException e) {
      throw new StorageException(dir, "cannot be read: " + e,
          "make it readable and writable by this user", e);
    }
    if (names.isEmpty()) {
      return true;
    }
    throw new StorageException(dir, "holds files (" + String.join(", ", names)
        + (names.size() == 4 ? ", …" : "") + ") but no Midge store. Nothing was changed",
        "give an empty or new directory with --data-dir (storage.data-dir), or move these files"
            + " away", null);
  }

  /** Refuses a RocksDB database whose column families are not this store's. */
  private static void checkColumnFamilies(Path dir) {
    List<byte[]> found;
    try (Options options = new Options()) {
      found = RocksDB.listColumnFamilies(options, dir.toString());
    } catch (RocksDBException e) {
      throw describe(dir, e);
    }
    Set<String> names = new TreeSet<>();
    for (byte[] n : found) {
      names.add(new String(n, StandardCharsets.UTF_8));
    }
    if (names.equals(new TreeSet<>(COLUMN_FAMILIES))) {
      return;
    }
    boolean ours = names.contains(SESSIONS) && names.contains(QUEUE);
    throw new StorageException(dir, ours
            ? "a Midge store with other column families than this Midge's (" + names
                + "): written by another version of Midge, or damaged. Nothing was changed"
            : "holds a RocksDB database that is not a Midge store (column families " + names
                + "). Nothing was changed",
        ours ? "run the Midge that wrote it, or give another directory with --data-dir"
            : "give an empty or new directory with --data-dir (storage.data-dir)", null);
  }

  /** Marks a new store with its format. */
  private static void markFormat(RocksDB db) throws RocksDBException {
    try (WriteOptions sync = new WriteOptions().setSync(true)) {
      db.put(sync, CREATED_KEY, Long.toString(System.currentTimeMillis())
          .getBytes(StandardCharsets.UTF_8));
      db.put(sync, FORMAT_KEY, Records.u32(FORMAT));
    }
  }

  /** Checks an existing store's format and reads everything in it, without writing. */
  private static Snapshot readOnly(Path dir, DBOptions options,
      List<ColumnFamilyDescriptor> descriptors) throws RocksDBException {
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try (RocksDB db = RocksDB.openReadOnly(options, dir.toString(), descriptors, handles)) {
      checkFormat(dir, db.get(FORMAT_KEY));
      return Snapshot.read(dir, db, handles);
    } finally {
      handles.forEach(ColumnFamilyHandle::close);
    }
  }

  private static void checkFormat(Path dir, byte @Nullable [] format) {
    if (format == null) {
      throw new StorageException(dir, "a RocksDB database with Midge's column families but no"
          + " store format mark: not written by Midge, or damaged. Nothing was changed",
          "give another directory with --data-dir (storage.data-dir), or restore this one from"
              + " a backup", null);
    }
    int version;
    try {
      version = Records.u32(format);
    } catch (Records.Corrupt e) {
      throw damaged(dir, "its store format mark is unreadable (" + e.getMessage() + ")", e);
    }
    if (version > FORMAT) {
      throw new StorageException(dir, "written by a newer Midge (store format " + version
          + "; this Midge reads format " + FORMAT + "). Nothing was changed",
          "run that newer Midge on it, or give this one another directory with --data-dir",
          null);
    }
    if (version < FORMAT) {
      throw new StorageException(dir, "store format " + version + ", which this Midge does"
          + " not read (it reads format " + FORMAT + "). Nothing was changed",
          "run the Midge that wrote it, or give this one another directory with --data-dir",
          null);
    }
  }

  /** What a RocksDB error while opening means, and what to do. */
  private static StorageException describe(Path dir, RocksDBException e) {
    String m = String.valueOf(e.getMessage());
    String lower = m.toLowerCase(Locale.ROOT);
    if (lower.contains("lock")) {
      return new StorageException(dir, "in use by another process (RocksDB: " + m + ")",
          "stop the other broker using it, or give this one another directory with --data-dir",
          e);
    }
    if (lower.contains("corruption") || lower.contains("checksum")) {
      return damaged(dir, "RocksDB reports: " + m, e);
    }
    if (lower.contains("permission denied")) {
      return new StorageException(dir, "not accessible (RocksDB: " + m + ")",
          "make it readable and writable by this user", e);
    }
    return new StorageException(dir, "cannot be opened (RocksDB: " + m + "). Nothing was changed",
        "check the directory and its files, or give another with --data-dir", e);
  }

  private static StorageException damaged(Path dir, String what, Throwable cause) {
    return new StorageException(dir, "damaged: " + what + ". Nothing was changed or deleted",
        "restore the directory from a backup, or move it away and start with an empty one"
            + " (RocksDB's ldb tool can try to repair a copy)", cause);
  }

  // ---- loading ----

  /** A session prefix as a map key. */
  private record Prefix(byte[] bytes) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Prefix p && Arrays.equals(bytes, p.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }
  }

  private record Numbered<T>(long n, T value) {}

  /** One session as read from disk. */
  private static final class FoundSession {
    final byte[] prefix;
    final Records.StoredSession stored;
    final List<StoredSubscription> subscriptions = new ArrayList<>();
    final List<Numbered<Records.StoredMessage>> queue = new ArrayList<>();
    final List<Numbered<Records.StoredMessage>> inflight = new ArrayList<>();
    final List<Integer> inbound = new ArrayList<>();
    final List<Numbered<Records.StoredWill>> wills = new ArrayList<>();

    FoundSession(byte[] prefix, Records.StoredSession stored) {
      this.prefix = prefix;
      this.stored = stored;
    }
  }

  /**
   * Everything an existing store holds, decoded, read through a read-only handle before the
   * store is opened for writing: a damaged record refuses the directory before anything is
   * written to it.
   */
  private static final class Snapshot {
    static final Snapshot EMPTY = new Snapshot();

    final List<Records.StoredMessage> retained = new ArrayList<>();
    final Map<Prefix, FoundSession> sessions = new LinkedHashMap<>();
    /** Sessions of a client id shadowed by a newer generation, and records of no session. */
    final Set<Prefix> orphans = new LinkedHashSet<>();
    int orphanRecords;
    long lastGeneration;
    long lastWillId;

    static Snapshot read(Path dir, RocksDB db, List<ColumnFamilyHandle> handles) {
      Snapshot s = new Snapshot();
      Map<String, Prefix> byClient = new HashMap<>();
      try (ReadOptions read = new ReadOptions().setFillCache(false)) {
        scan(dir, db, handles, read, RETAINED, (key, value) ->
            s.retained.add(Records.message(value)));
        scan(dir, db, handles, read, SESSIONS, (key, value) -> {
          if (Keys.prefixLength(key) != key.length) {
            throw new Records.Corrupt("a session key with bytes after its generation");
          }
          Records.StoredSession stored = Records.session(value);
          Prefix p = new Prefix(key);
          s.lastGeneration = Math.max(s.lastGeneration, Keys.generation(key));
          Prefix older = byClient.put(Keys.clientId(key), p);
          if (older != null) {
            // Two generations of one client id: only a crash between a clean start and the
            // removal of the old session leaves both. Keys sort by generation: keep the newer.
            s.sessions.remove(older);
            s.orphans.add(older);
          }
          s.sessions.put(p, new FoundSession(key, stored));
        });
        for (String cf : List.of(SUBSCRIPTIONS, QUEUE, INFLIGHT, INBOUND, WILLS)) {
          scan(dir, db, handles, read, cf, (key, value) -> {
            int n = Keys.prefixLength(key);
            Prefix p = new Prefix(Arrays.copyOf(key, n));
            s.lastGeneration = Math.max(s.lastGeneration, Keys.generation(p.bytes()));
            FoundSession f = s.sessions.get(p);
            if (f == null) {
              s.orphans.add(p);
              s.orphanRecords++;
              return;
            }
            switch (cf) {
              case SUBSCRIPTIONS ->
                  f.subscriptions.add(Records.subscription(Keys.filterOf(key, n), value));
              case QUEUE -> f.queue.add(new Numbered<>(Keys.number(key, n),
                  Records.message(value)));
              case INFLIGHT -> f.inflight.add(new Numbered<>(Keys.number(key, n),
                  Records.message(value)));
              case INBOUND -> {
                if (value.length != 0) {
                  throw new Records.Corrupt("an inbound packet identifier with a value");
                }
                f.inbound.add(Keys.packetIdOf(key, n));
              }
              case WILLS -> {
                long id = Keys.number(key, n);
                s.lastWillId = Math.max(s.lastWillId, id);
                f.wills.add(new Numbered<>(id, Records.will(value)));
              }
              default -> throw new AssertionError(cf);
            }
          });
        }
      }
      return s;
    }

    private interface Visitor {
      void record(byte[] key, byte[] value);
    }

    private static void scan(Path dir, RocksDB db, List<ColumnFamilyHandle> handles,
        ReadOptions read, String cf, Visitor visitor) {
      try (RocksIterator it = db.newIterator(handles.get(COLUMN_FAMILIES.indexOf(cf)), read)) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          byte[] key = it.key();
          try {
            visitor.record(key, it.value());
          } catch (Records.Corrupt | IllegalArgumentException e) {
            throw damaged(dir, "a record of column family " + cf + " cannot be read ("
                + e.getMessage() + "; key " + Keys.show(key) + ")", e);
          }
        }
        try {
          it.status();
        } catch (RocksDBException e) {
          throw damaged(dir, "reading column family " + cf + ": " + e.getMessage(), e);
        }
      }
    }
  }

  /** The sessions and wills found, as states of this store; removes the orphans. */
  private Recovered rebuild(Snapshot found) {
    List<RecoveredSession> sessionList = new ArrayList<>(found.sessions.size());
    List<RecoveredWill> willList = new ArrayList<>();
    for (FoundSession f : found.sessions.values()) {
      RocksSessionState state = new RocksSessionState(tables, Keys.clientId(f.prefix), f.prefix);
      f.queue.forEach(q -> state.recoverQueued(q.n(), q.value()));
      f.inflight.forEach(q -> state.recoverInflight(q.n(), q.value()));
      f.inbound.forEach(state::recoverInbound);
      state.recovered(f.subscriptions);
      sessionList.add(new RecoveredSession(state.clientId(), f.stored.expiryInterval(),
          f.stored.expiresAt(), state, f.subscriptions));
      for (Numbered<Records.StoredWill> w : f.wills) {
        willList.add(new RecoveredWill(state.clientId(), state, w.n(), w.value().message(),
            w.value().publishAt()));
      }
    }
    int discarded = found.orphanRecords + found.orphans.size();
    if (!found.orphans.isEmpty()) {
      LOG.warn("data directory {}: removing {} records of {} sessions that are gone", dir,
          discarded, found.orphans.size());
      List<byte[]> prefixes = found.orphans.stream().map(Prefix::bytes).toList();
      tables.writer().submit(b -> {
        for (byte[] p : prefixes) {
          tables.deleteSession(b, p);
        }
      });
    }
    return new Recovered(sessionList, willList, found.retained.size(), discarded);
  }

  // ---- Storage ----

  @Override
  public SessionStore sessions() {
    return sessions;
  }

  @Override
  public RetainedStore retained() {
    return retained;
  }

  @Override
  public WillStore wills() {
    return wills;
  }

  @Override
  public boolean isDurable() {
    return true;
  }

  @Override
  public void afterWrites(WriteListener listener) {
    tables.writer().afterWrites(listener);
  }

  /** A write staged in a {@link dev.midge.broker.store.WriteTicket} by this store's states. */
  record Staged(StoreWriter.Change change) implements StagedWrite {}

  @Override
  public void commit(List<StagedWrite> staged) {
    List<StoreWriter.Change> changes = new ArrayList<>(staged.size());
    for (StagedWrite w : staged) {
      changes.add(((Staged) w).change());
    }
    tables.writer().submit(b -> {
      for (StoreWriter.Change c : changes) {
        c.apply(b);
      }
    });
  }

  @Override
  public synchronized Recovered recover() {
    Recovered r = recovered;
    if (r == null) {
      throw new IllegalStateException("recovered already");
    }
    recovered = null;
    return r;
  }

  @Override
  public String describe() {
    return "RocksDB in " + dir;
  }

  /** The data directory. */
  public Path directory() {
    return dir;
  }

  /** Write batches so far, each one synced under {@code sync: always}. */
  public long batchesWritten() {
    return tables.writer().batches();
  }

  /** Changes written so far: more than batches, as the writer groups them. */
  public long changesWritten() {
    return tables.writer().changes();
  }

  /** Changes and listeners waiting for the writer now. */
  public int writeBacklog() {
    return tables.writer().backlog();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    tables.writer().close();
    for (ColumnFamilyHandle h : handles) {
      h.close();
    }
    try {
      db.closeE();
    } catch (RocksDBException e) {
      LOG.warn("data directory {}: closing RocksDB: {}", dir, e.toString());
    }
    dbOptions.close();
    cfOptions.close();
    log.close();
  }
}
