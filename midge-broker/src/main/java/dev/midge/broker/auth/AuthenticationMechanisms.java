package dev.midge.broker.auth;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The enhanced-authentication mechanisms of a broker, by Authentication Method. Immutable and
 * thread-safe; built once with the broker.
 */
public final class AuthenticationMechanisms {
  /** No mechanism: every CONNECT with an Authentication Method is refused with 0x8C. */
  public static final AuthenticationMechanisms NONE = new AuthenticationMechanisms(Map.of());

  private final Map<String, AuthenticationMechanism> byMethod;

  private AuthenticationMechanisms(Map<String, AuthenticationMechanism> byMethod) {
    this.byMethod = byMethod;
  }

  /**
   * The mechanisms given, each under its {@link AuthenticationMechanism#method()}.
   *
   * @throws IllegalArgumentException when a method is empty or two mechanisms serve the same one
   */
  public static AuthenticationMechanisms of(Collection<AuthenticationMechanism> mechanisms) {
    Map<String, AuthenticationMechanism> map = new LinkedHashMap<>();
    for (AuthenticationMechanism m : mechanisms) {
      String method = m.method();
      if (method == null || method.isEmpty()) {
        throw new IllegalArgumentException(m.getClass().getName()
            + " serves an empty Authentication Method");
      }
      if (map.putIfAbsent(method, m) != null) {
        throw new IllegalArgumentException("two mechanisms serve the Authentication Method '"
            + method + "': " + map.get(method).getClass().getName() + " and "
            + m.getClass().getName());
      }
    }
    return map.isEmpty() ? NONE : new AuthenticationMechanisms(Map.copyOf(map));
  }

  /** The mechanism serving this Authentication Method (compared exactly), or null. */
  public @Nullable AuthenticationMechanism find(String method) {
    return byMethod.get(method);
  }

  /** The Authentication Methods served. */
  public Set<String> methods() {
    return byMethod.keySet();
  }

  public boolean isEmpty() {
    return byMethod.isEmpty();
  }

  @Override
  public String toString() {
    return "AuthenticationMechanisms" + byMethod.keySet();
  }
}
