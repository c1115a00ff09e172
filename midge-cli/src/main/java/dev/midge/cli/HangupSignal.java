package dev.midge.cli;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP, the Unix way of asking a daemon to read its files again, as Mosquitto does: {@code kill
 * -HUP <pid>}. Uses {@code sun.misc.Signal} (module jdk.unsupported), looked up reflectively so
 * that a JVM without it, or a platform without SIGHUP (Windows), or a JVM started with {@code
 * -Xrs} only loses this: the broker runs on, and a warning says the files are then read again
 * when they change on disk.
 */
final class HangupSignal {
  private static final Logger LOG = LoggerFactory.getLogger(HangupSignal.class);

  private HangupSignal() {}

  /**
   * Runs {@code action} on each SIGHUP, on the JVM's signal thread (keep it short).
   *
   * @return whether the handler was installed
   */
  static boolean handle(Runnable action) {
    try {
      Class<?> signalClass = Class.forName("sun.misc.Signal");
      Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
      Object signal = signalClass.getConstructor(String.class).newInstance("HUP");
      InvocationHandler h = (Object proxy, Method method, Object[] args) -> {
        if (method.getName().equals("handle")) {
          try {
            action.run();
          } catch (RuntimeException e) {
            LOG.warn("SIGHUP: reloading failed", e);
          }
          return null;
        }
        return switch (method.getName()) {
          case "toString" -> "midge SIGHUP handler";
          case "hashCode" -> System.identityHashCode(proxy);
          case "equals" -> proxy == args[0];
          default -> null;
        };
      };
      Object handler = Proxy.newProxyInstance(HangupSignal.class.getClassLoader(),
          new Class<?>[] {handlerClass}, h);
      signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, signal, handler);
      return true;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      LOG.warn("SIGHUP cannot be handled on this JVM ({}); the password and ACL files are read"
          + " again only when they change (auth.reload-check-interval)", e.toString());
      return false;
    }
  }
}
