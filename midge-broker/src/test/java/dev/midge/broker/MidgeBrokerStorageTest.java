package dev.midge.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.StorageConfig;
import dev.midge.broker.store.InMemoryStorage;
import dev.midge.broker.store.StorageException;
import dev.midge.broker.store.rocksdb.RocksDbStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where an embedded broker keeps its state, and how it refuses a directory it cannot use. */
class MidgeBrokerStorageTest {
  @TempDir Path tmp;

  @Test
  void builder_whenNoDataDirIsGiven_thenStateInMemory() {
    try (MidgeBroker broker = MidgeBroker.builder().port(0).build()) {
      assertThat(broker.storage()).isInstanceOf(InMemoryStorage.class);
    }
    try (MidgeBroker broker = MidgeBroker.builder().config(BrokerConfig.defaults()).build()) {
      assertThat(broker.config().storage()).isEqualTo(StorageConfig.IN_MEMORY);
    }
  }

  @Test
  void builder_whenDataDirIsGiven_thenRocksDbThereAndReleasedByClose() {
    Path dir = tmp.resolve("data");
    try (MidgeBroker broker = MidgeBroker.builder().dataDir(dir).build()) {
      assertThat(broker.storage()).isInstanceOf(RocksDbStorage.class);
      assertThat(broker.storage().describe()).isEqualTo("RocksDB in " + dir);
      assertThat(dir.resolve("CURRENT")).exists();
      assertThatThrownBy(() -> MidgeBroker.builder().dataDir(dir).build())
          .isInstanceOf(StorageException.class).hasMessageContaining("in use by another process");
    }
    // Closed without ever starting: the directory is free again.
    try (MidgeBroker again = MidgeBroker.builder().dataDir(dir).port(0).build().start()) {
      assertThat(again.port()).isPositive();
    }
  }

  @Test
  void builder_whenDataDirIsNullAfterAConfigWithOne_thenMemory() {
    BrokerConfig onDisk = BrokerConfig.defaults()
        .withStorage(StorageConfig.DEFAULTS.withDataDir(tmp.resolve("d")));
    try (MidgeBroker broker = MidgeBroker.builder().config(onDisk).dataDir(null).build()) {
      assertThat(broker.storage()).isInstanceOf(InMemoryStorage.class);
    }
    assertThat(tmp.resolve("d")).doesNotExist();
  }

  @Test
  void build_whenDataDirHoldsOtherFiles_thenStorageExceptionAndNothingTouched() throws Exception {
    Files.writeString(tmp.resolve("report.pdf"), "mine");
    assertThatThrownBy(() -> MidgeBroker.builder().dataDir(tmp).build())
        .isInstanceOf(StorageException.class)
        .hasMessage("data directory " + tmp + ": holds files (report.pdf) but no Midge store."
            + " Nothing was changed. Fix: give an empty or new directory with --data-dir"
            + " (storage.data-dir), or move these files away.");
    try (var files = Files.list(tmp)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("report.pdf");
    }
  }
}
