/**
 * MQTT over WebSocket (MQTT 3.1.1 and 5.0, section 6): the upgrade on the listener's path with
 * subprotocol {@code mqtt}, and binary frames carrying the MQTT byte stream.
 */
@NullMarked
package dev.midge.broker.transport.websocket;

import org.jspecify.annotations.NullMarked;
