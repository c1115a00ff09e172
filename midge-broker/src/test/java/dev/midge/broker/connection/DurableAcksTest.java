package dev.midge.broker.connection;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.broker.retain.RetainedStore;
import dev.midge.broker.session.SessionStore;
import dev.midge.broker.store.InMemoryStorage;
import dev.midge.broker.store.Storage;
import dev.midge.broker.store.WriteListener;
import dev.midge.broker.store.WriteTicket;
import dev.midge.broker.will.WillStore;
import dev.midge.codec.packet.MqttPacket;
import dev.midge.codec.packet.Puback;
import dev.midge.codec.packet.Pubcomp;
import dev.midge.codec.packet.Pubrec;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class DurableAcksTest {
  /** A durable store whose writes complete when the test says. */
  private static final class ManualStorage implements Storage {
    final InMemoryStorage memory = new InMemoryStorage();
    final List<WriteListener> waiting = new ArrayList<>();

    @Override
    public SessionStore sessions() {
      return memory.sessions();
    }

    @Override
    public RetainedStore retained() {
      return memory.retained();
    }

    @Override
    public WillStore wills() {
      return WillStore.NONE;
    }

    @Override
    public boolean isDurable() {
      return true;
    }

    @Override
    public void afterWrites(WriteListener listener) {
      waiting.add(listener);
    }

    @Override
    public void commit(List<dev.midge.broker.store.StagedWrite> staged) {}

    @Override
    public Recovered recover() {
      return Recovered.NOTHING;
    }

    @Override
    public String describe() {
      return "manual";
    }

    @Override
    public void close() {}
  }

  private final EmbeddedChannel channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
  private final ChannelHandlerContext ctx = channel.pipeline().firstContext();
  private final List<Exception> failures = new ArrayList<>();

  @AfterEach
  void finish() {
    channel.finishAndReleaseAll();
  }

  private List<Object> sent() {
    channel.flush();
    List<Object> out = new ArrayList<>();
    Object o;
    while ((o = channel.readOutbound()) != null) {
      out.add(o);
    }
    return out;
  }

  /** Work that writes to the store and leaves a delivery, as a QoS 1 PUBLISH does. */
  private static Supplier<MqttPacket> writing(MqttPacket ack, Runnable delivery) {
    return () -> {
      WriteTicket.wrote();
      WriteTicket.current().deliverLater(delivery);
      return ack;
    };
  }

  @Test
  @DisplayName("MQTT-4.6.0-2, MQTT-4.6.0-3 (3.1.1): acknowledgements go out in the order of the"
      + " packets they answer, each only once its writes are durable; deliveries with them")
  void acknowledge_whenWritesCompleteOutOfOrder_thenAcksAndDeliveriesStillInOrder() {
    ManualStorage storage = new ManualStorage();
    DurableAcks acks = new DurableAcks(storage, ctx, failures::add);
    List<String> delivered = new ArrayList<>();
    acks.acknowledge(writing(new Puback(1), () -> delivered.add("m1")));
    acks.acknowledge(writing(new Pubrec(2), () -> delivered.add("m2")));
    acks.acknowledge(() -> {
      WriteTicket.current().deliverLater(() -> delivered.add("m3 (QoS 0, wrote nothing)"));
      return null;
    });
    acks.acknowledge(() -> new Pubcomp(4)); // wrote nothing: ready at once, but after the others
    assertThat(sent()).as("nothing durable yet").isEmpty();
    assertThat(delivered).isEmpty();
    assertThat(acks.waiting()).isEqualTo(4);

    storage.waiting.get(1).written(null);
    assertThat(sent()).as("the second waits for the first").isEmpty();
    assertThat(delivered).isEmpty();

    storage.waiting.get(0).written(null);
    assertThat(sent()).containsExactly(new Puback(1), new Pubrec(2), new Pubcomp(4));
    assertThat(delivered).containsExactly("m1", "m2", "m3 (QoS 0, wrote nothing)");
    assertThat(acks.waiting()).isZero();
    assertThat(failures).isEmpty();
  }

  @Test
  void acknowledge_whenAWriteFails_thenNoMoreAcksButDeliveriesStillGo() {
    ManualStorage storage = new ManualStorage();
    DurableAcks acks = new DurableAcks(storage, ctx, failures::add);
    List<String> delivered = new ArrayList<>();
    acks.acknowledge(writing(new Puback(1), () -> delivered.add("m1")));
    acks.acknowledge(writing(new Puback(2), () -> delivered.add("m2")));
    acks.acknowledge(writing(new Puback(3), () -> delivered.add("m3")));
    storage.waiting.get(0).written(null);
    storage.waiting.get(2).written(null);
    Exception diskFull = new Exception("disk full");
    storage.waiting.get(1).written(diskFull);
    assertThat(sent()).containsExactly(new Puback(1));
    assertThat(failures).containsExactly(diskFull);
    assertThat(delivered).containsExactly("m1", "m2", "m3");
  }

  @Test
  void acknowledge_whenStoreIsInMemory_thenWrittenAtOnce() {
    DurableAcks acks = new DurableAcks(new InMemoryStorage(), ctx, failures::add);
    acks.acknowledge(() -> new Puback(9));
    assertThat(sent()).containsExactly(new Puback(9));
  }
}
