/**
 * Raw-bytes MQTT connections for tests, built on the codec and not on any client library, so that
 * a client's bug can never hide a broker's: {@link dev.midge.testkit.RawMqttConnection} sends
 * packets or arbitrary bytes and hands back what the broker answered, each decoded with a strict
 * client-role decoder and time-stamped; {@link dev.midge.testkit.Hex} and {@link
 * dev.midge.testkit.RawPackets} build malformed input by hand; {@link
 * dev.midge.testkit.ManualClock} is a wall clock that tests move by hand.
 */
@NullMarked
package dev.midge.testkit;

import org.jspecify.annotations.NullMarked;
