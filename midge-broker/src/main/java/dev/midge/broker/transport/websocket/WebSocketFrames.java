package dev.midge.broker.transport.websocket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Between the WebSocket protocol handler and the MQTT codec: the payload of each binary frame (and
 * of its continuation frames) goes up as bytes, so that the MQTT decoder sees one byte stream
 * whatever the framing (a packet may span frames, a frame may hold several packets, §6.0); each
 * buffer the MQTT encoder writes goes down as one binary frame.
 *
 * <p>MQTT-6.0.0-1: a text frame closes the connection (WebSocket close 1003, unsupported data).
 * Ping, pong and close frames are answered below, by Netty's {@code
 * WebSocketServerProtocolHandler}.
 *
 * <p>An HTTP request for another path than the listener's gets 404 and is closed.
 *
 * <p>Per connection (it remembers whether a text message is being continued). Called on the
 * channel's event loop only.
 */
public final class WebSocketFrames extends ChannelDuplexHandler {
  private static final Logger LOG = LoggerFactory.getLogger(WebSocketFrames.class);

  private boolean inTextMessage;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof FullHttpRequest request) {
      // What the WebSocket handler let through: a request for another path.
      notFound(ctx, request);
      return;
    }
    if (!(msg instanceof WebSocketFrame frame)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (frame instanceof BinaryWebSocketFrame
        || (frame instanceof ContinuationWebSocketFrame && !inTextMessage)) {
      inTextMessage = false;
      // The frame's content is the MQTT decoder's to release.
      ctx.fireChannelRead(frame.content());
      return;
    }
    try {
      // MQTT-6.0.0-1: anything but binary data closes the connection.
      inTextMessage = true;
      LOG.debug("{}: MQTT-6.0.0-1: a {} is not MQTT data (binary frames only); closing",
          ctx.channel().remoteAddress(), frame.getClass().getSimpleName());
      ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.INVALID_MESSAGE_TYPE,
              "MQTT-6.0.0-1: MQTT is sent in binary frames"))
          .addListener(f -> ctx.close());
    } finally {
      ReferenceCountUtil.release(frame);
    }
  }

  private static void notFound(ChannelHandlerContext ctx, FullHttpRequest request) {
    try {
      LOG.debug("{}: HTTP {} {} is not the WebSocket path; 404", ctx.channel().remoteAddress(),
          request.method(), request.uri());
      byte[] body = "Not found: MQTT over WebSocket is on another path\n"
          .getBytes(StandardCharsets.US_ASCII);
      FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
          HttpResponseStatus.NOT_FOUND, Unpooled.wrappedBuffer(body));
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=us-ascii")
          .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
          .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    } finally {
      ReferenceCountUtil.release(request);
    }
  }

  /**
   * A frame the WebSocket decoder refused (too large, malformed) or a failed upgrade: Netty has
   * answered the client (close 1002 or 1009, or HTTP 400) and closes the connection; logged once
   * here, without a stack trace, and kept from the MQTT connection above, for which it would be
   * an unexpected error.
   */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof CorruptedWebSocketFrameException
        || cause instanceof WebSocketHandshakeException) {
      LOG.info("{}: WebSocket refused, closing: {}", ctx.channel().remoteAddress(),
          cause.getMessage());
      return; // closed by Netty once its answer is out: closing now would cut that short

    }
    ctx.fireExceptionCaught(cause);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof ByteBuf bytes) {
      ctx.write(new BinaryWebSocketFrame(bytes), promise);
      return;
    }
    ctx.write(msg, promise);
  }
}
