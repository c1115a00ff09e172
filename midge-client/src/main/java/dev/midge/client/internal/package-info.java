/**
 * The client's implementation: the connection state machine ({@link
 * dev.midge.client.internal.ClientCore}), the pipeline, keep alive, backoff and packet
 * identifiers. Not an API: anything here may change without notice.
 */
@NullMarked
package dev.midge.client.internal;

import org.jspecify.annotations.NullMarked;
