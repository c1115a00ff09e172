package dev.midge.broker.config;

import java.util.Objects;

/**
 * One configuration key: where it is written, the type of its value, its default and one line of
 * documentation. All of them are in {@link ConfigKeys}; the loader, the reference ({@code
 * docs/configuration.md}) and the example file are made from there, so that they cannot disagree.
 *
 * @param <T> the Java type of the value
 */
public final class ConfigKey<T> implements ConfigEntry {
  private final String path;
  private final ValueType<T> type;
  private final T defaultValue;
  private final String doc;

  ConfigKey(String path, ValueType<T> type, T defaultValue, String doc) {
    this.path = Objects.requireNonNull(path);
    this.type = Objects.requireNonNull(type);
    this.defaultValue = Objects.requireNonNull(defaultValue);
    this.doc = Objects.requireNonNull(doc);
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public String doc() {
    return doc;
  }

  public ValueType<T> type() {
    return type;
  }

  /** The value when the key is absent: taken from the config records' defaults. */
  public T defaultValue() {
    return defaultValue;
  }

  /** The default as it would be written in YAML: {@code 2m}, {@code 1MiB}, {@code clamp}. */
  public String defaultText() {
    return type.format(defaultValue);
  }

  /** What values are allowed, in words. */
  public String allowed() {
    return type.allowed();
  }

  @Override
  public String toString() {
    return path;
  }
}
