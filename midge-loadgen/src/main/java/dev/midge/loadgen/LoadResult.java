package dev.midge.loadgen;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What a load run measured. {@link #toJson()} gives the one-line summary {@code midge bench}
 * prints on stdout.
 *
 * <p>For the message scenarios: {@code expected} is what subscribers should have received (each
 * QoS 0 message sent, or each QoS 1 and 2 message the broker acknowledged, once per subscriber of
 * its topic); {@link #lost()} is what never arrived after the drain, {@link #duplicates()} what
 * arrived more than expected.
 *
 * @param spec what was run
 * @param measuredSeconds the length of the measured window
 * @param sent messages published in the whole run (warm-up and drain included)
 * @param acknowledged QoS 1 and 2 messages the broker acknowledged with success
 * @param refused QoS 1 and 2 messages the broker acknowledged with an error reason code
 * @param received messages subscribers received in the whole run
 * @param expected messages subscribers should have received in the whole run
 * @param sendRate messages published per second in the measured window
 * @param receiveRate messages received per second in the measured window (the throughput)
 * @param latency latency of messages sent in the measured window, or null without messages
 * @param generatorCpuPercent the generator's CPU in the measured window, % of one core
 * @param brokerCpuPercent the broker's CPU in the measured window, when its PID was given
 * @param brokerRssBefore the broker's resident memory before the run, when its PID was given
 * @param brokerRssAfter the broker's resident memory at the end of the measured part
 * @param storm the storm scenario's figures, or null
 * @param keepAlive the keepalive scenario's figures, or null
 * @param errors what went wrong, one line each (connections refused, timeouts); empty if nothing
 */
public record LoadResult(
    LoadSpec spec,
    double measuredSeconds,
    long sent,
    long acknowledged,
    long refused,
    long received,
    long expected,
    double sendRate,
    double receiveRate,
    @Nullable Latency latency,
    @Nullable Double generatorCpuPercent,
    @Nullable Double brokerCpuPercent,
    @Nullable Long brokerRssBefore,
    @Nullable Long brokerRssAfter,
    @Nullable Storm storm,
    @Nullable KeepAliveTimes keepAlive,
    List<String> errors) {

  public LoadResult {
    errors = List.copyOf(errors);
  }

  /** Messages that should have arrived and did not. */
  public long lost() {
    return Math.max(0, expected - received);
  }

  /** Messages that arrived more often than expected. */
  public long duplicates() {
    return Math.max(0, received - expected);
  }

  /**
   * Latency in milliseconds, from the send time (the scheduled time in a paced run) to receipt.
   */
  public record Latency(long count, double min, double p50, double p90, double p99, double p999,
      double max) {}

  /**
   * The storm: connections opened as fast as the broker took them.
   *
   * @param attempted connections tried
   * @param connected connections that got CONNACK with success
   * @param seconds from the first connection attempt to the last CONNACK
   * @param connectsPerSecond connected / seconds
   * @param rssPerConnection growth of the broker's resident memory per connection, in bytes,
   *     after holding the connections idle; null without the broker's PID
   * @param warmupConnections connections opened and closed again before the measured storm (0:
   *     none, the broker met the storm cold)
   */
  public record Storm(int attempted, int connected, double seconds, double connectsPerSecond,
      @Nullable Double rssPerConnection, int warmupConnections) {}

  /**
   * The keepalive scenario: silent clients, and when the broker closed each.
   *
   * @param clients clients that connected and went silent
   * @param closedByBroker clients the broker closed before the run gave up waiting
   * @param stillOpen clients still open when the run gave up (never dropped)
   * @param expectedSeconds 1.5 × keep alive, when the broker should close them
   * @param minSeconds the shortest time from a client's last byte to its close
   * @param medianSeconds the median of those times
   * @param p99Seconds their 99th percentile
   * @param maxSeconds the longest
   * @param disconnectReasons how many clients got a DISCONNECT with each reason code (MQTT 5),
   *     keyed like {@code 0x8D}; {@code none} for a close without DISCONNECT
   */
  public record KeepAliveTimes(int clients, int closedByBroker, int stillOpen,
      double expectedSeconds, double minSeconds, double medianSeconds, double p99Seconds,
      double maxSeconds, Map<String, Integer> disconnectReasons) {
    public KeepAliveTimes {
      disconnectReasons = Map.copyOf(disconnectReasons);
    }
  }

  /** The result as one line of JSON. */
  public String toJson() {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("scenario", spec.scenario().cliName());
      g.writeStringField("broker", spec.host() + ":" + spec.port());
      g.writeStringField("protocol", spec.version().toString());
      if (spec.publishes()) {
        g.writeNumberField("qos", spec.qos().value());
        g.writeNumberField("payloadBytes", spec.payloadSize());
        g.writeNumberField("publishers", spec.publishers());
        g.writeNumberField("subscribers", spec.subscribers());
        g.writeNumberField("rate", spec.rate());
        round(g, "measuredSeconds", measuredSeconds);
        g.writeNumberField("sent", sent);
        g.writeNumberField("acknowledged", acknowledged);
        g.writeNumberField("refused", refused);
        g.writeNumberField("received", received);
        g.writeNumberField("expected", expected);
        g.writeNumberField("lost", lost());
        g.writeNumberField("duplicates", duplicates());
        round(g, "sendRate", sendRate);
        round(g, "receiveRate", receiveRate);
        if (latency != null) {
          g.writeObjectFieldStart("latencyMillis");
          g.writeNumberField("count", latency.count());
          round(g, "min", latency.min());
          round(g, "p50", latency.p50());
          round(g, "p90", latency.p90());
          round(g, "p99", latency.p99());
          round(g, "p999", latency.p999());
          round(g, "max", latency.max());
          g.writeEndObject();
        }
      }
      if (storm != null) {
        g.writeObjectFieldStart("storm");
        g.writeNumberField("attempted", storm.attempted());
        g.writeNumberField("connected", storm.connected());
        round(g, "seconds", storm.seconds());
        round(g, "connectsPerSecond", storm.connectsPerSecond());
        g.writeNumberField("warmupConnections", storm.warmupConnections());
        if (storm.rssPerConnection() != null) {
          round(g, "rssBytesPerConnection", storm.rssPerConnection());
        }
        g.writeEndObject();
      }
      if (keepAlive != null) {
        g.writeObjectFieldStart("keepAlive");
        g.writeNumberField("keepAliveSeconds", spec.keepAlive());
        g.writeNumberField("clients", keepAlive.clients());
        g.writeNumberField("closedByBroker", keepAlive.closedByBroker());
        g.writeNumberField("stillOpen", keepAlive.stillOpen());
        round(g, "expectedSeconds", keepAlive.expectedSeconds());
        round(g, "minSeconds", keepAlive.minSeconds());
        round(g, "medianSeconds", keepAlive.medianSeconds());
        round(g, "p99Seconds", keepAlive.p99Seconds());
        round(g, "maxSeconds", keepAlive.maxSeconds());
        g.writeObjectFieldStart("disconnectReasons");
        for (Map.Entry<String, Integer> e : keepAlive.disconnectReasons().entrySet()) {
          g.writeNumberField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
        g.writeEndObject();
      }
      if (generatorCpuPercent != null) {
        round(g, "generatorCpuPercent", generatorCpuPercent);
      }
      if (brokerCpuPercent != null) {
        round(g, "brokerCpuPercent", brokerCpuPercent);
      }
      if (brokerRssBefore != null) {
        g.writeNumberField("brokerRssBytesBefore", brokerRssBefore);
      }
      if (brokerRssAfter != null) {
        g.writeNumberField("brokerRssBytesAfter", brokerRssAfter);
      }
      g.writeArrayFieldStart("errors");
      for (String e : errors) {
        g.writeString(e);
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  private static void round(JsonGenerator g, String name, double v) throws IOException {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      g.writeNullField(name);
    } else {
      g.writeNumberField(name, Math.round(v * 1000) / 1000.0);
    }
  }
}
