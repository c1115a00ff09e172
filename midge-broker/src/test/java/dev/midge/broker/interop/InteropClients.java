package dev.midge.broker.interop;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.jspecify.annotations.Nullable;

/**
 * Real MQTT clients for the interop tests: the HiveMQ client (MQTT 5 and 3.1.1) and Eclipse Paho
 * (v5, v3). Each is made for 127.0.0.1 (the {@link InteropBroker}'s port unless a test names
 * another, a {@link SniffingProxy}'s say), is not connected yet, and is handed to {@link
 * InteropBroker#closeAfterTest}: after the test it is disconnected if still connected, and closed.
 * What a test sets on top (callbacks, options, manual acknowledgement) it sets on what it gets.
 *
 * <pre>{@code
 * @RegisterExtension
 * final InteropBroker broker = InteropBroker.started("hivemq5");
 * private final InteropClients clients = new InteropClients(broker);
 *
 * Mqtt5BlockingClient c = clients.hiveMq5("some-id");
 * c.connectWith().cleanStart(true).send();
 * }</pre>
 *
 * <p>Teardown: the HiveMQ client sends DISCONNECT. Paho v5 sends DISCONNECT without quiescing
 * (Paho would wait for tokens nothing completes, such as those of AUTH packets) and waits for its
 * connection to end before it is closed: a Paho v5 client closed while its receiver thread still
 * handles a packet fails on that thread over the closed persistence. Paho v3 ends the connection
 * without DISCONNECT, so as not to wait on the broker, which stops next anyway. Threading: the
 * test's thread, as {@link InteropBroker}.
 */
final class InteropClients {
  private static final String HOST = "127.0.0.1";
  /** How long a HiveMQ client waits for its socket to connect, and for CONNACK. */
  private static final long CONNECT_TIMEOUT_SECONDS = 5;
  /**
   * How long Paho may take to end a connection in teardown. The blocking v5 client's forcible
   * disconnect waits all of it, whatever the broker does: keep it short.
   */
  private static final long PAHO_DISCONNECT_MILLIS = 1000;

  private final InteropBroker broker;

  InteropClients(InteropBroker broker) {
    this.broker = broker;
  }

  /** A HiveMQ MQTT 5 client for the broker; {@code id} null sends an empty client identifier. */
  Mqtt5BlockingClient hiveMq5(@Nullable String id) {
    return hiveMq5(id, broker.port(), builder -> builder);
  }

  /** A HiveMQ MQTT 5 client for {@code port}; {@code id} null sends an empty client identifier. */
  Mqtt5BlockingClient hiveMq5(@Nullable String id, int port) {
    return hiveMq5(id, port, builder -> builder);
  }

  /**
   * A HiveMQ MQTT 5 client for {@code port}, with what {@code options} adds to its builder (a
   * disconnected listener, enhanced authentication); {@code id} null sends an empty client
   * identifier.
   */
  Mqtt5BlockingClient hiveMq5(@Nullable String id, int port,
      UnaryOperator<Mqtt5ClientBuilder> options) {
    Mqtt5ClientBuilder builder = MqttClient.builder().useMqttVersion5();
    if (id != null) {
      builder = builder.identifier(id);
    }
    builder = builder.transportConfig().serverHost(HOST).serverPort(port)
        .socketConnectTimeout(CONNECT_TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .mqttConnectTimeout(CONNECT_TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .applyTransportConfig();
    Mqtt5BlockingClient c = options.apply(builder).buildBlocking();
    endAfterTest(() -> c.getState().isConnectedOrReconnect(), c::disconnect, () -> { });
    return c;
  }

  /** A HiveMQ MQTT 3.1.1 client for the broker. */
  Mqtt3BlockingClient hiveMq3(String id) {
    return hiveMq3(id, broker.port());
  }

  /** A HiveMQ MQTT 3.1.1 client for {@code port}. */
  Mqtt3BlockingClient hiveMq3(String id, int port) {
    Mqtt3BlockingClient c = MqttClient.builder().useMqttVersion3().identifier(id)
        .transportConfig().serverHost(HOST).serverPort(port)
        .socketConnectTimeout(CONNECT_TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .mqttConnectTimeout(CONNECT_TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .applyTransportConfig()
        .buildBlocking();
    endAfterTest(() -> c.getState().isConnectedOrReconnect(), c::disconnect, () -> { });
    return c;
  }

  /** A Paho MQTT v5 asynchronous client for {@code port}, with in-memory persistence. */
  MqttAsyncClient pahoV5(String id, int port) throws MqttException {
    MqttAsyncClient c = new MqttAsyncClient(uri(port), id, new MemoryPersistence());
    endAfterTest(c::isConnected,
        () -> c.disconnect(0).waitForCompletion(PAHO_DISCONNECT_MILLIS), () -> c.close(true));
    return c;
  }

  /** A Paho MQTT v5 blocking client for {@code port}, with in-memory persistence. */
  org.eclipse.paho.mqttv5.client.MqttClient pahoV5Blocking(String id, int port)
      throws MqttException {
    var c = new org.eclipse.paho.mqttv5.client.MqttClient(uri(port), id, new MemoryPersistence());
    endAfterTest(c::isConnected, () -> c.disconnectForcibly(0, PAHO_DISCONNECT_MILLIS),
        () -> c.close(true));
    return c;
  }

  /** A Paho MQTT v3 blocking client for {@code port}, with in-memory persistence. */
  org.eclipse.paho.client.mqttv3.MqttClient pahoV3(String id, int port)
      throws org.eclipse.paho.client.mqttv3.MqttException {
    var c = new org.eclipse.paho.client.mqttv3.MqttClient(uri(port), id,
        new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
    endAfterTest(c::isConnected, () -> c.disconnectForcibly(0, PAHO_DISCONNECT_MILLIS, false),
        () -> c.close(true));
    return c;
  }

  /** What ends a client in teardown; a client library's own exceptions are checked ones. */
  @FunctionalInterface
  private interface Step {
    void run() throws Exception;
  }

  /** After the test: {@code disconnect} if {@code connected} says so, then {@code close}. */
  private void endAfterTest(BooleanSupplier connected, Step disconnect, Step close) {
    broker.closeAfterTest(() -> {
      try {
        if (connected.getAsBoolean()) {
          disconnect.run();
        }
      } finally {
        close.run();
      }
    });
  }

  private static String uri(int port) {
    return "tcp://" + HOST + ":" + port;
  }
}
