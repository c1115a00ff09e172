package dev.midge.broker.admin;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.midge.broker.connection.BrokerServices;
import dev.midge.broker.connection.ConnectionListener;
import dev.midge.broker.metrics.BrokerMetrics;
import dev.midge.broker.metrics.DisconnectCause;
import dev.midge.broker.metrics.SessionTotals;
import dev.midge.codec.MqttQos;
import dev.midge.codec.packet.Publish;
import dev.midge.codec.property.Properties;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code $SYS} topics: the broker's statistics under Mosquitto's names, published by {@link
 * #publishStatistics()} every {@code sys.interval}, and, as a {@link ConnectionListener}, an event
 * per client on {@code $SYS/broker/clients/{id}/connected} and {@code .../disconnected} whose JSON
 * payload says why it disconnected.
 *
 * <p>Statistics are plain text numbers (as Mosquitto's are), QoS 0, not retained: a subscriber
 * gets them at the next interval. Client events are JSON, QoS 1, not retained. The client
 * identifier in an event's topic has {@code %}, {@code /}, {@code +} and {@code #} written as
 * {@code %25}, {@code %2F}, {@code %2B} and {@code %23}, so that every client's events are one
 * topic level and a valid topic name; the payload has it as it is.
 *
 * <p>Subscribing to {@code #} does not match {@code $SYS} topics (MQTT-4.7.2-1): ask for {@code
 * $SYS/#}. Thread-safe.
 */
public final class SysTopics implements ConnectionListener {
  private static final Logger LOG = LoggerFactory.getLogger(SysTopics.class);
  /** The publisher of $SYS messages, for the No Local option: no client has an empty identifier. */
  private static final String PUBLISHER = "";
  private static final JsonFactory JSON = new JsonFactory();
  private static final Properties JSON_PROPERTIES =
      Properties.builder().payloadFormatIndicator(1).contentType("application/json").build();
  private static final int MAX_TOPIC_BYTES = 65535;

  private final BrokerServices broker;
  private final SessionTotals totals;
  private final String version;
  private final long startedAtMillis;
  private final boolean clientEvents;

  /**
   * @param version the broker's version, for {@code $SYS/broker/version}
   * @param clientEvents whether to publish client events
   */
  public SysTopics(BrokerServices broker, SessionTotals totals, String version,
      boolean clientEvents) {
    this.broker = broker;
    this.totals = totals;
    this.version = version;
    this.clientEvents = clientEvents;
    this.startedAtMillis = broker.clock().millis();
  }

  /** The statistics and their values now, topic by topic, in the order they are published. */
  public Map<String, String> statistics() {
    BrokerMetrics m = broker.metrics();
    long connected = broker.connectedClients().size();
    long total = broker.sessions().size();
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    Map<String, String> s = new LinkedHashMap<>();
    s.put("$SYS/broker/version", "midge " + version);
    s.put("$SYS/broker/uptime", (broker.clock().millis() - startedAtMillis) / 1000 + " seconds");
    s.put("$SYS/broker/clients/connected", Long.toString(connected));
    s.put("$SYS/broker/clients/disconnected", Long.toString(Math.max(0, total - connected)));
    s.put("$SYS/broker/clients/total", Long.toString(total));
    s.put("$SYS/broker/clients/maximum", Long.toString(m.maxConnections()));
    s.put("$SYS/broker/clients/keepalive-timeouts",
        Long.toString(m.disconnects(DisconnectCause.KEEP_ALIVE_TIMEOUT)));
    s.put("$SYS/broker/messages/received", Long.toString(m.packetsReceived()));
    s.put("$SYS/broker/messages/sent", Long.toString(m.packetsSent()));
    s.put("$SYS/broker/publish/messages/received", Long.toString(m.messagesReceived()));
    s.put("$SYS/broker/publish/messages/sent", Long.toString(m.messagesSent()));
    s.put("$SYS/broker/publish/messages/dropped", Long.toString(m.messagesDropped()));
    s.put("$SYS/broker/publish/bytes/received", Long.toString(m.payloadBytesReceived()));
    s.put("$SYS/broker/publish/bytes/sent", Long.toString(m.payloadBytesSent()));
    s.put("$SYS/broker/retained messages/count", Integer.toString(broker.retained().size()));
    s.put("$SYS/broker/subscriptions/count", Integer.toString(broker.router().size()));
    s.put("$SYS/broker/store/messages/count", Long.toString(totals.queued() + totals.inflight()));
    s.put("$SYS/broker/heap/current", Long.toString(heap.getUsed()));
    s.put("$SYS/broker/heap/maximum", Long.toString(Math.max(heap.getMax(), heap.getCommitted())));
    return s;
  }

  /** Publishes every statistic once. Any thread. */
  public void publishStatistics() {
    totals.sample(); // for the next round: the sample completes on the sessions' loops
    for (Map.Entry<String, String> e : statistics().entrySet()) {
      broker.publish(Publish.atMostOnce(e.getKey(), e.getValue().getBytes(StandardCharsets.UTF_8)),
          PUBLISHER);
    }
  }

  @Override
  public void clientConnected(ClientEvent client) {
    if (clientEvents) {
      publishEvent(client, "connected", null);
    }
  }

  @Override
  public void clientDisconnected(ClientEvent client, DisconnectCause cause) {
    if (clientEvents) {
      publishEvent(client, "disconnected", cause);
    }
  }

  /**
   * Publishes one client event, built only when a subscription matches its topic: a broker taking
   * thousands of connections a second with nobody watching spends nothing on them.
   */
  private void publishEvent(ClientEvent client, String event, @Nullable DisconnectCause cause) {
    String clientId = client.clientId();
    String topic = "$SYS/broker/clients/" + topicLevel(clientId) + "/" + event;
    if (!broker.router().hasMatch(topic)) {
      return;
    }
    if (ByteBufUtil.utf8Bytes(topic) > MAX_TOPIC_BYTES) {
      LOG.debug("client {}: no $SYS {} event, its identifier is too long for a topic name",
          clientId.substring(0, Math.min(32, clientId.length())), event);
      return;
    }
    byte[] payload;
    try {
      payload = json(client, event, cause);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // writing to memory: not expected
    }
    broker.publish(new Publish(topic, MqttQos.AT_LEAST_ONCE, false, false, 0, payload,
        JSON_PROPERTIES), PUBLISHER);
  }

  private byte[] json(ClientEvent client, String event, @Nullable DisconnectCause cause)
      throws IOException {
    long now = broker.clock().millis();
    ByteArrayBuilder out = new ByteArrayBuilder(256);
    try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeStringField("event", event);
      g.writeStringField("clientId", client.clientId());
      g.writeStringField("address", client.address());
      g.writeStringField("protocolVersion", client.protocolVersion());
      g.writeNumberField("keepAliveRequested", client.keepAliveRequested());
      g.writeNumberField("keepAlive", client.keepAliveEffective());
      g.writeNumberField("connectedAt", client.connectedAt());
      g.writeNumberField("timestamp", now);
      if (cause != null) {
        g.writeStringField("reason", cause.tag());
        g.writeNumberField("connectedMillis", Math.max(0, now - client.connectedAt()));
      }
      g.writeEndObject();
    }
    return out.toByteArray();
  }

  /** A client identifier as one topic level: {@code %}, {@code /}, {@code +}, {@code #} escaped. */
  public static String topicLevel(String clientId) {
    StringBuilder b = null;
    for (int i = 0; i < clientId.length(); i++) {
      char c = clientId.charAt(i);
      String escaped = switch (c) {
        case '%' -> "%25";
        case '/' -> "%2F";
        case '+' -> "%2B";
        case '#' -> "%23";
        default -> null;
      };
      if (escaped != null && b == null) {
        b = new StringBuilder(clientId.length() + 8).append(clientId, 0, i);
      }
      if (b != null) {
        if (escaped != null) {
          b.append(escaped);
        } else {
          b.append(c);
        }
      }
    }
    return b == null ? clientId : b.toString();
  }
}
