/**
 * The engine of {@code midge bench}: MQTT load against any broker on this machine, built on raw
 * Netty and the Midge codec so that the generator, not the client library, sets its own limits.
 *
 * <pre>{@code
 * LoadSpec spec = LoadSpec.builder(Scenario.FAN_IN).port(1883).qos(MqttQos.AT_LEAST_ONCE).build();
 * LoadResult result = new LoadGenerator(spec).run(progress -> System.err.println(progress));
 * System.out.println(result.toJson());
 * }</pre>
 */
@NullMarked
package dev.midge.loadgen;

import org.jspecify.annotations.NullMarked;
