package dev.midge.client;

/**
 * Something the client could not do: not connected, a buffer full, the broker refused. Futures of
 * {@link MqttClient} fail with it (or a subclass); the blocking facade throws it.
 */
public class MqttClientException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public MqttClientException(String message) {
    super(message);
  }

  public MqttClientException(String message, Throwable cause) {
    super(message, cause);
  }
}
