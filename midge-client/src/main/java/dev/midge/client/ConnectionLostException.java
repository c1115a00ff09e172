package dev.midge.client;

/**
 * A connection ended without the client asking: the broker closed it, the network failed, or a
 * deadline passed. {@link ConnectionListener#connectionLost} gets it (or a subclass) as the cause.
 */
public class ConnectionLostException extends MqttClientException {
  private static final long serialVersionUID = 1L;

  public ConnectionLostException(String message) {
    super(message);
  }

  public ConnectionLostException(String message, Throwable cause) {
    super(message, cause);
  }
}
