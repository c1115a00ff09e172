package dev.midge.broker.connection;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** {@link BurstLog}: one WARN line per burst, on a clock the test moves. */
class BurstLogTest {
  private final Logger logger = (Logger) LoggerFactory.getLogger("burst-log-test");
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private final AtomicLong now = new AtomicLong(1_000);
  private final BurstLog log = new BurstLog(logger, Duration.ofSeconds(10), now::get);

  @BeforeEach
  void attach() {
    logger.setAdditive(false);
    logger.setLevel(Level.WARN);
    lines.start();
    logger.addAppender(lines);
  }

  @AfterEach
  void detach() {
    logger.detachAppender(lines);
  }

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  @Test
  void warn_whenBurst_thenOneLine() {
    assertThat(log.warn("limit {} reached", 5)).isTrue();
    for (int i = 0; i < 1000; i++) {
      advance(Duration.ofMillis(5));
      assertThat(log.warn("limit {} reached", 5)).isFalse();
    }
    assertThat(lines.list).hasSize(1);
    ILoggingEvent line = lines.list.get(0);
    assertThat(line.getLevel()).isEqualTo(Level.WARN);
    assertThat(line.getFormattedMessage())
        .isEqualTo("limit 5 reached (logged at most every 10 s)");
  }

  @Test
  void warn_whenIntervalPassed_thenLogsAgainWithTheCountMissed() {
    log.warn("full");
    advance(Duration.ofSeconds(3));
    log.warn("full");
    log.warn("full");
    advance(Duration.ofSeconds(7));

    assertThat(log.warn("full")).isTrue();

    assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
        "full (logged at most every 10 s)", "full (2 more since the last such line)");
  }

  @Test
  void warn_whenQuietForLong_thenNextBurstStartsAfresh() {
    log.warn("full");
    advance(Duration.ofHours(1));
    log.warn("full");
    assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly("full (logged at most every 10 s)", "full (logged at most every 10 s)");
  }
}
