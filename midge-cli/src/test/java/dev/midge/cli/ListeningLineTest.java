package dev.midge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.midge.broker.config.ListenerConfig;
import dev.midge.broker.config.TlsConfig;
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

  @Test
  void over_whenProtocolIsNotPlainMqtt_thenSaysWhatCarriesIt() {
    ListenerConfig plain = ListenerConfig.defaults();
    TlsConfig tls = TlsConfig.of("server.crt", "server.key");
    assertThat(BrokerCommand.over(plain)).isEmpty();
    assertThat(BrokerCommand.over(plain.withProtocol(ListenerConfig.Protocol.MQTT_TLS, tls)))
        .isEqualTo(" over TLS");
    assertThat(BrokerCommand.over(plain.withProtocol(ListenerConfig.Protocol.WS,
        TlsConfig.DEFAULTS))).isEqualTo(" over WebSocket /mqtt");
    assertThat(BrokerCommand.over(plain.withProtocol(ListenerConfig.Protocol.WSS, tls)
        .withWebsocketPath("/ws"))).isEqualTo(" over secure WebSocket /ws");
  }
}
