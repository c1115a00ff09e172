package dev.midge.broker.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * The I/O transport: Linux epoll where the platform has it (fewer copies and syscalls than the
 * JDK's selector), Java NIO elsewhere or when {@code -Dmidge.transport=nio} asks for it.
 */
public enum Transport {
  EPOLL,
  NIO;

  /** The best transport available here. */
  public static Transport best() {
    if ("nio".equalsIgnoreCase(System.getProperty("midge.transport"))) {
      return NIO;
    }
    return Epoll.isAvailable() ? EPOLL : NIO;
  }

  /** A group of event loops for this transport; {@code threads} 0 means Netty's default. */
  public EventLoopGroup newGroup(int threads) {
    return new MultiThreadIoEventLoopGroup(threads,
        this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
  }

  public Class<? extends ServerChannel> serverChannel() {
    return this == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }
}
