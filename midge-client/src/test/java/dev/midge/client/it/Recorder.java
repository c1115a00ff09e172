package dev.midge.client.it;

import dev.midge.client.ConnectResult;
import dev.midge.client.ConnectionListener;
import dev.midge.client.MessageHandler;
import dev.midge.client.MqttMessage;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records what a client reports: messages (with the thread they arrived on) and events. */
final class Recorder implements ConnectionListener, MessageHandler {
  record Event(long nanos, String kind, Object detail) {}

  final List<MqttMessage> messages = new CopyOnWriteArrayList<>();
  final List<String> messageThreads = new CopyOnWriteArrayList<>();
  final List<Event> events = new CopyOnWriteArrayList<>();

  @Override
  public void onMessage(MqttMessage message) {
    messages.add(message);
    messageThreads.add(Thread.currentThread().getName());
  }

  List<String> payloads() {
    return messages.stream().map(MqttMessage::payloadAsString).toList();
  }

  List<Event> events(String kind) {
    return events.stream().filter(e -> e.kind().equals(kind)).toList();
  }

  private void add(String kind, Object detail) {
    events.add(new Event(System.nanoTime(), kind, detail));
  }

  @Override
  public void connected(ConnectResult result) {
    add("connected", result);
  }

  @Override
  public void connectionLost(Throwable cause) {
    add("lost", cause);
  }

  @Override
  public void reconnecting(Duration delay, int attempt) {
    add("reconnecting", delay);
  }

  @Override
  public void pingRoundTrip(Duration roundTrip) {
    add("ping", roundTrip);
  }
}
