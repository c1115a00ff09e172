package dev.midge.broker.transport;

import dev.midge.broker.auth.AuthenticationMechanisms;
import dev.midge.broker.config.ListenerConfig;
import dev.midge.broker.connection.BrokerServices;
import dev.midge.broker.connection.ConnectionActivity;
import dev.midge.broker.connection.MqttConnection;
import dev.midge.broker.connection.PipelineNames;
import dev.midge.broker.keepalive.ConnectTimeoutHandler;
import dev.midge.broker.transport.tls.CertificateUsername;
import dev.midge.broker.transport.tls.ReloadingSslContext;
import dev.midge.broker.transport.tls.TlsHandshakeFailures;
import dev.midge.broker.transport.websocket.WebSocketFrames;
import dev.midge.codec.MqttDecoder;
import dev.midge.codec.MqttEncoder;
import io.micrometer.core.instrument.Counter;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.flush.FlushConsolidationHandler;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * Builds the pipeline of each new MQTT connection, in the order {@link PipelineNames} lists: TLS
 * first on {@code mqtt+tls} and {@code wss} listeners, the WebSocket upgrade and frames next on
 * {@code ws} and {@code wss} listeners, then the same MQTT handlers for every protocol, so that
 * keep alive, limits and everything above behave alike whatever carries the bytes. Sharable: it
 * holds only configuration and the listener's TLS context.
 */
public final class MqttChannelInitializer extends ChannelInitializer<Channel> {
  /** WebSocket subprotocols accepted, the first preferred: MQTT-6.0.0-4 ("mqtt"), and 3.1's. */
  public static final String SUBPROTOCOLS = "mqtt,mqttv3.1";
  private static final int MAX_UPGRADE_REQUEST = 8192;
  /** The largest WebSocket frame accepted when packets are small: Netty's default. */
  private static final int MIN_FRAME_LIMIT = 65536;

  private final BrokerServices broker;
  private final ListenerConfig listener;
  private final AuthenticationMechanisms mechanisms;
  private final @Nullable ReloadingSslContext tls;
  private final @Nullable Counter tlsFailures;

  public MqttChannelInitializer(BrokerServices broker, ListenerConfig listener) {
    this(broker, listener, AuthenticationMechanisms.NONE);
  }

  /** With the enhanced-authentication mechanisms MQTT 5 clients may use (§4.12). */
  public MqttChannelInitializer(BrokerServices broker, ListenerConfig listener,
      AuthenticationMechanisms mechanisms) {
    this(broker, listener, mechanisms, null);
  }

  /**
   * With the TLS context of an {@code mqtt+tls} or {@code wss} listener.
   *
   * @throws IllegalArgumentException when the listener's protocol needs TLS and {@code tls} is
   *     null, or the reverse
   */
  public MqttChannelInitializer(BrokerServices broker, ListenerConfig listener,
      AuthenticationMechanisms mechanisms, @Nullable ReloadingSslContext tls) {
    if (listener.protocol().tls() != (tls != null)) {
      throw new IllegalArgumentException("listener " + listener.name() + " speaks "
          + listener.protocol().configName() + (tls == null ? " but has no TLS context"
              : " but was given a TLS context"));
    }
    this.broker = broker;
    this.listener = listener;
    this.mechanisms = mechanisms;
    this.tls = tls;
    this.tlsFailures = tls == null ? null : Counter.builder("midge.tls.handshakes.failed")
        .description("TLS handshakes that failed: certificates not trusted, plain MQTT on a TLS"
            + " port")
        .tag("listener", listener.name())
        .register(broker.metrics().registry());
  }

  @Override
  protected void initChannel(Channel ch) {
    // limits.connect-rate-per-address: a connection beyond its address's rate is closed before
    // anything is read from it; no TLS handshake, no CONNECT, no CONNACK (0x9F would cost the
    // very work the limit saves). Other addresses have buckets of their own.
    if (broker.connectRate().enabled() && ch.remoteAddress() instanceof InetSocketAddress remote
        && remote.getAddress() != null && !broker.connectRate().tryAcquire(remote.getAddress())) {
      broker.connectRateExceeded(remote);
      ch.close();
      return;
    }
    broker.channels().add(ch);
    ChannelPipeline p = ch.pipeline();
    // KEEP_ALIVE is added first once CONNECT is accepted: ahead of TLS, it sees bytes as they
    // arrive, whatever carries them.
    ReloadingSslContext context = tls;
    if (context != null) {
      p.addLast(PipelineNames.TLS, context.newHandler(ch.alloc()));
      p.addLast(PipelineNames.TLS_FAILURES,
          new TlsHandshakeFailures(listener.name(), java.util.Objects.requireNonNull(tlsFailures)));
    }
    if (listener.protocol().webSocket()) {
      int maxPacket = broker.config().limits().maxPacketSize();
      // A frame holds at least one whole packet as mqtt.js sends them: room for the largest.
      int maxFrame = Math.max(MIN_FRAME_LIMIT, maxPacket > Integer.MAX_VALUE - 5
          ? Integer.MAX_VALUE : maxPacket + 5);
      p.addLast(PipelineNames.HTTP_CODEC, new HttpServerCodec());
      p.addLast(PipelineNames.HTTP_AGGREGATOR, new HttpObjectAggregator(MAX_UPGRADE_REQUEST));
      p.addLast(PipelineNames.WEBSOCKET, new WebSocketServerProtocolHandler(
          WebSocketServerProtocolConfig.newBuilder()
              .websocketPath(listener.websocketPath())
              .subprotocols(SUBPROTOCOLS)
              .checkStartsWith(false)
              .handshakeTimeoutMillis(listener.keepAlive().connectTimeout().toMillis())
              .decoderConfig(WebSocketDecoderConfig.newBuilder()
                  .maxFramePayloadLength(maxFrame)
                  .build())
              .build()));
      p.addLast(PipelineNames.WEBSOCKET_FRAMES, new WebSocketFrames());
    }
    p.addLast(PipelineNames.CONNECT_TIMEOUT,
        new ConnectTimeoutHandler(listener.keepAlive().connectTimeout()));
    p.addLast(PipelineNames.FLUSH_CONSOLIDATION, new FlushConsolidationHandler(256, true));
    p.addLast(PipelineNames.DECODER,
        MqttDecoder.forServer(broker.config().limits().maxPacketSize()));
    p.addLast(PipelineNames.ENCODER, new MqttEncoder());
    if (context != null && listener.tls().useSubjectAsUsername()) {
      p.addLast(PipelineNames.CERTIFICATE_USERNAME, new CertificateUsername());
    }
    p.addLast(PipelineNames.ACTIVITY, new ConnectionActivity(broker));
    p.addLast(PipelineNames.CONNECTION, new MqttConnection(broker, listener, mechanisms));
  }
}
