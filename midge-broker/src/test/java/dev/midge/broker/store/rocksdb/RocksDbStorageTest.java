package dev.midge.broker.store.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.midge.broker.config.StorageConfig;
import dev.midge.broker.session.SessionState;
import dev.midge.broker.session.StoredSubscription;
import dev.midge.broker.store.Storage;
import dev.midge.broker.store.StorageException;
import dev.midge.broker.store.WriteTicket;
import dev.midge.codec.MqttQos;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.packet.Subscription;
import dev.midge.codec.property.Properties;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

class RocksDbStorageTest {
  @TempDir Path tmp;
  private final List<RocksDbStorage> open = new ArrayList<>();

  @AfterEach
  void closeAll() {
    open.forEach(RocksDbStorage::close);
  }

  private RocksDbStorage open(Path dir) {
    RocksDbStorage s = RocksDbStorage.open(dir, StorageConfig.DEFAULTS.withDataDir(dir));
    open.add(s);
    return s;
  }

  private RocksDbStorage reopen(RocksDbStorage s) {
    s.close();
    return open(s.directory());
  }

  private static Publish message(String topic, MqttQos qos, int packetId) {
    return new Publish(topic, qos, false, false, packetId, topic.getBytes(StandardCharsets.UTF_8),
        Properties.EMPTY);
  }

  private static List<String> queuedTopics(SessionState state) {
    List<String> topics = new ArrayList<>();
    SessionState.Queued q;
    while ((q = state.pollQueued()) != null) {
      topics.add(q.message().topic());
    }
    return topics;
  }

  // ---- sessions ----

  @Test
  void open_whenDirectoryMissing_thenNewEmptyStore() {
    Path dir = tmp.resolve("a/b/data");
    RocksDbStorage s = open(dir);
    assertThat(dir.resolve("CURRENT")).exists();
    Storage.Recovered r = s.recover();
    assertThat(r.sessions()).isEmpty();
    assertThat(r.retained()).isZero();
    assertThat(reopen(s).recover().sessions()).isEmpty();
  }

  @Test
  void persistentSession_whenReopened_thenEverythingComesBackInOrder() {
    RocksDbStorage s = open(tmp);
    SessionState state = s.sessions().create("dev-1");
    // Before it is persistent: kept in memory, written when it becomes persistent.
    state.putSubscription(new StoredSubscription(new Subscription("a/#", MqttQos.AT_LEAST_ONCE),
        7));
    state.enqueue(message("q/1", MqttQos.AT_LEAST_ONCE, 0), 1_900_000_000_001L, null);
    state.lifetime(3600, 0);
    state.putSubscription(new StoredSubscription(
        new Subscription("$share/g/b/+", MqttQos.EXACTLY_ONCE)));
    state.enqueue(message("q/2", MqttQos.EXACTLY_ONCE, 0), 1_900_000_000_002L, "$share/g/b/+");
    state.enqueue(message("q/3", MqttQos.AT_LEAST_ONCE, 0), 1_900_000_000_003L, "$share/g/b/+");
    state.enqueue(message("q/4", MqttQos.AT_LEAST_ONCE, 0), 0, null);
    state.sendQueued(message("q/1", MqttQos.AT_LEAST_ONCE, 7));
    state.sendQueued(message("q/2", MqttQos.EXACTLY_ONCE, 3));
    state.markReleased(3);
    state.putInflight(message("direct", MqttQos.AT_LEAST_ONCE, 9), 1_900_000_000_009L,
        "$share/g/b/+");
    state.removeInflight(7);
    state.addInboundQos2(11);
    state.addInboundQos2(12);
    state.removeInboundQos2(11);
    state.lifetime(3600, 1_900_000_000_000L);

    Storage.Recovered r = reopen(s).recover();

    assertThat(r.sessions()).hasSize(1);
    Storage.RecoveredSession back = r.sessions().get(0);
    assertThat(back.clientId()).isEqualTo("dev-1");
    assertThat(back.expiryInterval()).isEqualTo(3600);
    assertThat(back.expiresAt()).isEqualTo(1_900_000_000_000L);
    assertThat(back.subscriptions()).containsExactlyInAnyOrder(
        new StoredSubscription(new Subscription("a/#", MqttQos.AT_LEAST_ONCE), 7),
        new StoredSubscription(new Subscription("$share/g/b/+", MqttQos.EXACTLY_ONCE)));
    SessionState b = back.state();
    List<SessionState.Inflight> inflight = new ArrayList<>();
    b.inflight().forEach(inflight::add);
    assertThat(inflight).containsExactly(
        new SessionState.Inflight(message("q/2", MqttQos.EXACTLY_ONCE, 3), 1_900_000_000_002L,
            true, "$share/g/b/+"),
        new SessionState.Inflight(message("direct", MqttQos.AT_LEAST_ONCE, 9),
            1_900_000_000_009L, false, "$share/g/b/+"));
    assertThat(b.addInboundQos2(12)).as("12 was held").isFalse();
    assertThat(b.addInboundQos2(11)).as("11 was released").isTrue();
    assertThat(b.queuedBytes()).isEqualTo(SessionState.bytes(message("q/3", MqttQos.AT_MOST_ONCE,
        0)) * 2);
    assertThat(b.peekQueued()).isEqualTo(new SessionState.Queued(
        message("q/3", MqttQos.AT_LEAST_ONCE, 0), 1_900_000_000_003L, "$share/g/b/+"));
    assertThat(queuedTopics(b)).containsExactly("q/3", "q/4");
  }

  @Test
  void removeQueuedIf_whenSomeAreTaken_thenOnlyThoseAreGoneFromDisk() {
    RocksDbStorage s = open(tmp);
    SessionState state = s.sessions().create("member");
    state.lifetime(60, 0);
    for (int i = 1; i <= 5; i++) {
      state.enqueue(message("q/" + i, MqttQos.AT_LEAST_ONCE, 0), 0,
          i % 2 == 0 ? "$share/g/q/#" : null);
    }
    List<String> offered = new ArrayList<>();
    int removed = state.removeQueuedIf(q -> {
      offered.add(q.message().topic());
      return q.sharedSubscription() != null;
    });
    assertThat(removed).isEqualTo(2);
    assertThat(offered).containsExactly("q/1", "q/2", "q/3", "q/4", "q/5");
    assertThat(state.queuedBytes())
        .isEqualTo(SessionState.bytes(message("q/1", MqttQos.AT_LEAST_ONCE, 0)) * 3);
    Storage.RecoveredSession back = reopen(s).recover().sessions().get(0);
    assertThat(queuedTopics(back.state())).containsExactly("q/1", "q/3", "q/5");
  }

  /** Waits until everything handed to the writer so far is written. */
  private static void awaitWritten(RocksDbStorage s) throws InterruptedException {
    CountDownLatch done = new CountDownLatch(1);
    s.afterWrites(f -> done.countDown());
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void sharedHandOff_whenInsideAWriteTicket_thenTakersRecordsAndGiversDeletionsAreOneChange()
      throws Exception {
    RocksDbStorage s = open(tmp);
    SessionState giver = s.sessions().create("giver");
    giver.lifetime(60, 0);
    SessionState taker = s.sessions().create("taker");
    taker.lifetime(60, 0);
    giver.enqueue(message("sh/1", MqttQos.AT_LEAST_ONCE, 0), 1_900_000_000_001L, "$share/g/sh/#");
    giver.enqueue(message("other", MqttQos.AT_LEAST_ONCE, 0), 0, null);
    giver.putInflight(message("sh/2", MqttQos.AT_LEAST_ONCE, 5), 0, "$share/g/sh/#");
    awaitWritten(s);
    long before = s.changesWritten();

    // What Session.handOffShared does: takers stage their records, the giver forgets its own.
    List<SessionState.Staged> staged = new ArrayList<>();
    List<SessionState.Queued> taken = new ArrayList<>();
    WriteTicket ticket = WriteTicket.begin(s);
    try {
      giver.removeQueuedIf(q -> {
        if (q.sharedSubscription() == null) {
          return false;
        }
        taken.add(q);
        staged.add(taker.stage(q.message(), q.expiresAt(), q.sharedSubscription()));
        return true;
      });
      SessionState.Inflight f = giver.inflight(5);
      taken.add(new SessionState.Queued(f.message().withPacketId(0), f.expiresAt(),
          f.sharedSubscription()));
      staged.add(taker.stage(taken.get(1).message(), f.expiresAt(), f.sharedSubscription()));
      giver.removeInflight(5);
      awaitWritten(s);
      assertThat(s.changesWritten()).as("nothing written before the ticket ends")
          .isEqualTo(before);
    } finally {
      ticket.end(failure -> { });
    }
    for (int i = 0; i < taken.size(); i++) {
      SessionState.Queued q = taken.get(i);
      taker.enqueue(q.message(), q.expiresAt(), q.sharedSubscription(), staged.get(i));
    }
    awaitWritten(s);
    assertThat(s.changesWritten()).as("one change").isEqualTo(before + 1);

    Map<String, SessionState> back = new java.util.HashMap<>();
    reopen(s).recover().sessions().forEach(r -> back.put(r.clientId(), r.state()));
    assertThat(back.get("giver").inflightCount()).isZero();
    assertThat(queuedTopics(back.get("giver"))).containsExactly("other");
    assertThat(back.get("taker").peekQueued()).isEqualTo(taken.get(0));
    assertThat(queuedTopics(back.get("taker"))).containsExactly("sh/1", "sh/2");
  }

  @Test
  void recoveredSession_whenSubscribedAgainAndChanged_thenChangesAreKept() {
    RocksDbStorage s = open(tmp);
    SessionState state = s.sessions().create("c");
    state.lifetime(Long.MAX_VALUE >>> 40, 0);
    state.putSubscription(new StoredSubscription(new Subscription("x", MqttQos.AT_LEAST_ONCE)));
    state.enqueue(message("m1", MqttQos.AT_LEAST_ONCE, 0), 0, null);

    s = reopen(s);
    Storage.RecoveredSession r = s.recover().sessions().get(0);
    r.subscriptions().forEach(r.state()::putSubscription); // as the router does
    r.state().enqueue(message("m2", MqttQos.AT_LEAST_ONCE, 0), 0, null); // numbered after m1
    r.state().removeSubscription("x");

    Storage.RecoveredSession again = reopen(s).recover().sessions().get(0);
    assertThat(again.subscriptions()).isEmpty();
    assertThat(queuedTopics(again.state())).containsExactly("m1", "m2");
  }

  @Test
  void nonPersistentSession_whenReopened_thenNothingWasWritten() {
    RocksDbStorage s = open(tmp);
    SessionState state = s.sessions().create("clean");
    state.putSubscription(new StoredSubscription(new Subscription("a", MqttQos.AT_LEAST_ONCE)));
    state.enqueue(message("q", MqttQos.AT_LEAST_ONCE, 0), 0, null);
    state.lifetime(0, 0);
    assertThat(reopen(s).recover().sessions()).isEmpty();
  }

  @Test
  void session_whenItStopsBeingPersistentOrIsRemoved_thenGoneFromDisk() {
    RocksDbStorage s = open(tmp);
    SessionState a = s.sessions().create("a");
    a.lifetime(60, 0);
    a.enqueue(message("q", MqttQos.AT_LEAST_ONCE, 0), 0, null);
    a.lifetime(0, 0); // resumed by a connection that ends it with itself
    SessionState b = s.sessions().create("b");
    b.lifetime(60, 0);
    b.addInboundQos2(1);
    s.sessions().remove("b", b);
    b.enqueue(message("late", MqttQos.AT_LEAST_ONCE, 0), 0, null); // after removal: not written
    assertThat(reopen(s).recover().sessions()).isEmpty();
  }

  @Test
  void cleanStart_whenOldSessionIsRemovedAfterTheNewOneIsWritten_thenNewOneSurvives() {
    RocksDbStorage s = open(tmp);
    SessionState old = s.sessions().create("dev");
    old.lifetime(60, 0);
    old.enqueue(message("old", MqttQos.AT_LEAST_ONCE, 0), 0, null);
    SessionState fresh = s.sessions().create("dev");
    fresh.lifetime(60, 0);
    fresh.enqueue(message("new", MqttQos.AT_LEAST_ONCE, 0), 0, null);
    s.sessions().remove("dev", old);

    List<Storage.RecoveredSession> back = reopen(s).recover().sessions();
    assertThat(back).hasSize(1);
    assertThat(queuedTopics(back.get(0).state())).containsExactly("new");
  }

  @Test
  void clearMessages_whenReopened_thenOnlySubscriptionsRemain() {
    RocksDbStorage s = open(tmp);
    SessionState state = s.sessions().create("c");
    state.lifetime(60, 0);
    state.putSubscription(new StoredSubscription(new Subscription("a", MqttQos.AT_LEAST_ONCE)));
    state.enqueue(message("q", MqttQos.AT_LEAST_ONCE, 0), 0, null);
    state.putInflight(message("f", MqttQos.AT_LEAST_ONCE, 1), 0, null);
    state.addInboundQos2(2);
    state.clearMessages();
    Storage.RecoveredSession r = reopen(s).recover().sessions().get(0);
    assertThat(r.subscriptions()).hasSize(1);
    assertThat(r.state().queuedCount()).isZero();
    assertThat(r.state().inflightCount()).isZero();
    assertThat(r.state().addInboundQos2(2)).isTrue();
  }

  // ---- retained messages and wills ----

  private static List<String> retained(RocksDbStorage s, String filter, long now) {
    List<String> found = new ArrayList<>();
    s.retained().forEachMatching(filter, now, m -> found.add(m.message().topic() + "="
        + new String(m.message().payload(), StandardCharsets.UTF_8) + "@" + m.expiresAt()));
    return found;
  }

  @Test
  void retained_whenSetReplacedAndCleared_thenReopenHasTheLatestWithDeadlines() {
    RocksDbStorage s = open(tmp);
    s.retained().retain(message("a/1", MqttQos.AT_LEAST_ONCE, 0).withRetain(true), 0);
    s.retained().retain(message("a/2", MqttQos.AT_MOST_ONCE, 0).withRetain(true), 0);
    s.retained().retain(new Publish("a/2", MqttQos.AT_MOST_ONCE, true, false, 0,
        "second".getBytes(StandardCharsets.UTF_8), Properties.EMPTY), 1_900_000_000_000L);
    s.retained().retain(message("a/3", MqttQos.AT_MOST_ONCE, 0).withRetain(true), 0);
    s.retained().retain(new Publish("a/3", MqttQos.AT_MOST_ONCE, true, false, 0, new byte[0],
        Properties.EMPTY), 0); // MQTT-3.3.1-10: clears it

    s = reopen(s);
    assertThat(s.recover().retained()).isEqualTo(2);
    assertThat(retained(s, "a/#", 1_000)).containsExactlyInAnyOrder(
        "a/1=a/1@0", "a/2=second@1900000000000");
  }

  @Test
  void retained_whenDeadlinePassed_thenSkippedAndRemovedFromDisk() {
    RocksDbStorage s = open(tmp);
    s.retained().retain(message("t/soon", MqttQos.AT_MOST_ONCE, 0).withRetain(true), 1_000);
    s.retained().retain(message("t/later", MqttQos.AT_MOST_ONCE, 0).withRetain(true), 5_000);
    s.retained().retain(message("t/never", MqttQos.AT_MOST_ONCE, 0).withRetain(true), 0);

    s = reopen(s);
    assertThat(s.recover().retained()).isEqualTo(3);
    assertThat(retained(s, "t/+", 2_000)).as("expired, not yet removed: skipped")
        .containsExactlyInAnyOrder("t/later=t/later@5000", "t/never=t/never@0");
    assertThat(s.retained().removeExpired(2_000)).isEqualTo(1);
    assertThat(s.retained().size()).isEqualTo(2);

    s = reopen(s);
    assertThat(s.recover().retained()).as("the expired one is gone from disk").isEqualTo(2);
    assertThat(retained(s, "t/+", 0)).containsExactlyInAnyOrder(
        "t/later=t/later@5000", "t/never=t/never@0");
  }

  @Test
  void retained_whenBoundReached_thenNewTopicRefusedAndNothingWritten() {
    RocksDbStorage s = open(tmp);
    assertThat(s.retained().retain(message("b/1", MqttQos.AT_MOST_ONCE, 0).withRetain(true), 0,
        2)).isTrue();
    assertThat(s.retained().retain(message("b/2", MqttQos.AT_MOST_ONCE, 0).withRetain(true), 0,
        2)).isTrue();
    assertThat(s.retained().retain(message("b/3", MqttQos.AT_MOST_ONCE, 0).withRetain(true), 0,
        2)).as("a third topic").isFalse();
    assertThat(s.retained().retain(new Publish("b/2", MqttQos.AT_MOST_ONCE, true, false, 0,
        "replaced".getBytes(StandardCharsets.UTF_8), Properties.EMPTY), 0, 2))
        .as("replacing is always allowed").isTrue();

    s = reopen(s);
    assertThat(retained(s, "b/#", 0)).containsExactlyInAnyOrder("b/1=b/1@0", "b/2=replaced@0");
  }

  @Test
  void afterWrites_whenChangesWereHandedOver_thenToldOnceTheyAreWritten() throws Exception {
    RocksDbStorage s = open(tmp);
    SessionState state = s.sessions().create("c");
    state.lifetime(60, 0);
    for (int i = 0; i < 500; i++) {
      state.enqueue(message("q/" + i, MqttQos.AT_LEAST_ONCE, 0), 0, null);
    }
    CountDownLatch told = new CountDownLatch(1);
    Exception[] failure = {new Exception("not told")};
    s.afterWrites(f -> {
      failure[0] = f;
      told.countDown();
    });
    assertThat(told.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(failure[0]).isNull();
    assertThat(s.changesWritten()).isGreaterThanOrEqualTo(501); // the session record too
    assertThat(s.batchesWritten()).isLessThanOrEqualTo(s.changesWritten());
  }

  // ---- directories that are refused ----

  /** Every file's name and content digest: to show a refused directory was left as it was. */
  private static Map<String, String> contents(Path dir) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.filter(Files::isRegularFile).toList()) {
        files.put(dir.relativize(p).toString(), digest(Files.readAllBytes(p)));
      }
    }
    return files;
  }

  private static String digest(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private void assertRefusedUntouched(Path dir, String... messageParts) throws IOException {
    Map<String, String> before = contents(dir);
    assertThatThrownBy(() -> open(dir)).isInstanceOf(StorageException.class)
        .hasMessageStartingWith("data directory " + dir + ": ")
        .hasMessageContainingAll(messageParts)
        .hasMessageContaining("Fix: ")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    assertThat(contents(dir)).as("files after the refusal").isEqualTo(before);
  }

  @Test
  void open_whenDirectoryHoldsOtherFiles_thenRefusedAndLeftAlone() throws IOException {
    Files.writeString(tmp.resolve("notes.txt"), "mine");
    Files.createDirectory(tmp.resolve("photos"));
    assertRefusedUntouched(tmp, "holds files (notes.txt, photos) but no Midge store",
        "Nothing was changed", "--data-dir");
  }

  @Test
  void open_whenPathIsAFile_thenRefused() throws IOException {
    Path file = Files.writeString(tmp.resolve("data"), "x");
    assertThatThrownBy(() -> open(file)).isInstanceOf(StorageException.class)
        .hasMessageContaining("a file, not a directory");
    assertThat(file).hasContent("x");
  }

  @Test
  void open_whenAnotherProgramsRocksDb_thenRefusedAndLeftAlone() throws Exception {
    try (Options o = new Options().setCreateIfMissing(true);
        RocksDB other = RocksDB.open(o, tmp.toString())) {
      other.put("their".getBytes(StandardCharsets.UTF_8), "data".getBytes(StandardCharsets.UTF_8));
    }
    assertRefusedUntouched(tmp, "a RocksDB database that is not a Midge store",
        "column families [default]");
  }

  /** Opens the store's database directly, as a test's way to damage or change it. */
  private static void raw(Path dir, RawAction action) throws RocksDBException {
    List<ColumnFamilyDescriptor> descriptors = RocksDbStorage.COLUMN_FAMILIES.stream()
        .map(n -> new ColumnFamilyDescriptor(n.getBytes(StandardCharsets.UTF_8))).toList();
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try (DBOptions o = new DBOptions();
        RocksDB db = RocksDB.open(o, dir.toString(), descriptors, handles)) {
      action.run(db, handles);
      handles.forEach(ColumnFamilyHandle::close);
    }
  }

  private interface RawAction {
    void run(RocksDB db, List<ColumnFamilyHandle> handles) throws RocksDBException;
  }

  @Test
  void open_whenWrittenByANewerMidge_thenRefusedNamingBothFormats() throws Exception {
    open(tmp).close();
    raw(tmp, (db, h) -> db.put(RocksDbStorage.FORMAT_KEY, Records.u32(2)));
    assertRefusedUntouched(tmp, "written by a newer Midge (store format 2; this Midge reads"
        + " format 1)");
  }

  @Test
  void open_whenFormatMarkMissing_thenRefused() throws Exception {
    open(tmp).close();
    raw(tmp, (db, h) -> db.delete(RocksDbStorage.FORMAT_KEY));
    assertRefusedUntouched(tmp, "no store format mark");
  }

  @Test
  void open_whenARecordIsDamaged_thenRefusedNamingItsColumnFamily() throws Exception {
    RocksDbStorage s = open(tmp);
    SessionState state = s.sessions().create("c");
    state.lifetime(60, 0);
    state.enqueue(message("q", MqttQos.AT_LEAST_ONCE, 0), 0, null);
    s.close();
    int queue = RocksDbStorage.COLUMN_FAMILIES.indexOf(RocksDbStorage.QUEUE);
    raw(tmp, (db, h) -> db.put(h.get(queue), Keys.child(Keys.session("c", 1), 1L),
        new byte[] {1, 0, 0}));
    assertRefusedUntouched(tmp, "damaged: a record of column family queue cannot be read",
        "Nothing was changed or deleted", "restore the directory from a backup");
  }

  @Test
  void open_whenRocksDbFilesAreDamaged_thenRefusedAsDamaged() throws Exception {
    open(tmp).close();
    Path current = tmp.resolve("CURRENT");
    Files.writeString(current, "MANIFEST-999999\n");
    assertRefusedUntouched(tmp, "data directory");
    assertThatThrownBy(() -> open(tmp)).hasMessageContaining("Nothing was changed");
  }

  @Test
  void open_whenAnotherStoreHasItOpen_thenInUse() {
    open(tmp);
    assertThatThrownBy(() -> open(tmp)).isInstanceOf(StorageException.class)
        .hasMessageContaining("in use by another process");
  }
}
