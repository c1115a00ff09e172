package dev.midge.broker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.midge.broker.retain.RetainedStore;
import dev.midge.broker.session.SessionStore;
import dev.midge.broker.will.WillStore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WriteTicketTest {
  /** A store that records what it is handed, and whose waits end when the test says. */
  private final class Recording implements Storage {
    final InMemoryStorage memory = new InMemoryStorage();

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
      events.add("wait");
      waits.add(listener);
    }

    @Override
    public void commit(List<StagedWrite> staged) {
      events.add("commit " + staged);
    }

    @Override
    public Recovered recover() {
      return Recovered.NOTHING;
    }

    @Override
    public String describe() {
      return "recording";
    }

    @Override
    public void close() {}
  }

  private record Write(String name) implements StagedWrite {
    @Override
    public String toString() {
      return name;
    }
  }

  private final List<String> events = new ArrayList<>();
  private final List<WriteListener> waits = new ArrayList<>();
  private final Recording storage = new Recording();

  private void listen(Exception failure) {
    events.add(failure == null ? "durable" : "failed: " + failure.getMessage());
  }

  @Test
  void end_whenNothingWasWritten_thenToldAtOnceWithoutWaiting() {
    WriteTicket t = WriteTicket.begin(storage);
    assertThat(WriteTicket.current()).isSameAs(t);
    t.deliverLater(() -> events.add("delivered"));
    t.end(this::listen);
    assertThat(events).containsExactly("durable");
    assertThat(t.deliveries()).hasSize(1);
    assertThat(WriteTicket.current()).as("no ticket open any more").isNull();
  }

  @Test
  void end_whenWritesWereStaged_thenCommittedAsOneChangeInOrderAndWaitedFor() {
    WriteTicket t = WriteTicket.begin(storage);
    t.stage(new Write("inbound id"));
    t.stage(new Write("queue of a"));
    t.stage(new Write("queue of b"));
    t.end(this::listen);
    assertThat(events).containsExactly("commit [inbound id, queue of a, queue of b]", "wait");
    waits.get(0).written(new Exception("disk full"));
    assertThat(events).endsWith("failed: disk full");
  }

  @Test
  void wrote_whenTheThreadWroteOutsideTheStaging_thenWaitedFor() {
    WriteTicket t = WriteTicket.begin(storage);
    WriteTicket.wrote();
    t.end(this::listen);
    assertThat(events).containsExactly("wait");
  }

  @Test
  void begin_whenATicketIsOpen_thenRefused() {
    WriteTicket t = WriteTicket.begin(storage);
    try {
      assertThatThrownBy(() -> WriteTicket.begin(storage))
          .isInstanceOf(IllegalStateException.class);
    } finally {
      t.end(this::listen);
    }
    assertThatThrownBy(() -> t.stage(new Write("late"))).isInstanceOf(IllegalStateException.class);
  }
}
