/**
 * The RocksDB store: column families per kind of record, keys that keep one session's records
 * together and its queue in order, a versioned record format of Midge's own, a single writer
 * thread that groups writes from every event loop into one synced batch, and start-up recovery.
 * See {@code docs/storage.md}.
 */
@NullMarked
package dev.midge.broker.store.rocksdb;

import org.jspecify.annotations.NullMarked;
