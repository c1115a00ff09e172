package dev.midge.broker.transport;

import dev.midge.broker.auth.AuthenticationMechanisms;
import dev.midge.broker.config.ListenerConfig;
import dev.midge.broker.connection.BrokerServices;
import dev.midge.broker.connection.ConnectionActivity;
import dev.midge.broker.connection.MqttConnection;
import dev.midge.broker.connection.PipelineNames;
import dev.midge.broker.keepalive.ConnectTimeoutHandler;
import dev.midge.codec.MqttDecoder;
import dev.midge.codec.MqttEncoder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;

/**
 * Builds the pipeline of each new MQTT connection, in the order {@link PipelineNames} lists.
 * Sharable: it holds only configuration.
 */
public final class MqttChannelInitializer extends ChannelInitializer<Channel> {
  private final BrokerServices broker;
  private final ListenerConfig listener;
  private final AuthenticationMechanisms mechanisms;

  public MqttChannelInitializer(BrokerServices broker, ListenerConfig listener) {
    this(broker, listener, AuthenticationMechanisms.NONE);
  }

  /** With the enhanced-authentication mechanisms MQTT 5 clients may use (§4.12). */
  public MqttChannelInitializer(BrokerServices broker, ListenerConfig listener,
      AuthenticationMechanisms mechanisms) {
    this.broker = broker;
    this.listener = listener;
    this.mechanisms = mechanisms;
  }

  @Override
  protected void initChannel(Channel ch) {
    broker.channels().add(ch);
    ChannelPipeline p = ch.pipeline();
    // KEEP_ALIVE is added first once CONNECT is accepted.
    p.addLast(PipelineNames.CONNECT_TIMEOUT,
        new ConnectTimeoutHandler(listener.keepAlive().connectTimeout()));
    p.addLast(PipelineNames.FLUSH_CONSOLIDATION, new FlushConsolidationHandler(256, true));
    p.addLast(PipelineNames.DECODER,
        MqttDecoder.forServer(broker.config().limits().maxPacketSize()));
    p.addLast(PipelineNames.ENCODER, new MqttEncoder());
    p.addLast(PipelineNames.ACTIVITY, new ConnectionActivity(broker));
    p.addLast(PipelineNames.CONNECTION, new MqttConnection(broker, listener, mechanisms));
  }
}
