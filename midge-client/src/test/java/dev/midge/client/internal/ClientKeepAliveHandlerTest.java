package dev.midge.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.client.PingTimeoutException;
import dev.midge.codec.packet.Pingreq;
import dev.midge.codec.packet.Pingresp;
import dev.midge.codec.packet.Puback;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The keep-alive handler on a frozen clock: time advances only when the test says so. */
class ClientKeepAliveHandlerTest {
  private final MockTicker ticker = Ticker.newMockTicker();
  private final List<Object> events = new ArrayList<>();
  private final List<Throwable> errors = new ArrayList<>();
  private EmbeddedChannel channel;

  @BeforeEach
  void setUp() {
    channel = EmbeddedChannel.builder().ticker(ticker).handlers(
        new ClientKeepAliveHandler(Duration.ofSeconds(5), Duration.ofSeconds(2)),
        new ChannelInboundHandlerAdapter() {
          @Override
          public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            events.add(evt);
          }

          @Override
          public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors.add(cause);
          }
        }).build();
  }

  private Object outbound() {
    return channel.readOutbound();
  }

  private void advance(long millis) {
    ticker.advance(millis, TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();
  }

  @Test
  @DisplayName("MQTT-3.1.2-23: PINGREQ when nothing was sent for keep alive seconds")
  void pingreq_whenNothingSentForKeepAlive_thenSentAfterExactlyKeepAlive() {
    advance(4_999);
    assertThat(outbound()).isNull();
    advance(1);
    assertThat(outbound()).isEqualTo(Pingreq.INSTANCE);
  }

  @Test
  @DisplayName("MQTT-3.1.2-23: every packet sent restarts the keep-alive interval")
  void pingreq_whenPacketsSentMoreOftenThanKeepAlive_thenNeverSent() {
    for (int i = 0; i < 10; i++) {
      advance(4_000);
      channel.writeOutbound(new Puback(1 + i));
      assertThat(outbound()).isInstanceOf(Puback.class);
    }
    assertThat(outbound()).isNull();
    assertThat(channel.isActive()).isTrue();
  }

  @Test
  void pingRoundTrip_whenPingrespArrives_thenReportedAndNextPingAfterKeepAlive() {
    advance(5_000);
    assertThat(outbound()).isEqualTo(Pingreq.INSTANCE);
    advance(300);
    channel.writeInbound(Pingresp.INSTANCE);
    assertThat(events).containsExactly(
        new ClientKeepAliveHandler.PingRoundTrip(Duration.ofMillis(300)));
    advance(4_699);
    assertThat(outbound()).isNull();
    advance(1);
    assertThat(outbound()).isEqualTo(Pingreq.INSTANCE);
    assertThat(channel.isActive()).isTrue();
  }

  @Test
  void connection_whenNoPacketWithinPingTimeout_thenClosedWithPingTimeout() {
    advance(5_000);
    assertThat(outbound()).isEqualTo(Pingreq.INSTANCE);
    advance(1_999);
    assertThat(channel.isActive()).isTrue();
    advance(1);
    assertThat(errors).singleElement().isInstanceOf(PingTimeoutException.class);
    assertThat(errors.get(0).getMessage()).contains("2 s").contains("keep alive 5 s");
    assertThat(channel.isActive()).isFalse();
  }

  @Test
  void deadline_whenAnyPacketArrivesAfterPingreq_thenCleared() {
    advance(5_000);
    channel.readOutbound();
    advance(1_000);
    channel.writeInbound(new Puback(9)); // not a PINGRESP, but the broker is alive
    advance(1_500);
    assertThat(channel.isActive()).isTrue();
    assertThat(errors).isEmpty();
  }
}
