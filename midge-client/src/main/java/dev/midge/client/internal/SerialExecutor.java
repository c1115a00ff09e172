package dev.midge.client.internal;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order, on a delegate executor: callbacks of one client
 * never overlap and never overtake each other, even on a thread pool. A task that throws is
 * logged and the next one runs.
 */
public final class SerialExecutor implements Executor {
  private static final Logger LOG = LoggerFactory.getLogger(SerialExecutor.class);

  private final Executor delegate;
  private final Queue<Runnable> tasks = new ArrayDeque<>();
  private boolean running;

  public SerialExecutor(Executor delegate) {
    this.delegate = delegate;
  }

  @Override
  public void execute(Runnable task) {
    boolean start;
    synchronized (tasks) {
      tasks.add(task);
      start = !running;
      running = true;
    }
    if (start) {
      try {
        delegate.execute(this::drain);
      } catch (RuntimeException e) { // the delegate is shut down: nothing more will run
        synchronized (tasks) {
          tasks.clear();
          running = false;
        }
        LOG.debug("callback executor refused a task", e);
      }
    }
  }

  private void drain() {
    while (true) {
      Runnable next;
      synchronized (tasks) {
        next = tasks.poll();
        if (next == null) {
          running = false;
          return;
        }
      }
      try {
        next.run();
      } catch (Throwable e) {
        LOG.warn("a callback threw; ignored", e);
      }
    }
  }
}
