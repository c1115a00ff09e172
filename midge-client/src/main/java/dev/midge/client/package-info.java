/**
 * The Midge MQTT client: MQTT 3.1.1 and 5.0 over TCP, with keep alive that notices a dead broker,
 * automatic reconnection and session resumption.
 *
 * <p>Start with {@link dev.midge.client.MqttClient#builder()}:
 *
 * <pre>{@code
 * MqttClient client = MqttClient.builder()
 *     .host("127.0.0.1").port(1883)
 *     .clientId("sensor-1")
 *     .keepAlive(Duration.ofSeconds(30))
 *     .build();
 * client.connect().join();
 * client.subscribe("sensors/#", MqttQos.AT_LEAST_ONCE,
 *     m -> System.out.println(m.topic() + " " + m.payloadAsString()));
 * client.publish("sensors/temp", "21.5".getBytes(UTF_8), MqttQos.AT_LEAST_ONCE, false).join();
 * client.close();
 * }</pre>
 *
 * <p>Everything here is thread-safe. Implementation classes live in {@code
 * dev.midge.client.internal} and are not an API.
 */
@NullMarked
package dev.midge.client;

import org.jspecify.annotations.NullMarked;
