/** The generator's connections, pacing and process readings; not a public API. */
@NullMarked
package dev.midge.loadgen.internal;

import org.jspecify.annotations.NullMarked;
