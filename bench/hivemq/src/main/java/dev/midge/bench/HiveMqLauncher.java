package dev.midge.bench;

import com.hivemq.embedded.EmbeddedHiveMQ;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Starts HiveMQ CE embedded on 127.0.0.1:PORT with its defaults otherwise, prints one line when it
 * listens, and runs until SIGTERM: {@code java -cp ... dev.midge.bench.HiveMqLauncher PORT DIR}.
 */
public final class HiveMqLauncher {
  private HiveMqLauncher() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    if (args.length != 2) {
      System.err.println("usage: HiveMqLauncher PORT WORK-DIR");
      System.exit(2);
    }
    int port = Integer.parseInt(args[0]);
    Path work = Path.of(args[1]);
    Path conf = Files.createDirectories(work.resolve("conf"));
    Files.writeString(conf.resolve("config.xml"), """
        <?xml version="1.0"?>
        <hivemq>
          <listeners>
            <tcp-listener>
              <port>%d</port>
              <bind-address>127.0.0.1</bind-address>
            </tcp-listener>
          </listeners>
          <anonymous-usage-statistics>
            <enabled>false</enabled>
          </anonymous-usage-statistics>
        </hivemq>
        """.formatted(port));
    EmbeddedHiveMQ hivemq = EmbeddedHiveMQ.builder()
        .withConfigurationFolder(conf)
        .withDataFolder(Files.createDirectories(work.resolve("data")))
        .withExtensionsFolder(Files.createDirectories(work.resolve("extensions")))
        .build();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        hivemq.stop().join();
      } finally {
        stopped.countDown();
      }
    }));
    hivemq.start().join();
    System.out.println("hivemq listening on 127.0.0.1:" + port);
    System.out.flush();
    stopped.await();
  }
}
