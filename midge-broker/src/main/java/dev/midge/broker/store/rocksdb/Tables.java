package dev.midge.broker.store.rocksdb;

import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * The column families of the store and its writer, as the record classes use them. See {@link
 * Keys} for what each holds.
 */
record Tables(
    StoreWriter writer,
    ColumnFamilyHandle sessions,
    ColumnFamilyHandle subscriptions,
    ColumnFamilyHandle queue,
    ColumnFamilyHandle inflight,
    ColumnFamilyHandle inbound,
    ColumnFamilyHandle wills,
    ColumnFamilyHandle retained) {

  /** Adds to {@code batch} the removal of every record of the session with this prefix. */
  void deleteSession(WriteBatch batch, byte[] prefix) throws RocksDBException {
    byte[] end = Keys.end(prefix);
    batch.delete(sessions, prefix);
    for (ColumnFamilyHandle cf : new ColumnFamilyHandle[] {subscriptions, queue, inflight, inbound,
        wills}) {
      batch.deleteRange(cf, prefix, end);
    }
  }
}
