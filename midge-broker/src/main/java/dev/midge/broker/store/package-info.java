/**
 * Storage: where the broker keeps what must outlive a connection or the process — persistent
 * sessions (subscriptions, expiry, queued and in-flight QoS 1 and 2 messages, inbound QoS 2
 * packet identifiers), retained messages and delayed wills — behind the {@link
 * dev.midge.broker.store.Storage} SPI, in memory ({@link dev.midge.broker.store.InMemoryStorage})
 * or in RocksDB ({@link dev.midge.broker.store.rocksdb.RocksDbStorage}).
 *
 * <p>{@link dev.midge.broker.store.WriteTicket} ties an acknowledgement to the writes the
 * acknowledged packet caused, on whatever event loop they were made, so that PUBACK and PUBREC go
 * out only once those writes are durable.
 */
@NullMarked
package dev.midge.broker.store;

import org.jspecify.annotations.NullMarked;
