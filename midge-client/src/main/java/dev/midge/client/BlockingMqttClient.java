package dev.midge.client;

import dev.midge.codec.MqttQos;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A blocking view of an {@link MqttClient}: each call waits for the broker's answer, at most the
 * timeout given to {@link MqttClient#blocking(Duration)}, and throws {@link MqttClientException}
 * when the operation fails or times out. The same client, the same connection; only the waiting
 * differs.
 *
 * <pre>{@code
 * BlockingMqttClient c = client.blocking();
 * c.connect();
 * c.publish("a/b", "hello".getBytes(UTF_8), MqttQos.AT_LEAST_ONCE, false); // returns after PUBACK
 * }</pre>
 *
 * <p>Do not call it from a message handler or listener of the same client: it would wait for a
 * completion queued behind the very callback that waits.
 */
public final class BlockingMqttClient {
  private final MqttClient client;
  private final Duration timeout;

  BlockingMqttClient(MqttClient client, Duration timeout) {
    this.client = client;
    this.timeout = timeout;
  }

  /** The asynchronous client behind this view. */
  public MqttClient async() {
    return client;
  }

  public ConnectResult connect() {
    return await(client.connect(), "connect");
  }

  public void publish(String topic, byte[] payload, MqttQos qos, boolean retain) {
    await(client.publish(topic, payload, qos, retain), "publish");
  }

  /** Subscribes and returns the QoS granted. */
  public MqttQos subscribe(String filter, MqttQos qos, MessageHandler handler) {
    return await(client.subscribe(filter, qos, handler), "subscribe");
  }

  public void unsubscribe(String filter) {
    await(client.unsubscribe(filter), "unsubscribe");
  }

  public void disconnect() {
    await(client.disconnect(), "disconnect");
  }

  private <T> T await(CompletableFuture<T> f, String what) {
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof MqttClientException m) {
        throw m;
      }
      if (cause instanceof IllegalArgumentException i) {
        throw i;
      }
      throw new MqttClientException(what + " failed: " + cause, cause);
    } catch (TimeoutException e) {
      throw new MqttClientException(what + " did not complete within " + timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MqttClientException(what + " interrupted");
    }
  }
}
