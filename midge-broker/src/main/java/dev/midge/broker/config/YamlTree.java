package dev.midge.broker.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A YAML document read into a small tree that remembers where each value was written, so that
 * every error can name its line. Read with Jackson's streaming YAML parser rather than into a
 * {@code JsonNode}, which forgets positions and silently keeps the last of two equal keys.
 *
 * <p>Package-private: the loader's input, not an API.
 */
final class YamlTree {
  private static final YAMLFactory FACTORY = YAMLFactory.builder().build();
  private static final Pattern MARK = Pattern.compile("line (\\d+), column (\\d+)");

  private YamlTree() {}

  /** A node of the tree, with its 1-based position. */
  sealed interface Node permits Scalar, Mapping, Sequence {
    int line();

    int column();
  }

  /**
   * A scalar as written: its text, and what YAML made of it.
   *
   * @param token {@code VALUE_STRING}, {@code VALUE_NUMBER_INT}, {@code VALUE_TRUE}, {@code
   *     VALUE_NULL}…
   */
  record Scalar(String text, JsonToken token, int line, int column) implements Node {
    /** Null ({@code ~}, {@code null}) or nothing at all after the colon. */
    boolean isEmpty() {
      return token == JsonToken.VALUE_NULL || text.isEmpty();
    }
  }

  /** A key and its value; the key's own position is where unknown keys are reported. */
  record Entry(String key, int line, int column, Node value) {}

  /** A mapping, in the order written. */
  record Mapping(Map<String, Entry> entries, int line, int column) implements Node {
    @Nullable Entry get(String key) {
      return entries.get(key);
    }

    static Mapping empty(int line, int column) {
      return new Mapping(Collections.emptyMap(), line, column);
    }
  }

  /** A sequence ({@code - item} lines, or {@code [a, b]}). */
  record Sequence(List<Node> items, int line, int column) implements Node {}

  /**
   * Reads the document in {@code yaml}; null when it is empty (or holds only comments).
   *
   * @throws ConfigException for a YAML syntax error (with its line and column), a key given twice,
   *     or more than one document
   */
  static @Nullable Node parse(String yaml, String source) {
    try (JsonParser p = FACTORY.createParser(yaml)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        return null;
      }
      Node root = read(p, "", source);
      JsonToken more = p.nextToken();
      if (more != null) {
        JsonLocation at = p.currentTokenLocation();
        throw new ConfigException(source, at.getLineNr(), 0, null,
            "holds a second YAML document (after a '---' line)",
            "keep one document: Midge reads a single configuration");
      }
      return root;
    } catch (JsonProcessingException e) {
      throw syntaxError(e, source);
    } catch (IOException e) {
      // Reading from a String: only the parser's own exceptions can happen.
      throw new ConfigException(source, 0, 0, null, "cannot be read: " + e.getMessage(), null);
    }
  }

  private static Node read(JsonParser p, String path, String source) throws IOException {
    JsonToken t = p.currentToken();
    JsonLocation at = p.currentTokenLocation();
    int line = at.getLineNr();
    int column = at.getColumnNr();
    if (t == JsonToken.START_OBJECT) {
      Map<String, Entry> entries = new LinkedHashMap<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        JsonLocation keyAt = p.currentTokenLocation();
        String keyPath = path.isEmpty() ? key : path + "." + key;
        p.nextToken();
        Node value = read(p, keyPath, source);
        Entry previous = entries.get(key);
        if (previous != null) {
          throw new ConfigException(source, keyAt.getLineNr(), 0, keyPath,
              "given twice, on lines " + previous.line() + " and " + keyAt.getLineNr(),
              "keep one of them");
        }
        entries.put(key, new Entry(key, keyAt.getLineNr(), keyAt.getColumnNr(), value));
      }
      return new Mapping(Collections.unmodifiableMap(entries), line, column);
    }
    if (t == JsonToken.START_ARRAY) {
      List<Node> items = new ArrayList<>();
      while (p.nextToken() != JsonToken.END_ARRAY) {
        items.add(read(p, path + "[" + items.size() + "]", source));
      }
      return new Sequence(List.copyOf(items), line, column);
    }
    String text = t == JsonToken.VALUE_NULL ? "" : p.getText();
    return new Scalar(text == null ? "" : text, t, line, column);
  }

  /**
   * A syntax error in one line. SnakeYAML's message spans several lines: an optional context
   * ("while scanning a quoted scalar") and the problem, each starting in column 1 and followed by
   * a "line L, column C" mark and a snippet. The problem and its mark locate the error; the
   * context, with where it started, is kept as a hint.
   */
  private static ConfigException syntaxError(JsonProcessingException e, String source) {
    String message = e.getOriginalMessage() == null ? e.toString() : e.getOriginalMessage();
    List<String> parts = new ArrayList<>();
    List<int[]> marks = new ArrayList<>();
    String[] lines = message.split("\\R");
    for (int i = 0; i < lines.length; i++) {
      String l = lines[i];
      if (l.isBlank() || Character.isWhitespace(l.charAt(0))) {
        continue;
      }
      parts.add(l.strip());
      Matcher m = i + 1 < lines.length ? MARK.matcher(lines[i + 1]) : null;
      marks.add(m != null && m.find()
          ? new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))}
          : new int[] {0, 0});
    }
    String problem = parts.isEmpty() ? message.strip() : parts.get(parts.size() - 1);
    int[] at = marks.isEmpty() ? new int[] {0, 0} : marks.get(marks.size() - 1);
    if (parts.size() > 1) {
      int[] from = marks.get(0);
      problem += ", " + parts.get(0)
          + (from[0] > 0 ? " that starts on line " + from[0] + ", column " + from[1] : "");
    }
    if (at[0] == 0 && e.getLocation() != null) {
      at = new int[] {e.getLocation().getLineNr(), e.getLocation().getColumnNr()};
    }
    return new ConfigException(source, Math.max(at[0], 0), Math.max(at[1], 0), null,
        "not valid YAML: " + problem,
        "correct the YAML there: indent with spaces (not tabs), put a space after each ':',"
            + " and close every quote and bracket");
  }
}
