package dev.midge.broker.config;

/**
 * A section of the configuration: a mapping of keys ({@code sessions}), or a list of such mappings
 * ({@code listeners}). Absent or empty, its keys take their defaults.
 *
 * @param path the section's path; for a list, without {@code []}: {@code listeners}
 * @param list whether the section is a list of mappings
 * @param defaultText what an absent section means, in words, for the reference
 * @param doc one line of documentation
 */
public record ConfigSection(String path, boolean list, String defaultText, String doc)
    implements ConfigEntry {

  /** The path its keys hang from: {@code listeners[]} for a list, the path itself otherwise. */
  public String itemPath() {
    return list ? path + "[]" : path;
  }
}
