package dev.midge.cli;

import dev.midge.broker.config.HttpConfig;
import dev.midge.broker.config.ListenerConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Why a listener cannot listen, in one line that says what to do: "port 1883 on 127.0.0.1 is
 * already in use; pick another with --port". The first listener is changed with {@code --host}
 * and {@code --port}, the others in the config file, so the advice names one or the other.
 */
final class ListenFailure {
  private ListenFailure() {}

  /**
   * Tries to bind {@code listener}'s address with a plain server socket, closed at once.
   *
   * @return the problem, or null when the address can be bound
   */
  static @Nullable String probe(ListenerConfig listener, int index, @Nullable Path config) {
    InetSocketAddress address = new InetSocketAddress(listener.host(), listener.port());
    if (address.isUnresolved()) {
      return noSuchHost(listener, index, config);
    }
    try (ServerSocket socket = new ServerSocket()) {
      // As Netty's server channels do, so that connections of a previous run still in
      // TIME_WAIT do not count as "in use".
      socket.setReuseAddress(true);
      socket.bind(address);
      return null;
    } catch (IOException | RuntimeException e) {
      return describe(e, listener, index, config);
    }
  }

  /**
   * Tries to bind the HTTP listener's address, as {@link #probe} does an MQTT listener's.
   *
   * @return the problem, or null when the address can be bound
   */
  static @Nullable String probeHttp(HttpConfig http, @Nullable Path config) {
    return probe(asListener(http), HTTP, config);
  }

  /** The index that stands for the HTTP listener in the messages below. */
  private static final int HTTP = -1;

  private static ListenerConfig asListener(HttpConfig http) {
    return ListenerConfig.defaults().withHost(http.host()).withPort(http.port());
  }

  /**
   * Why the broker could not start, the HTTP listener included: see {@link #describe(Throwable,
   * List, Path)}.
   */
  static String describe(Throwable error, List<ListenerConfig> listeners, HttpConfig http,
      @Nullable Path config) {
    for (int i = 0; i < listeners.size(); i++) {
      String problem = probe(listeners.get(i), i, config);
      if (problem != null) {
        return problem;
      }
    }
    if (http.enabled()) {
      String problem = probeHttp(http, config);
      if (problem != null) {
        return problem;
      }
    }
    return describe(error, listeners, config);
  }

  /**
   * Two listeners on one address, which {@code --host} and {@code --port} can cause by moving the
   * first listener onto another's (the config loader refuses such a file by itself).
   *
   * @return the problem, or null when every address is distinct
   */
  static @Nullable String clash(List<ListenerConfig> listeners, @Nullable Path config) {
    ListenerConfig first = listeners.get(0);
    for (int i = 1; i < listeners.size(); i++) {
      ListenerConfig other = listeners.get(i);
      if (first.port() != 0 && first.port() == other.port() && first.host().equals(other.host())) {
        return "port " + first.port() + " on " + first.host() + " is also the port of listener "
            + other.name() + " (listeners[" + i + "].port" + (config == null ? "" : " in " + config)
            + "); pick another with --port";
      }
    }
    return null;
  }

  /**
   * Why the broker could not start: the problem of the first listener that cannot bind now (the
   * broker has released its own), or the error itself.
   */
  static String describe(Throwable error, List<ListenerConfig> listeners, @Nullable Path config) {
    for (int i = 0; i < listeners.size(); i++) {
      String problem = probe(listeners.get(i), i, config);
      if (problem != null) {
        return problem;
      }
    }
    if (listeners.size() == 1) {
      return describe(error, listeners.get(0), 0, config);
    }
    return "cannot start the broker: " + error;
  }

  /** The problem {@code error} means for {@code listener}. */
  static String describe(
      Throwable error, ListenerConfig listener, int index, @Nullable Path config) {
    String host = listener.host();
    int port = listener.port();
    String where = "port " + port + " on " + host + named(listener, index);
    String causes = chain(error).toLowerCase(Locale.ROOT);
    if (causes.contains("address already in use")) {
      return where + " is already in use; " + advice(index, config, "port", port);
    }
    if (causes.contains("cannot assign requested address")
        || causes.contains("can't assign requested address")) {
      return "cannot listen on " + host + named(listener, index) + ": not an address of this"
          + " machine; " + advice(index, config, "host", port);
    }
    if (causes.contains("permission denied") || causes.contains("access denied")) {
      return "cannot listen on " + where + ": permission denied"
          + (port < 1024 ? " (ports below 1024 need privileges)" : "") + "; "
          + advice(index, config, "port", port);
    }
    if (hasCause(error, UnresolvedAddressException.class)) {
      return noSuchHost(listener, index, config);
    }
    return "cannot listen on " + where + ": " + firstMessage(error);
  }

  private static String noSuchHost(ListenerConfig listener, int index, @Nullable Path config) {
    return "cannot listen on " + listener.host() + named(listener, index)
        + ": no such host or address; " + advice(index, config, "host", listener.port());
  }

  private static String named(ListenerConfig listener, int index) {
    return index == 0 ? "" : index == HTTP ? " (admin HTTP)" : " (listener " + listener.name()
        + ")";
  }

  private static String advice(int index, @Nullable Path config, String key, int port) {
    if (index == HTTP) {
      return "port".equals(key)
          ? "pick another with --http-port (0 picks a free one, off turns it off)"
          : "pick another for http.host" + (config == null ? "" : " in " + config);
    }
    if (index == 0) {
      return "pick another with --" + key + ("port".equals(key) && port != 0 ? " (0 picks a"
          + " free one)" : "");
    }
    return "pick another for listeners[" + index + "]." + key
        + (config == null ? "" : " in " + config);
  }

  private static String chain(Throwable error) {
    StringBuilder b = new StringBuilder();
    for (Throwable t = error; t != null; t = t.getCause()) {
      b.append(t.getClass().getName()).append(": ").append(t.getMessage()).append('\n');
      if (t.getCause() == t) {
        break;
      }
    }
    return b.toString();
  }

  private static boolean hasCause(Throwable error, Class<? extends Throwable> type) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  private static String firstMessage(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t.getMessage() != null) {
        return t.getMessage();
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return error.toString();
  }
}
