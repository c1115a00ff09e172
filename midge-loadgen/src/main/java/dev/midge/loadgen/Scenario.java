package dev.midge.loadgen;

import java.util.Locale;

/** What a load run does. */
public enum Scenario {
  /** Many publishers, one subscriber to all of their topics: the broker's inbound path. */
  FAN_IN,
  /** One publisher, many subscribers to its topic: the broker's outbound path. */
  FAN_OUT,
  /** Independent publisher and subscriber pairs, each on its own topic: routing in parallel. */
  PAIRS,
  /** Many connections as fast as possible, then held idle: connects per second and memory. */
  STORM,
  /** Clients that go silent after CONNECT: how long the broker takes to drop each. */
  KEEPALIVE;

  /** The name on the command line: fan-in, fan-out, pairs, storm, keepalive. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The scenario named {@code name} on the command line. */
  public static Scenario fromCliName(String name) {
    for (Scenario s : values()) {
      if (s.cliName().equalsIgnoreCase(name.strip())) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown scenario '" + name
        + "': use fan-in, fan-out, pairs, storm or keepalive");
  }
}
