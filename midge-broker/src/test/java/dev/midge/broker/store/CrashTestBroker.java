package dev.midge.broker.store;

import dev.midge.broker.MidgeBroker;
import dev.midge.broker.config.BrokerConfig;
import dev.midge.broker.config.SessionConfig;
import dev.midge.broker.config.StorageConfig;
import java.nio.file.Path;

/**
 * A broker in its own JVM, for tests that kill it with SIGKILL: {@code java -cp <test class path>
 * dev.midge.broker.store.CrashTestBroker DATA_DIR SYNC}. Listens on 127.0.0.1 and a free port,
 * prints {@code PORT <n>} on stdout once it accepts connections, and runs until killed, or until
 * the JVM that started it ends (so that a test JVM that dies leaves no broker behind). Sessions
 * queue up to 100,000 messages, so that a test's messages are never dropped for a full queue.
 */
public final class CrashTestBroker {
  /** The line prefix the port is announced with. */
  static final String PORT = "PORT ";

  private CrashTestBroker() {}

  public static void main(String[] args) throws InterruptedException {
    Path dir = Path.of(args[0]);
    StorageConfig.Sync sync = StorageConfig.Sync.valueOf(args[1]);
    MidgeBroker broker = MidgeBroker.builder()
        .config(BrokerConfig.defaults()
            // Room for every message of a test: none is dropped for a full queue.
            .withSessions(new SessionConfig(32, 100_000, false).withMaxQueuedBytes(256 << 20))
            .withStorage(StorageConfig.DEFAULTS.withDataDir(dir).withSync(sync)))
        .host("127.0.0.1").port(0).build().start();
    ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(() -> System.exit(3)));
    System.out.println(PORT + broker.port());
    System.out.flush();
    Thread.currentThread().join();
  }
}
