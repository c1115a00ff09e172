package dev.midge.broker.interop;

import dev.midge.broker.MidgeBroker;
import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.KeepAliveConfig;
import dev.midge.broker.config.LimitsConfig;
import dev.midge.broker.config.ListenerConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;

/** Brokers for the interop tests: on 127.0.0.1, an ephemeral port, and a given meter registry. */
final class InteropBrokers {
  private InteropBrokers() {}

  /** Starts a broker with {@code config} on 127.0.0.1 and a free port. */
  static MidgeBroker start(BrokerConfig config, MeterRegistry meters) {
    return MidgeBroker.builder().config(config).host("127.0.0.1").port(0).meterRegistry(meters)
        .build().start();
  }

  /** The default configuration with the listener's keep alive held to {@code min..max} s. */
  static BrokerConfig keepAliveRange(int min, int max, boolean allowZero) {
    KeepAliveConfig d = KeepAliveConfig.DEFAULTS;
    KeepAliveConfig range = new KeepAliveConfig(min, max, d.outOfRange(), allowZero, d.counting(),
        d.maxPacketArrival(), d.connectTimeout());
    return BrokerConfig.defaults()
        .withListeners(List.of(ListenerConfig.defaults().withKeepAlive(range)));
  }

  /** The default configuration with {@code limits.max-packet-size} set. */
  static BrokerConfig maxPacketSize(int bytes) {
    return BrokerConfig.defaults().withLimits(
        new LimitsConfig(bytes, LimitsConfig.DEFAULTS.maxClientIdLength()));
  }

  /** {@code midge.messages.dropped{cause="packet-too-large"}}, 0 before the first drop. */
  static double droppedTooLarge(MeterRegistry meters) {
    Counter c = meters.find("midge.messages.dropped").tag("cause", "packet-too-large").counter();
    return c == null ? 0 : c.count();
  }
}
