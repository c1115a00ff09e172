package dev.midge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class ListeningLineTest {
  @Test
  void format_whenIpv4_thenHostColonPort() throws Exception {
    assertThat(BrokerCommand.format(
        new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 1883), "localhost"))
        .isEqualTo("127.0.0.1:1883");
  }

  @Test
  void format_whenIpv6_thenBracketedAndCompressed() throws Exception {
    assertThat(BrokerCommand.format(new InetSocketAddress(InetAddress.getByName("::1"), 1883),
        "::1")).isEqualTo("[::1]:1883");
  }

  @Test
  void format_whenWildcard_thenAsConfigured() throws Exception {
    // Netty's epoll transport reports a 0.0.0.0 listener as bound to ::.
    InetSocketAddress dualStack = new InetSocketAddress(InetAddress.getByName("::"), 1883);
    assertThat(BrokerCommand.format(dualStack, "0.0.0.0")).isEqualTo("0.0.0.0:1883");
    assertThat(BrokerCommand.format(dualStack, "::")).isEqualTo("[::]:1883");
  }
}
