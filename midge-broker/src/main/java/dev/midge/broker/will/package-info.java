/** Wills: the message published when a connection ends abnormally, and the MQTT 5 will delay. */
@NullMarked
package dev.midge.broker.will;

import org.jspecify.annotations.NullMarked;
