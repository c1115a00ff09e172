package dev.midge.broker.keepalive;

import dev.midge.broker.config.KeepAliveConfig;
import dev.midge.codec.MqttVersion;
import org.jspecify.annotations.Nullable;

/**
 * Decides the keep alive a connection gets from the one its client asked for, following a
 * listener's {@link KeepAliveConfig}. Pure logic, no state.
 *
 * <p>MQTT 5 clients are never refused for their keep alive: the server imposes a value through
 * Server Keep Alive in CONNACK. MQTT 3.x clients cannot be told, so a value outside the range is
 * clamped silently or refused, as configured, and a refusal carries its real reason for the log.
 */
public final class KeepAlivePolicy {
  private final KeepAliveConfig config;

  public KeepAlivePolicy(KeepAliveConfig config) {
    this.config = config;
  }

  /**
   * The outcome for one CONNECT.
   *
   * @param effective the keep alive the broker enforces, in seconds (0 = none)
   * @param serverKeepAlive for MQTT 5: the value to send as Server Keep Alive, or null when the
   *     client's own value stands
   * @param refusal for MQTT 3.x with a value out of range and the refuse policy: why, for the
   *     log; null when accepted
   */
  public record Decision(int effective, @Nullable Integer serverKeepAlive, @Nullable String refusal) {
    public boolean refused() {
      return refusal != null;
    }
  }

  /** Decides the keep alive for a client of {@code version} that asked for {@code requested}. */
  public Decision decide(MqttVersion version, int requested) {
    int min = config.minimum();
    int max = config.maximum();
    int wanted;
    String problem;
    if (requested == 0) {
      if (config.allowZero()) {
        return new Decision(0, null, null);
      }
      wanted = max == 0 ? 0 : Math.max(max, 1);
      problem = "keep alive 0 (off) is not allowed on this listener";
    } else if (requested < min) {
      wanted = min;
      problem = "keep alive " + requested + " s is below the minimum of " + min + " s";
    } else if (requested > max) {
      wanted = max;
      problem = "keep alive " + requested + " s is above the maximum of " + max + " s";
    } else {
      return new Decision(requested, null, null);
    }
    if (version.isV5()) {
      return new Decision(wanted, wanted, null);
    }
    if (config.outOfRange() == KeepAliveConfig.OutOfRange.REFUSE) {
      return new Decision(0, null, problem);
    }
    return new Decision(wanted, null, null);
  }
}
