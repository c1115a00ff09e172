/**
 * Reason codes: {@link dev.midge.codec.reason.ReasonCode} lists all of MQTT 5.0, and one enum per
 * packet type lists the codes that packet may carry, each with O(1) lookup by byte.
 */
@NullMarked
package dev.midge.codec.reason;

import org.jspecify.annotations.NullMarked;
