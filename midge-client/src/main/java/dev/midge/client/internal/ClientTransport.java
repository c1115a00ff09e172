package dev.midge.client.internal;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The I/O transport: Linux epoll where the platform has it, Java NIO elsewhere or when {@code
 * -Dmidge.transport=nio} asks for it (the same switch as the broker's).
 */
enum ClientTransport {
  EPOLL,
  NIO;

  static ClientTransport best() {
    if ("nio".equalsIgnoreCase(System.getProperty("midge.transport"))) {
      return NIO;
    }
    return Epoll.isAvailable() ? EPOLL : NIO;
  }

  EventLoopGroup newGroup(int threads) {
    return new MultiThreadIoEventLoopGroup(threads,
        this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
  }

  Class<? extends SocketChannel> channel() {
    return this == EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
  }
}
