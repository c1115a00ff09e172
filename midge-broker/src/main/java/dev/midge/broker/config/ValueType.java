package dev.midge.broker.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * How the value of a {@link ConfigKey} is written in YAML: its parser, how a value is shown (the
 * defaults in the reference and the example file) and what is allowed, in words.
 *
 * <p>Parsers work on the text as written, whatever YAML made of it, so that {@code port: "1883"}
 * and {@code port: 1883} mean the same; they never guess: {@code 1MB} is refused because it could
 * mean 1,000,000 or 1,048,576 bytes, and a duration needs its unit.
 *
 * @param <T> the Java type of the value
 */
public abstract class ValueType<T> {
  private static final Pattern NUMBER = Pattern.compile("[0-9][0-9_]*");
  private static final Pattern DURATION = Pattern.compile("([0-9][0-9_]*)\\s*([a-zA-Z]*)");
  private static final Pattern SIZE = Pattern.compile("([0-9][0-9_]*)\\s*([a-zA-Z]*)");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");

  private final String kind;

  private ValueType(String kind) {
    this.kind = kind;
  }

  /** The kind of value, for the reference: integer, seconds, duration, bytes, boolean… */
  public final String kind() {
    return kind;
  }

  /** What is allowed, in words, such as "0 to 65535". */
  public abstract String allowed();

  /** Whether an empty string ({@code key: ""}) is a value of this type. */
  boolean acceptsEmpty() {
    return false;
  }

  /** The value as it would be written in YAML. */
  public abstract String format(T value);

  /**
   * Parses a value written as {@code text}.
   *
   * @throws Rejected when the text is not an allowed value
   */
  abstract T parse(String text) throws Rejected;

  /** Why a value was refused: what to do about it, when more can be said than "allowed: …". */
  static final class Rejected extends Exception {
    private static final long serialVersionUID = 1L;
    private final @Nullable String fix;

    Rejected(@Nullable String fix) {
      super(fix, null, false, false);
      this.fix = fix;
    }

    @Nullable String fix() {
      return fix;
    }
  }

  // ---- the types ----

  /** A whole number from {@code min} to {@code max}, optionally with a unit word ("seconds"). */
  static ValueType<Integer> integer(int min, int max, @Nullable String unit) {
    return new ValueType<>(unit == null ? "integer" : "integer (" + unit + ")") {
      @Override
      public String allowed() {
        String range = max == Integer.MAX_VALUE ? min + " or more" : min + " to " + max;
        return unit == null ? range : range + " " + unit;
      }

      @Override
      public String format(Integer value) {
        return value.toString();
      }

      @Override
      Integer parse(String text) throws Rejected {
        String t = text.strip();
        if (!NUMBER.matcher(t).matches()) {
          if ("seconds".equals(unit)) {
            Duration d = parseDurationOrNull(t);
            if (d != null && d.toMillis() % 1000 == 0) {
              throw new Rejected("write " + d.toSeconds() + " (whole seconds, without a unit)");
            }
          }
          throw new Rejected(null);
        }
        long v;
        try {
          v = Long.parseLong(t.replace("_", ""));
        } catch (NumberFormatException e) {
          v = Long.MAX_VALUE;
        }
        if (v < min || v > max) {
          throw new Rejected(null);
        }
        return (int) v;
      }
    };
  }

  /** {@code true} or {@code false}. */
  static ValueType<Boolean> bool() {
    return new ValueType<>("boolean") {
      @Override
      public String allowed() {
        return "true or false";
      }

      @Override
      public String format(Boolean value) {
        return value.toString();
      }

      @Override
      Boolean parse(String text) throws Rejected {
        // YAML 1.1 also reads yes/no/on/off as booleans; the parser hands us its own reading.
        switch (text.strip().toLowerCase(Locale.ROOT)) {
          case "true", "yes", "on" -> {
            return true;
          }
          case "false", "no", "off" -> {
            return false;
          }
          default -> throw new Rejected(null);
        }
      }
    };
  }

  /** One of an enum's constants, written in lower case with '-' for '_'. */
  static <E extends Enum<E>> ValueType<E> oneOf(Class<E> type) {
    E[] values = type.getEnumConstants();
    return new ValueType<>("enum") {
      @Override
      public String allowed() {
        String[] names = Arrays.stream(values).map(this::format).toArray(String[]::new);
        if (names.length == 2) {
          return names[0] + " or " + names[1];
        }
        return String.join(", ", names);
      }

      @Override
      public String format(E value) {
        return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
      }

      @Override
      E parse(String text) throws Rejected {
        String t = text.strip().toLowerCase(Locale.ROOT);
        for (E v : values) {
          if (format(v).equals(t)) {
            return v;
          }
        }
        String close = Suggestions.closest(t,
            Arrays.stream(values).map(this::format).collect(Collectors.toList()));
        throw new Rejected(close == null ? null : "did you mean " + close + "?");
      }
    };
  }

  /** A duration with a unit: ms, s, m or h; from {@code min} to {@code max}. */
  static ValueType<Duration> duration(Duration min, Duration max) {
    return new ValueType<>("duration") {
      @Override
      public String allowed() {
        return "a number with a unit, ms, s, m or h (such as 500ms, 10s, 2m), from "
            + format(min) + " to " + format(max);
      }

      @Override
      public String format(Duration value) {
        return formatDuration(value);
      }

      @Override
      Duration parse(String text) throws Rejected {
        String t = text.strip();
        if (NUMBER.matcher(t).matches()) {
          throw new Rejected("add a unit, such as " + t + "s for seconds or " + t
              + "ms for milliseconds");
        }
        Duration d = parseDurationOrNull(t);
        if (d == null) {
          Matcher m = DURATION.matcher(t);
          if (m.matches()) {
            throw new Rejected("use one of the units ms, s, m, h, such as " + m.group(1) + "s");
          }
          throw new Rejected(null);
        }
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
          throw new Rejected(null);
        }
        return d;
      }
    };
  }

  /** A size in bytes: a plain number, or with B, KiB, MiB or GiB; from {@code min} to {@code max}. */
  static ValueType<Integer> bytes(int min, int max) {
    return new ValueType<>("bytes") {
      @Override
      public String allowed() {
        return "a number of bytes, or with a unit B, KiB, MiB or GiB (such as 512KiB, 1MiB), from "
            + min + " to " + max;
      }

      @Override
      public String format(Integer value) {
        return formatBytes(value);
      }

      @Override
      Integer parse(String text) throws Rejected {
        String t = text.strip();
        Matcher m = SIZE.matcher(t);
        if (!m.matches()) {
          throw new Rejected(null);
        }
        long n;
        try {
          n = Long.parseLong(m.group(1).replace("_", ""));
        } catch (NumberFormatException e) {
          throw new Rejected(null);
        }
        String unit = m.group(2);
        long factor;
        switch (unit.toLowerCase(Locale.ROOT)) {
          case "", "b" -> factor = 1;
          case "kib" -> factor = 1L << 10;
          case "mib" -> factor = 1L << 20;
          case "gib" -> factor = 1L << 30;
          case "k", "kb" -> throw ambiguous(n, unit, 1);
          case "m", "mb" -> throw ambiguous(n, unit, 2);
          case "g", "gb" -> throw ambiguous(n, unit, 3);
          default -> throw new Rejected("use one of the units B, KiB, MiB, GiB");
        }
        long v = n > Long.MAX_VALUE / factor ? Long.MAX_VALUE : n * factor;
        if (v < min || v > max) {
          throw new Rejected(null);
        }
        return (int) v;
      }
    };
  }

  private static Rejected ambiguous(long n, String unit, int power) {
    String binary = n + new String[] {"", "KiB", "MiB", "GiB"}[power];
    long decimal = n * (long) Math.pow(1000, power);
    return new Rejected(unit + " is ambiguous (powers of 1000 or of 1024?); write " + binary
        + " (" + (n << (10 * power)) + " bytes) or " + decimal);
  }

  /** A host name or an IP address to bind. */
  static ValueType<String> host() {
    return string("string", "an IP address or a host name of this machine", false, t -> {
      if (t.isEmpty() || t.chars().anyMatch(Character::isWhitespace)) {
        throw new Rejected(null);
      }
      return t.startsWith("[") && t.endsWith("]")
          ? t.substring(1, t.length() - 1) // [::1] as in URLs
          : t;
    });
  }

  /** A name for logs and metrics: letters, digits, '.', '_' and '-'. */
  static ValueType<String> name() {
    return string("string", "letters, digits, '.', '_' and '-'", false, t -> {
      if (!NAME.matcher(t).matches()) {
        throw new Rejected(null);
      }
      return t;
    });
  }

  /**
   * A directory, as a path (relative to the working directory unless absolute), or {@code none}:
   * the value is kept as written, see {@link StorageConfig#parseDataDir}.
   */
  static ValueType<String> dataDir() {
    return string("path", "a directory path, or " + StorageConfig.NONE
        + " to keep everything in memory", false, t -> {
          if (t.isEmpty() || t.indexOf('\0') >= 0) {
            throw new Rejected(null);
          }
          try {
            StorageConfig.parseDataDir(t);
          } catch (java.nio.file.InvalidPathException e) {
            throw new Rejected("write a valid path for this system (" + e.getReason() + ")");
          }
          return t;
        });
  }

  /**
   * A number of seconds from 0 to 4,294,967,294, or {@code never} for 0xFFFFFFFF, the value MQTT 5
   * gives "no expiry" (Session Expiry Interval, §3.1.2.11.2).
   */
  static ValueType<Long> secondsOrNever() {
    long never = 0xFFFF_FFFFL;
    return new ValueType<>("integer (seconds) or never") {
      @Override
      public String allowed() {
        return "0 to " + (never - 1) + " seconds, or never";
      }

      @Override
      public String format(Long value) {
        return value == never ? "never" : value.toString();
      }

      @Override
      Long parse(String text) throws Rejected {
        String t = text.strip();
        if (t.equalsIgnoreCase("never")) {
          return never;
        }
        if (!NUMBER.matcher(t).matches()) {
          Duration d = parseDurationOrNull(t);
          if (d != null && d.toMillis() % 1000 == 0) {
            throw new Rejected("write " + d.toSeconds() + " (whole seconds, without a unit)");
          }
          throw new Rejected(null);
        }
        long v;
        try {
          v = Long.parseLong(t.replace("_", ""));
        } catch (NumberFormatException e) {
          v = Long.MAX_VALUE;
        }
        if (v >= never) {
          throw new Rejected("write never for no limit, or at most " + (never - 1));
        }
        return v;
      }
    };
  }

  /**
   * Text of one line, possibly empty, such as a topic prefix or a server address.
   *
   * @param allowed what is allowed, in words
   * @param noWildcards whether + and # are refused, for the start of a topic name
   */
  static ValueType<String> text(String allowed, boolean noWildcards) {
    return string("string", allowed, true, t -> {
      if (t.chars().anyMatch(c -> c < 0x20 || c == 0x7F)) {
        throw new Rejected("remove the control characters");
      }
      if (noWildcards && (t.indexOf('+') >= 0 || t.indexOf('#') >= 0)) {
        throw new Rejected("a topic name has no wildcards: remove + and #");
      }
      return t;
    });
  }

  /** A listener's protocol, written as {@link ListenerConfig.Protocol#configName()}. */
  static ValueType<ListenerConfig.Protocol> protocol() {
    ListenerConfig.Protocol[] values = ListenerConfig.Protocol.values();
    return new ValueType<>("enum") {
      @Override
      public String allowed() {
        return Arrays.stream(values).map(ListenerConfig.Protocol::configName)
            .collect(Collectors.joining(", "));
      }

      @Override
      public String format(ListenerConfig.Protocol value) {
        return value.configName();
      }

      @Override
      ListenerConfig.Protocol parse(String text) throws Rejected {
        ListenerConfig.Protocol p = ListenerConfig.Protocol.fromConfigName(text);
        if (p != null) {
          return p;
        }
        String close = Suggestions.closest(text.strip().toLowerCase(Locale.ROOT),
            Arrays.stream(values).map(ListenerConfig.Protocol::configName)
                .collect(Collectors.toList()));
        throw new Rejected(close == null ? null : "did you mean " + close + "?");
      }
    };
  }

  /**
   * The path of a file, kept as written (relative to the working directory unless absolute), or
   * {@code ""} for none.
   *
   * @param what what the file holds, for the allowed text
   */
  static ValueType<String> file(String what) {
    return string("path", "the path of " + what + "; \"\" for none", true, t -> {
      if (t.indexOf('\0') >= 0 || t.chars().anyMatch(c -> c < 0x20)) {
        throw new Rejected("remove the control characters");
      }
      try {
        java.nio.file.Path.of(t);
      } catch (java.nio.file.InvalidPathException e) {
        throw new Rejected("write a valid path for this system (" + e.getReason() + ")");
      }
      return t;
    });
  }

  /** An HTTP path: starts with '/', no spaces, no query. */
  static ValueType<String> httpPath() {
    return string("string", "a path starting with /, without spaces, ? or #", false, t -> {
      if (!t.startsWith("/")) {
        throw new Rejected("start it with /, such as /" + t);
      }
      if (t.chars().anyMatch(c -> c <= 0x20 || c == '?' || c == '#' || c == 0x7F)) {
        throw new Rejected(null);
      }
      return t;
    });
  }

  /** Checks a string value, stripped of surrounding blanks, and returns what is kept. */
  @FunctionalInterface
  private interface StringCheck {
    String check(String stripped) throws Rejected;
  }

  /**
   * A string value, kept as {@code check} returns it.
   *
   * @param kind the kind, for the reference ("string", "path")
   * @param allowed what is allowed, in words
   * @param emptyAllowed whether {@code ""} (written so) is a value, the empty string
   */
  private static ValueType<String> string(String kind, String allowed, boolean emptyAllowed,
      StringCheck check) {
    return new ValueType<>(kind) {
      @Override
      public String allowed() {
        return allowed;
      }

      @Override
      boolean acceptsEmpty() {
        return emptyAllowed;
      }

      @Override
      public String format(String value) {
        return emptyAllowed && value.isEmpty() ? "\"\"" : value;
      }

      @Override
      String parse(String text) throws Rejected {
        String t = text.strip();
        if (emptyAllowed && t.equals("\"\"")) {
          return "";
        }
        return check.check(t);
      }
    };
  }

  // ---- units ----

  static @Nullable Duration parseDurationOrNull(String text) {
    Matcher m = DURATION.matcher(text.strip());
    if (!m.matches()) {
      return null;
    }
    long n;
    try {
      n = Long.parseLong(m.group(1).replace("_", ""));
    } catch (NumberFormatException e) {
      return null;
    }
    if (n > 1_000_000_000L) {
      return null;
    }
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> null;
    };
  }

  /** The largest unit that shows the duration exactly: 2m, 10s, 1500ms. */
  static String formatDuration(Duration d) {
    long ms = d.toMillis();
    if (ms != 0 && ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms != 0 && ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }

  /** The largest binary unit that shows the size exactly: 1MiB, 512KiB, 1000. */
  static String formatBytes(long n) {
    if (n != 0 && n % (1L << 30) == 0) {
      return n / (1L << 30) + "GiB";
    }
    if (n != 0 && n % (1L << 20) == 0) {
      return n / (1L << 20) + "MiB";
    }
    if (n != 0 && n % (1L << 10) == 0) {
      return n / (1L << 10) + "KiB";
    }
    return Long.toString(n);
  }
}
