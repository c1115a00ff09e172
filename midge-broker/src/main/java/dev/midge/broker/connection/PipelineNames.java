package dev.midge.broker.connection;

/**
 * The names of an MQTT connection's pipeline handlers, in pipeline order from the network inward.
 * The pipeline reads top to bottom:
 *
 * <ol>
 *   <li>{@link #KEEP_ALIVE} — added first once CONNECT is accepted with a keep alive other than 0;
 *   <li>{@link #TLS}, {@link #TLS_FAILURES} — on {@code mqtt+tls} and {@code wss} listeners: TLS,
 *       and the log of failed handshakes;
 *   <li>{@link #HTTP_CODEC}, {@link #HTTP_AGGREGATOR}, {@link #WEBSOCKET}, {@link
 *       #WEBSOCKET_FRAMES} — on {@code ws} and {@code wss} listeners: the HTTP upgrade (after
 *       which Netty replaces the HTTP handlers with its WebSocket frame codec), and binary frames
 *       to and from the MQTT byte stream;
 *   <li>{@link #CONNECT_TIMEOUT} — removed once CONNECT is accepted;
 *   <li>{@link #FLUSH_CONSOLIDATION} — coalesces flushes of many small writes;
 *   <li>{@link #DECODER}, {@link #ENCODER} — the MQTT codec;
 *   <li>{@link #CERTIFICATE_USERNAME} — with {@code tls.use-subject-as-username} only, until
 *       CONNECT: the client certificate's name as user name;
 *   <li>{@link #ACTIVITY} — watches packets in and out for the admin API and metrics;
 *   <li>{@link #CONNECTION} — the connection's state machine.
 * </ol>
 */
public final class PipelineNames {
  public static final String KEEP_ALIVE = "keep-alive";
  public static final String TLS = "tls";
  public static final String TLS_FAILURES = "tls-failures";
  public static final String HTTP_CODEC = "http-codec";
  public static final String HTTP_AGGREGATOR = "http-aggregator";
  public static final String WEBSOCKET = "websocket";
  public static final String WEBSOCKET_FRAMES = "websocket-frames";
  public static final String CONNECT_TIMEOUT = "connect-timeout";
  public static final String FLUSH_CONSOLIDATION = "flush-consolidation";
  public static final String DECODER = "mqtt-decoder";
  public static final String ENCODER = "mqtt-encoder";
  public static final String CERTIFICATE_USERNAME = "certificate-username";
  public static final String ACTIVITY = "activity";
  public static final String CONNECTION = "mqtt-connection";

  private PipelineNames() {}
}
