package dev.midge.broker.transport.tls;

import io.micrometer.core.instrument.Counter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Right after the {@code SslHandler}: a failed handshake (a client that does not trust the
 * server's certificate, a client certificate the CA did not sign, plain MQTT sent to a TLS port)
 * is logged once at INFO with the address and the reason, counted in {@code
 * midge.tls.handshakes.failed}, and the connection closed (a TLS error after the handshake is
 * logged and closed the same way, without counting); the error goes no further, so the MQTT
 * connection above does not report it as unexpected.
 *
 * <p>Per connection. Called on the channel's event loop only.
 */
public final class TlsHandshakeFailures extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(TlsHandshakeFailures.class);

  private final String listener;
  private final Counter failures;
  private boolean logged;
  private boolean handshaken;

  /**
   * @param listener the listener's name, for logs
   * @param failures the listener's {@code midge.tls.handshakes.failed} counter
   */
  public TlsHandshakeFailures(String listener, Counter failures) {
    this.listener = listener;
    this.failures = failures;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof SslHandshakeCompletionEvent done) {
      if (done.isSuccess()) {
        handshaken = true;
      } else {
        failed(ctx, done.cause());
      }
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (isTls(cause)) {
      failed(ctx, cause);
      return;
    }
    ctx.fireExceptionCaught(cause);
  }

  private void failed(ChannelHandlerContext ctx, Throwable cause) {
    if (!logged) {
      logged = true;
      if (!handshaken) {
        failures.increment();
      }
      Throwable root = cause;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      LOG.info("listener {}: {} with {} failed: {}", listener,
          handshaken ? "TLS" : "TLS handshake", ctx.channel().remoteAddress(),
          root instanceof NotSslRecordException ? "not TLS (a plain MQTT client on a TLS port?)"
              : String.valueOf(root.getMessage()));
    }
    ctx.close();
  }

  private static boolean isTls(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof SSLException) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }
}
