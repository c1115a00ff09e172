package dev.midge.broker.connection;

/**
 * The names of an MQTT connection's pipeline handlers, in pipeline order from the network inward.
 * The pipeline reads top to bottom:
 *
 * <ol>
 *   <li>{@link #KEEP_ALIVE} — added first once CONNECT is accepted with a keep alive other than 0;
 *   <li>{@link #CONNECT_TIMEOUT} — removed once CONNECT is accepted;
 *   <li>{@link #FLUSH_CONSOLIDATION} — coalesces flushes of many small writes;
 *   <li>{@link #DECODER}, {@link #ENCODER} — the MQTT codec;
 *   <li>{@link #ACTIVITY} — watches packets in and out for the admin API and metrics;
 *   <li>{@link #CONNECTION} — the connection's state machine.
 * </ol>
 */
public final class PipelineNames {
  public static final String KEEP_ALIVE = "keep-alive";
  public static final String CONNECT_TIMEOUT = "connect-timeout";
  public static final String FLUSH_CONSOLIDATION = "flush-consolidation";
  public static final String DECODER = "mqtt-decoder";
  public static final String ENCODER = "mqtt-encoder";
  public static final String ACTIVITY = "activity";
  public static final String CONNECTION = "mqtt-connection";

  private PipelineNames() {}
}
