package dev.midge.benchmarks;

import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The executor JMH runs a benchmark's threads on, when told to with {@code
 * -Djmh.executor=CUSTOM -Djmh.executor.class=dev.midge.benchmarks.EventLoopThreadExecutor}: its
 * threads are Netty {@link FastThreadLocalThread}s, as event loops are.
 *
 * <p>Netty treats those threads better than plain ones: the pooled allocator gives them a
 * thread-local cache, {@code ByteBufUtil} lends them scratch arrays instead of allocating, and the
 * object recycler is cheaper for them. The codec runs on event loops in the broker, so measuring
 * it on a plain JMH thread would show time and allocation the broker does not pay.
 *
 * <p>Only for benchmarks; JMH creates it reflectively through the public (int, String)
 * constructor.
 */
public final class EventLoopThreadExecutor extends ThreadPoolExecutor {
  /**
   * @param maxThreads the number of benchmark threads JMH will run
   * @param prefix the thread name prefix JMH chooses
   */
  public EventLoopThreadExecutor(int maxThreads, String prefix) {
    super(maxThreads, maxThreads, 1, TimeUnit.MINUTES, new LinkedBlockingQueue<>(),
        new DefaultThreadFactory(prefix, true));
  }
}
