package dev.midge.codec.property;

import java.util.Objects;

/** A User Property: a name and value pair, kept in the order the sender wrote them. */
public record UserProperty(String name, String value) {
  public UserProperty {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
  }
}
