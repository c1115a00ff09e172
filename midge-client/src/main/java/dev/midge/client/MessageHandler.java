package dev.midge.client;

/**
 * Receives the messages of a subscription.
 *
 * <p>Called on the client's callback executor (see {@link MqttClient.Builder#callbackExecutor}),
 * never on the I/O thread, one message at a time and in the order the broker sent them. It may
 * take its time: the I/O thread keeps reading meanwhile. It must not wait for a future of the same
 * client (for example {@code client.publish(...).join()}): those futures are completed on the
 * same executor, after this call returns. Compose instead ({@code thenAccept}).
 *
 * <p>An exception thrown here is logged and otherwise ignored; the message counts as delivered
 * (its PUBACK or PUBREC has already gone out).
 */
@FunctionalInterface
public interface MessageHandler {
  void onMessage(MqttMessage message);
}
