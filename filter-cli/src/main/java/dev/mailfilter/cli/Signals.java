package dev.mailfilter.cli;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * Handlers for POSIX signals (SIGHUP, SIGTERM, SIGINT) through {@code sun.misc.Signal}, module
 * {@code jdk.unsupported}: the JDK has no supported API for them, and without a handler SIGHUP ends
 * the JVM, and a shutdown hook on SIGTERM cannot choose the exit status.
 *
 * <p>Called by reflection because javac's warning for {@code sun.misc} under {@code --release}
 * cannot be suppressed, and the build turns warnings into errors. The class is exported to every
 * module and meant for this use (JEP 260), so the reflection is plain.
 */
final class Signals {
  private Signals() {}

  /**
   * Runs {@code action} on a JVM signal thread each time the signal comes; it should return
   * quickly.
   *
   * @param name the signal without {@code SIG}, e.g. {@code HUP}
   * @return whether the handler is installed (false on a platform without the signal, or when the
   *     JVM keeps it for itself)
   */
  static boolean handle(String name, Runnable action) {
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
      Object sig = signal.getConstructor(String.class).newInstance(name);
      InvocationHandler onCall =
          (proxy, method, args) ->
              switch (method.getName()) {
                case "handle" -> {
                  action.run();
                  yield null;
                }
                case "equals" -> proxy == args[0];
                case "hashCode" -> System.identityHashCode(proxy);
                default -> "SignalHandler[SIG" + name + "]";
              };
      Object handler =
          Proxy.newProxyInstance(
              Signals.class.getClassLoader(), new Class<?>[] {handlerType}, onCall);
      signal.getMethod("handle", signal, handlerType).invoke(null, sig, handler);
      return true;
    } catch (InvocationTargetException e) {
      return false; // IllegalArgumentException: unknown or reserved signal
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }
}
