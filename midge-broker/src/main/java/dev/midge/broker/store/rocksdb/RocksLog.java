package dev.midge.broker.store.rocksdb;

import org.rocksdb.InfoLogLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RocksDB's own log, warnings and worse, sent to the broker's log instead of LOG files in the
 * data directory: so that opening a directory only to refuse it writes nothing there, and so that
 * a background error (a failed compaction, a full disk) shows where the operator looks.
 */
final class RocksLog extends org.rocksdb.Logger {
  private static final Logger LOG = LoggerFactory.getLogger("dev.midge.broker.store.rocksdb.RocksDB");

  RocksLog() {
    super(InfoLogLevel.WARN_LEVEL);
  }

  @Override
  protected void log(InfoLogLevel level, String message) {
    String m = message.strip();
    if (level == InfoLogLevel.WARN_LEVEL) {
      LOG.warn("{}", m);
    } else if (level.ordinal() > InfoLogLevel.WARN_LEVEL.ordinal()) {
      LOG.error("{}", m);
    }
  }
}
