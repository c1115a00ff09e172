package dev.midge.broker.config;

/**
 * An entry of the configuration's registry, {@link ConfigKeys}: a {@link ConfigKey} holding a
 * value, or a {@link ConfigSection} holding keys.
 */
public sealed interface ConfigEntry permits ConfigKey, ConfigSection {
  /**
   * The entry's path, with {@code []} after a list's name: {@code listeners[].keep-alive.minimum},
   * {@code sessions}.
   */
  String path();

  /** One line of documentation, a sentence or two. */
  String doc();

  /** The last segment of the path: {@code minimum}, {@code listeners}. */
  default String name() {
    String p = path();
    String last = p.substring(p.lastIndexOf('.') + 1);
    return last.endsWith("[]") ? last.substring(0, last.length() - 2) : last;
  }

  /** The path of the section holding this entry, {@code ""} at the top. */
  default String parent() {
    String p = path();
    int dot = p.lastIndexOf('.');
    return dot < 0 ? "" : p.substring(0, dot);
  }
}
