package dev.midge.broker.transport.tls;

import dev.midge.codec.packet.Connect;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.security.auth.x500.X500Principal;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code tls.use-subject-as-username}: the verified client certificate names the client. The first
 * CONNECT is passed on with its user name replaced by the certificate's name ({@link #nameOf}),
 * so that everything after it (authentication, logs) sees that name; then the handler removes
 * itself. A client without a certificate (client-auth optional) keeps the user name it sent. A
 * certificate that yields no name closes the connection, logged at INFO: the client cannot be told
 * apart from another.
 *
 * <p>The rule: the subject's most specific CN ({@code CN=alice,O=Example} gives {@code alice});
 * when the subject has no CN, the first subject alternative name of type email (rfc822Name), DNS
 * name or URI, in the certificate's order.
 *
 * <p>Per connection, between the MQTT decoder and the connection. Called on the channel's event
 * loop only.
 */
public final class CertificateUsername extends ChannelInboundHandlerAdapter {
  /**
   * The name the client's verified certificate gave, set on the channel when this handler put it
   * in the CONNECT: the certificate authenticates the client as that user, as Mosquitto's
   * use_identity_as_username does, so the connection does not ask the password file for it.
   */
  public static final AttributeKey<String> IDENTITY =
      AttributeKey.valueOf(CertificateUsername.class, "identity");
  private static final Logger LOG = LoggerFactory.getLogger(CertificateUsername.class);
  private static final int SAN_EMAIL = 1;
  private static final int SAN_DNS = 2;
  private static final int SAN_URI = 6;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof Connect connect)) {
      ctx.fireChannelRead(msg);
      return;
    }
    ctx.pipeline().remove(this);
    X509Certificate certificate = peerCertificate(ctx.channel());
    if (certificate == null) {
      ctx.fireChannelRead(connect);
      return;
    }
    String name = nameOf(certificate);
    if (name == null) {
      LOG.info("client {} ({}) refused: its certificate ({}) has no CN and no email, DNS or URI"
              + " subject alternative name to use as user name (tls.use-subject-as-username)",
          connect.clientId(), ctx.channel().remoteAddress(), TlsFiles.subject(certificate));
      ctx.close();
      return;
    }
    LOG.debug("client {} ({}): user name {} from its certificate", connect.clientId(),
        ctx.channel().remoteAddress(), name);
    ctx.channel().attr(IDENTITY).set(name);
    ctx.fireChannelRead(new Connect(connect.version(), connect.clientId(), connect.cleanStart(),
        connect.keepAlive(), connect.will(), name, connect.password(), connect.properties()));
  }

  /**
   * The certificate the client presented and the handshake verified, or null when the channel has
   * no TLS or the client presented none.
   */
  public static @Nullable X509Certificate peerCertificate(Channel channel) {
    SslHandler ssl = channel.pipeline().get(SslHandler.class);
    if (ssl == null || !ssl.handshakeFuture().isSuccess()) {
      return null;
    }
    try {
      Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }

  /** The user name a certificate gives, by the rule above, or null when it gives none. */
  public static @Nullable String nameOf(X509Certificate certificate) {
    try {
      LdapName dn = new LdapName(
          certificate.getSubjectX500Principal().getName(X500Principal.RFC2253));
      List<Rdn> rdns = dn.getRdns(); // least specific first
      for (int i = rdns.size() - 1; i >= 0; i--) {
        Rdn rdn = rdns.get(i);
        if (rdn.getType().equalsIgnoreCase("CN") && !rdn.getValue().toString().isEmpty()) {
          return rdn.getValue().toString();
        }
      }
    } catch (InvalidNameException e) {
      // a subject Java wrote itself is valid; fall through to the alternative names
    }
    try {
      Collection<List<?>> names = certificate.getSubjectAlternativeNames();
      if (names != null) {
        for (List<?> entry : names) {
          int type = (Integer) entry.get(0);
          if ((type == SAN_EMAIL || type == SAN_DNS || type == SAN_URI)
              && entry.get(1) instanceof String s && !s.isEmpty()) {
            return s;
          }
        }
      }
    } catch (CertificateParsingException e) {
      return null;
    }
    return null;
  }
}
