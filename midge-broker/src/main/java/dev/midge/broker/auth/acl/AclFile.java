package dev.midge.broker.auth.acl;

import dev.midge.broker.auth.AuthFileException;
import dev.midge.broker.auth.AuthFiles;
import dev.midge.broker.config.Suggestions;
import dev.midge.codec.topic.TopicProblem;
import dev.midge.codec.topic.Topics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An ACL file in Mosquitto's format, read into rules, and the decisions they make.
 *
 * <pre>
 * # Anonymous clients (no user name): the topic lines before the first user line.
 * topic read public/#
 *
 * user alice
 * topic readwrite alice/#
 * topic deny alice/secret
 *
 * # For every client: %c is its client identifier, %u its user name.
 * pattern readwrite devices/%c/#
 * pattern read users/%u/inbox
 * </pre>
 *
 * <ul>
 *   <li>{@code user <name>}: the {@code topic} lines after it, up to the next {@code user} line,
 *       are that user's. The name is the rest of the line.
 *   <li>{@code topic [read|write|readwrite|deny] <filter>}: the access, readwrite when left out,
 *       to the topics the filter matches ({@code +} and {@code #} allowed); the filter is the rest
 *       of the line. A first word close to an access word ({@code reed}) is refused as a typo
 *       rather than read as the start of a filter with a space.
 *   <li>{@code pattern [read|write|readwrite|deny] <filter>}: the same for every client, wherever
 *       the line is, with {@code %c} replaced by the client identifier and {@code %u} by the user
 *       name. A pattern with {@code %u} does not apply to anonymous clients, and a pattern does not
 *       apply to a client whose identifier or user name (the one substituted) contains {@code /},
 *       {@code +} or {@code #}, which would reach other clients' topics.
 *   <li>Blank lines and lines starting with {@code #} are skipped.
 * </ul>
 *
 * <p>Decisions, as Mosquitto 2 makes them: nothing is allowed unless a rule grants it; a {@code
 * deny} rule matching the topic refuses, whatever else grants it. To publish, a rule with write
 * access must match the topic name; to receive, one with read access. To subscribe, a rule with
 * read access must cover the whole filter ({@code topic read a/#} allows {@code a/+/b} but not
 * {@code #}), and a subscription entirely inside a {@code deny} rule is refused; messages are then
 * checked one by one as they are delivered.
 *
 * <p>Immutable and thread-safe.
 */
public final class AclFile {
  /** What a rule gives. */
  public enum Access {
    READ,
    WRITE,
    READWRITE,
    DENY;

    boolean reads() {
      return this == READ || this == READWRITE;
    }

    boolean writes() {
      return this == WRITE || this == READWRITE;
    }
  }

  /** One {@code topic} or {@code pattern} line. */
  public record Rule(Access access, String filter, int line) {}

  private final List<Rule> anonymous;
  private final Map<String, List<Rule>> users;
  private final List<Rule> patterns;

  private AclFile(List<Rule> anonymous, Map<String, List<Rule>> users, List<Rule> patterns) {
    this.anonymous = List.copyOf(anonymous);
    Map<String, List<Rule>> u = new HashMap<>();
    users.forEach((k, v) -> u.put(k, List.copyOf(v)));
    this.users = Map.copyOf(u);
    this.patterns = List.copyOf(patterns);
  }

  /**
   * Reads the file at {@code path}.
   *
   * @throws AuthFileException when it cannot be read or a line is not valid, naming the line and
   *     the fix
   */
  public static AclFile read(Path path) {
    return parse(AuthFiles.readLines(path), path.toString());
  }

  /**
   * Reads the lines of an ACL file.
   *
   * @param name how errors name the file
   */
  public static AclFile parse(List<String> lines, String name) {
    List<Rule> anonymous = new ArrayList<>();
    Map<String, List<Rule>> users = new HashMap<>();
    List<Rule> patterns = new ArrayList<>();
    List<Rule> section = anonymous;
    for (int i = 0; i < lines.size(); i++) {
      int n = i + 1;
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int space = indexOfSpace(line);
      String keyword = space < 0 ? line : line.substring(0, space);
      String rest = space < 0 ? "" : line.substring(space + 1).strip();
      switch (keyword) {
        case "user" -> {
          if (rest.isEmpty()) {
            throw new AuthFileException(name, n, "a user line without a user name",
                "write the user name after 'user '");
          }
          section = users.computeIfAbsent(rest, k -> new ArrayList<>());
        }
        case "topic" -> section.add(rule(rest, n, name, keyword));
        case "pattern" -> patterns.add(rule(rest, n, name, keyword));
        default -> throw new AuthFileException(name, n, "unknown keyword '" + keyword + "'",
            "a line starts with user, topic or pattern; a comment starts with #");
      }
    }
    return new AclFile(anonymous, users, patterns);
  }

  private static Rule rule(String rest, int n, String name, String keyword) {
    Access access = Access.READWRITE;
    String filter = rest;
    int space = indexOfSpace(rest);
    if (space > 0) {
      String word = rest.substring(0, space);
      Access given = access(word);
      if (given != null) {
        access = given;
        filter = rest.substring(space + 1).strip();
      } else {
        // A topic may hold spaces, but "reed a/#" is far likelier a misspelt access.
        String close = Suggestions.closest(word, List.of("read", "write", "readwrite", "deny"));
        if (close != null) {
          throw new AuthFileException(name, n, "'" + word + "' is not an access",
              "write " + close + " (or read, write, readwrite, deny; none means readwrite)");
        }
      }
    } else if (access(rest) != null) {
      filter = "";
    }
    if (filter.isEmpty()) {
      throw new AuthFileException(name, n, "a " + keyword + " line without a topic filter",
          "write it as '" + keyword + " [read|write|readwrite|deny] <topic filter>'");
    }
    TopicProblem problem = Topics.validateTopicFilter(filter, 0);
    if (problem != null) {
      throw new AuthFileException(name, n, "'" + filter + "' is not a valid topic filter: "
          + problem, "write a topic filter: levels separated by /, + for one whole level, # only"
          + " as the last level");
    }
    return new Rule(access, filter, n);
  }

  private static @Nullable Access access(String word) {
    return switch (word.toLowerCase(Locale.ROOT)) {
      case "read" -> Access.READ;
      case "write" -> Access.WRITE;
      case "readwrite" -> Access.READWRITE;
      case "deny" -> Access.DENY;
      default -> null;
    };
  }

  private static int indexOfSpace(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isWhitespace(s.charAt(i))) {
        return i;
      }
    }
    return -1;
  }

  // ---- decisions ----

  /** Whether the client may publish to {@code topic}. */
  public boolean mayPublish(String clientId, @Nullable String userName, String topic) {
    return allowed(clientId, userName, topic, false);
  }

  /** Whether a message on {@code topic} may be delivered to the client. */
  public boolean mayReceive(String clientId, @Nullable String userName, String topic) {
    return allowed(clientId, userName, topic, true);
  }

  /** Whether the client may subscribe to {@code filter} (without any {@code $share/} prefix). */
  public boolean maySubscribe(String clientId, @Nullable String userName, String filter) {
    boolean granted = false;
    for (Rule r : rules(userName)) {
      if (r.access() == Access.DENY && covers(r.filter(), filter)) {
        return false;
      }
      granted |= r.access().reads() && covers(r.filter(), filter);
    }
    for (Rule r : patterns) {
      String f = substitute(r.filter(), clientId, userName);
      if (f == null) {
        continue;
      }
      if (r.access() == Access.DENY && covers(f, filter)) {
        return false;
      }
      granted |= r.access().reads() && covers(f, filter);
    }
    return granted;
  }

  private boolean allowed(String clientId, @Nullable String userName, String topic,
      boolean read) {
    boolean granted = false;
    for (Rule r : rules(userName)) {
      if (Topics.matches(r.filter(), topic)) {
        if (r.access() == Access.DENY) {
          return false;
        }
        granted |= read ? r.access().reads() : r.access().writes();
      }
    }
    for (Rule r : patterns) {
      String f = substitute(r.filter(), clientId, userName);
      if (f != null && Topics.matches(f, topic)) {
        if (r.access() == Access.DENY) {
          return false;
        }
        granted |= read ? r.access().reads() : r.access().writes();
      }
    }
    return granted;
  }

  private List<Rule> rules(@Nullable String userName) {
    return userName == null ? anonymous : users.getOrDefault(userName, List.of());
  }

  /**
   * The pattern's filter for this client, or null when it does not apply: %u for an anonymous
   * client, or a substituted value with /, + or #.
   */
  static @Nullable String substitute(String pattern, String clientId,
      @Nullable String userName) {
    if (pattern.indexOf('%') < 0) {
      return pattern;
    }
    StringBuilder b = new StringBuilder(pattern.length() + 16);
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      if (c == '%' && i + 1 < pattern.length()) {
        char k = pattern.charAt(i + 1);
        String value = k == 'c' ? clientId : k == 'u' ? userName : "%" + k;
        if (k == 'c' || k == 'u') {
          if (value == null || !safe(value)) {
            return null;
          }
        }
        b.append(value);
        i++;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static boolean safe(String value) {
    return !value.isEmpty() && value.indexOf('/') < 0 && value.indexOf('+') < 0
        && value.indexOf('#') < 0;
  }

  /**
   * Whether every topic name {@code filter} matches is matched by {@code rule}: {@code a/#}
   * covers {@code a}, {@code a/+/b} and {@code a/#}; {@code a/+} covers {@code a/b} and {@code
   * a/+} but not {@code a/#}. A filter starting with a wildcard covers no level starting with
   * {@code $} (MQTT-4.7.2-1).
   */
  static boolean covers(String rule, String filter) {
    String[] r = rule.split("/", -1);
    String[] f = filter.split("/", -1);
    if (f[0].startsWith("$") && (r[0].equals("+") || r[0].equals("#"))) {
      return false;
    }
    for (int i = 0; i < r.length; i++) {
      if (r[i].equals("#")) {
        return true;
      }
      if (i >= f.length || f[i].equals("#")) {
        return false;
      }
      if (!r[i].equals("+") && !r[i].equals(f[i])) {
        return false;
      }
    }
    return r.length == f.length;
  }

  @Override
  public String toString() {
    int rules = anonymous.size() + patterns.size()
        + users.values().stream().mapToInt(List::size).sum();
    return "AclFile[" + users.size() + " users, " + rules + " rules]";
  }
}
