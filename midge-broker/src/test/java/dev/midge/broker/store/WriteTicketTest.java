package dev.midge.broker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WriteTicketTest {
  private final List<WriteListener> barrier = new ArrayList<>();
  private final List<Exception> told = new ArrayList<>();
  private int calls;

  private void listen(Exception failure) {
    calls++;
    if (failure != null) {
      told.add(failure);
    }
  }

  @Test
  void end_whenNothingWasWrittenOrJoined_thenToldAtOnce() {
    WriteTicket t = WriteTicket.begin(barrier::add);
    t.end(this::listen);
    assertThat(calls).isEqualTo(1);
    assertThat(barrier).isEmpty();
    assertThat(WriteTicket.join()).as("no ticket open any more").isNull();
  }

  @Test
  void end_whenWorkWroteAndSessionsJoined_thenToldAfterTheLastPart() {
    WriteTicket t = WriteTicket.begin(barrier::add);
    WriteTicket.wrote();
    WriteTicket.Part a = WriteTicket.join();
    WriteTicket.Part b = WriteTicket.join();
    t.end(this::listen);
    assertThat(barrier).hasSize(1);
    barrier.get(0).written(null);
    a.written(null);
    a.written(null); // completing twice counts once
    assertThat(calls).isZero();
    b.written(null);
    assertThat(calls).isEqualTo(1);
    assertThat(told).isEmpty();
  }

  @Test
  void end_whenAPartFails_thenToldOnceWithTheFailure() {
    WriteTicket t = WriteTicket.begin(barrier::add);
    WriteTicket.Part a = WriteTicket.join();
    Exception e = new Exception("io");
    a.written(e);
    t.end(this::listen);
    assertThat(calls).isEqualTo(1);
    assertThat(told).containsExactly(e);
  }

  @Test
  void begin_whenATicketIsOpen_thenRefused() {
    WriteTicket t = WriteTicket.begin(barrier::add);
    try {
      assertThatThrownBy(() -> WriteTicket.begin(barrier::add))
          .isInstanceOf(IllegalStateException.class);
    } finally {
      t.end(this::listen);
    }
  }
}
