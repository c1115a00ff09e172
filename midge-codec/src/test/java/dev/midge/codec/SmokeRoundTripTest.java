package dev.midge.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.codec.packet.*;
import dev.midge.codec.property.Properties;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class SmokeRoundTripTest {
  @Test
  void connectAndPublish_whenEncodedAndDecoded_thenEqual() {
    for (MqttVersion v : MqttVersion.values()) {
      Properties props = v.isV5() ? Properties.builder().sessionExpiryInterval(10).userProperty("a", "b").build() : Properties.EMPTY;
      Connect c = Connect.builder(v).clientId("c1").keepAlive(5).username("u").password(new byte[] {1, 2})
          .will(new Will("w/t", "bye".getBytes(StandardCharsets.UTF_8), MqttQos.AT_LEAST_ONCE, true, v.isV5() ? Properties.builder().willDelayInterval(3).build() : Properties.EMPTY))
          .properties(props).build();
      Publish p = new Publish("a/b", MqttQos.EXACTLY_ONCE, true, true, 7, new byte[600], v.isV5() ? Properties.builder().topicAlias(3).build() : Properties.EMPTY);
      EmbeddedChannel enc = new EmbeddedChannel(new MqttEncoder());
      enc.writeOutbound(c, p, new Subscribe(3, List.of(new Subscription("x/#", MqttQos.AT_LEAST_ONCE)), Properties.EMPTY), Pingreq.INSTANCE, Disconnect.NORMAL);
      EmbeddedChannel dec = new EmbeddedChannel(MqttDecoder.forServer(1 << 20));
      ByteBuf b;
      while ((b = enc.readOutbound()) != null) {
        dec.writeInbound(b);
      }
      assertThat((Object) dec.readInbound()).isEqualTo(c);
      assertThat((Object) dec.readInbound()).isEqualTo(p);
      assertThat((Object) dec.readInbound()).isInstanceOf(Subscribe.class);
      assertThat((Object) dec.readInbound()).isEqualTo(Pingreq.INSTANCE);
      assertThat((Object) dec.readInbound()).isEqualTo(Disconnect.NORMAL);
    }
  }

  @Test
  void publish_whenQos3_thenMalformedFailure() {
    EmbeddedChannel dec = new EmbeddedChannel(MqttDecoder.forServer(1 << 20));
    dec.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x10, 12, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 0}));
    assertThat((Object) dec.readInbound()).isInstanceOf(Connect.class);
    dec.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x36, 5, 0, 1, 'a', 0, 1}));
    DecodeFailure f = dec.readInbound();
    assertThat(f.statementId()).isEqualTo("MQTT-3.3.1-4");
  }
}
