package dev.midge.broker.admin;

import dev.midge.broker.config.HttpConfig;
import dev.midge.broker.transport.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP listener: Netty's HTTP/1.1 codec in front of an {@link AdminApi}, on its own event loop
 * so that a scrape or a long page never delays MQTT traffic. Requests are small (a body of more
 * than {@value #MAX_REQUEST_BYTES} bytes is refused with 413), connections are kept alive as HTTP
 * asks and closed after {@value #IDLE_SECONDS} s idle.
 *
 * <p>Starts once; {@link #close()} stops it. Thread-safe.
 */
public final class AdminHttpServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AdminHttpServer.class);
  static final int MAX_REQUEST_BYTES = 64 * 1024;
  static final int IDLE_SECONDS = 120;

  private final HttpConfig config;
  private final AdminApi api;
  private final Transport transport;
  private @Nullable EventLoopGroup group;
  private @Nullable Channel server;

  public AdminHttpServer(HttpConfig config, AdminApi api, Transport transport) {
    this.config = config;
    this.api = api;
    this.transport = transport;
  }

  /**
   * Binds the listener.
   *
   * @throws RuntimeException as Netty reports a failed bind (port in use, no such address)
   */
  public synchronized AdminHttpServer start() {
    EventLoopGroup g = transport.newGroup(1);
    group = g;
    try {
      server = new ServerBootstrap()
          .group(g)
          .channel(transport.serverChannel())
          .option(ChannelOption.SO_BACKLOG, 128)
          .childHandler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
              ch.pipeline()
                  .addLast("idle", new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS))
                  .addLast("http-codec", new HttpServerCodec())
                  .addLast("http-keep-alive", new HttpServerKeepAliveHandler())
                  .addLast("http-aggregator", new HttpObjectAggregator(MAX_REQUEST_BYTES))
                  .addLast("admin-api", new Handler());
            }
          })
          .bind(config.host(), config.port()).syncUninterruptibly().channel();
    } catch (RuntimeException e) {
      g.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      group = null;
      throw e;
    }
    LOG.info("admin HTTP listener on {}", server.localAddress());
    return this;
  }

  /** The address bound. */
  public InetSocketAddress address() {
    Channel s = server;
    if (s == null) {
      throw new IllegalStateException("not started");
    }
    return (InetSocketAddress) s.localAddress();
  }

  @Override
  public synchronized void close() {
    Channel s = server;
    if (s != null) {
      s.close().syncUninterruptibly();
      server = null;
    }
    EventLoopGroup g = group;
    if (g != null) {
      // Bounded: a broker stopping must not hang here (seen once, on SIGTERM after an hour of
      // load: the group's termination never came).
      boolean stopped = g.shutdownGracefully(0, 2, TimeUnit.SECONDS)
          .awaitUninterruptibly(5, TimeUnit.SECONDS);
      if (!stopped) {
        LOG.warn("the admin HTTP listener's threads did not stop within 5 s; going on");
      }
      group = null;
    }
  }

  /** One HTTP connection: each request goes to the API, its reply comes back in order. */
  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      if (!request.decoderResult().isSuccess()) {
        reply(ctx, false, new AdminApi.Reply(400, "text/plain; charset=utf-8",
            "bad request\n".getBytes(StandardCharsets.US_ASCII), null));
        return;
      }
      boolean keepAlive = HttpUtil.isKeepAlive(request);
      String method = request.method().name();
      String uri = request.uri();
      // Reading the channel stops until this reply is written: HTTP/1.1 answers in order.
      ctx.channel().config().setAutoRead(false);
      api.handle(method, uri).whenComplete((reply, error) -> {
        AdminApi.Reply r = reply;
        if (error != null || r == null) {
          LOG.warn("admin API failed on {} {}", method, uri, error);
          r = new AdminApi.Reply(500, "text/plain; charset=utf-8",
              "internal error\n".getBytes(StandardCharsets.US_ASCII), null);
        }
        AdminApi.Reply answer = r;
        ctx.executor().execute(() -> {
          reply(ctx, keepAlive, answer);
          ctx.channel().config().setAutoRead(true);
        });
      });
    }

    private void reply(ChannelHandlerContext ctx, boolean keepAlive, AdminApi.Reply r) {
      FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
          HttpResponseStatus.valueOf(r.status()), Unpooled.wrappedBuffer(r.body()));
      response.headers()
          .set(HttpHeaderNames.CONTENT_TYPE, r.contentType())
          .setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length)
          .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
          .set("X-Content-Type-Options", "nosniff");
      if (r.allow() != null) {
        response.headers().set(HttpHeaderNames.ALLOW, r.allow());
      }
      HttpUtil.setKeepAlive(response, keepAlive);
      if (keepAlive) {
        ctx.writeAndFlush(response);
      } else {
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof IdleStateEvent) {
        ctx.close();
      } else {
        super.userEventTriggered(ctx, evt);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("admin HTTP connection {} failed: {}", ctx.channel().remoteAddress(),
          cause.toString());
      ctx.close();
    }
  }
}
