package dev.midge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.broker.config.KeepAliveConfig;
import dev.midge.broker.config.ListenerConfig;
import java.io.IOException;
import java.net.BindException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The messages for failures that the probe cannot always reproduce (races, Netty's errors). */
class ListenFailureTest {
  private static final ListenerConfig FIRST = ListenerConfig.defaults();
  private static final ListenerConfig SECOND =
      new ListenerConfig("lan", "0.0.0.0", 1884, KeepAliveConfig.DEFAULTS);
  private static final Path CONFIG = Path.of("midge.yaml");

  @Test
  void describe_whenNettyEpollSaysAddressInUse_thenPortInUse() {
    // What Netty's epoll transport throws, wrapped as its bind future may wrap it.
    Exception e = new IllegalStateException(
        new IOException("bind(..) failed: Address already in use"));
    assertThat(ListenFailure.describe(e, FIRST, 0, null))
        .isEqualTo("port 1883 on 127.0.0.1 is already in use; pick another with --port"
            + " (0 picks a free one)");
  }

  @Test
  void describe_whenSecondListener_thenPointsToTheConfigKey() {
    assertThat(ListenFailure.describe(new BindException("Address already in use"), SECOND, 1,
        CONFIG)).isEqualTo("port 1884 on 0.0.0.0 (listener lan) is already in use; pick another"
            + " for listeners[1].port in midge.yaml");
  }

  @Test
  void describe_whenAddressIsNotLocal_thenPickAnotherHost() {
    assertThat(ListenFailure.describe(new BindException("Cannot assign requested address"),
        FIRST, 0, null)).isEqualTo("cannot listen on 127.0.0.1: not an address of this machine;"
            + " pick another with --host");
  }

  @Test
  void describe_whenPrivilegedPort_thenSaysWhy() {
    ListenerConfig low = FIRST.withPort(80);
    assertThat(ListenFailure.describe(new BindException("Permission denied"), low, 0, null))
        .contains("permission denied (ports below 1024 need privileges)", "--port");
  }

  @Test
  void describe_whenHostIsUnresolved_thenNoSuchHost() {
    assertThat(ListenFailure.describe(new UnresolvedAddressException(), FIRST.withHost("nohost"),
        0, null)).isEqualTo("cannot listen on nohost: no such host or address; pick another with"
            + " --host");
  }

  @Test
  void describe_whenSomethingElse_thenItsMessage() {
    assertThat(ListenFailure.describe(new IOException("Too many open files"), FIRST, 0, null))
        .isEqualTo("cannot listen on port 1883 on 127.0.0.1: Too many open files");
  }

  @Test
  void probe_whenHostDoesNotResolve_thenNoSuchHost() {
    assertThat(ListenFailure.probe(FIRST.withHost("no-such-host.invalid").withPort(0), 0, null))
        .startsWith("cannot listen on no-such-host.invalid: no such host");
  }

  @Test
  void probe_whenFree_thenNull() {
    assertThat(ListenFailure.probe(FIRST.withPort(0), 0, null)).isNull();
  }
}
