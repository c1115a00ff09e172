package dev.midge.broker.keepalive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.broker.config.KeepAliveConfig;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The keep-alive deadline on a frozen event-loop clock: time moves only when the test says, so
 * each case is exact and takes no real time.
 */
class KeepAliveHandlerTest {
  private final List<KeepAliveTimeout> timeouts = new ArrayList<>();
  private EmbeddedChannel channel;

  @BeforeEach
  void open() {
    channel = new EmbeddedChannel();
    channel.freezeTime();
    channel.pipeline().addLast(new KeepAliveHandler(1, KeepAliveConfig.DEFAULTS, () -> 0, () -> 0),
        new ChannelInboundHandlerAdapter() {
          @Override
          public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof KeepAliveTimeout t) {
              timeouts.add(t);
            }
          }

          @Override
          public void channelRead(ChannelHandlerContext ctx, Object msg) {
            io.netty.util.ReferenceCountUtil.release(msg);
          }
        });
  }

  private void advanceMillis(long ms) {
    channel.advanceTimeBy(ms, TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();
  }

  @Test
  @DisplayName("MQTT-3.1.2-24: silent for 1.5 × keep alive → a SILENCE timeout, confirmed after"
      + " one more round of reads")
  void silence_whenOneAndAHalfKeepAlivePass_thenTimeout() {
    advanceMillis(1499);
    assertThat(timeouts).isEmpty();

    advanceMillis(1); // the deadline: looked at once more after the next reads
    assertThat(timeouts).isEmpty();
    advanceMillis(1);

    assertThat(timeouts).hasSize(1);
    assertThat(timeouts.get(0).kind()).isEqualTo(KeepAliveTimeout.Kind.SILENCE);
  }

  @Test
  @DisplayName("MQTT-3.1.2-24, no false timeout under load: bytes read between the deadline and"
      + " its confirmation are a sign of life")
  void deadline_whenBytesWaitingInTheSocketAreReadBeforeConfirmation_thenNoTimeout() {
    advanceMillis(1500); // deadline passed: the loop was busy, the ping still in the socket

    channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0xC0, 0x00})); // PINGREQ read
    advanceMillis(1);

    assertThat(timeouts).isEmpty();
    advanceMillis(1499);
    assertThat(timeouts).isEmpty();
    advanceMillis(2);
    assertThat(timeouts).hasSize(1);
  }

  @Test
  @DisplayName("MQTT-3.1.2-24: while the broker does not read the connection (flow control),"
      + " the client's silence is not counted")
  void silence_whenTheBrokerStoppedReading_thenNotCounted() {
    channel.config().setAutoRead(false);
    advanceMillis(10_000);
    assertThat(timeouts).isEmpty();

    channel.config().setAutoRead(true);
    advanceMillis(1499); // counted again from when reading resumed at the last check
    advanceMillis(1500);
    advanceMillis(1);
    assertThat(timeouts).hasSize(1);
  }
}
