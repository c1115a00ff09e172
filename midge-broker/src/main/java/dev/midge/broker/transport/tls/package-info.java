/**
 * TLS for listeners: PEM files read and checked ({@link dev.midge.broker.transport.tls.TlsFiles}),
 * an SSL context that follows changes to them ({@link
 * dev.midge.broker.transport.tls.ReloadingSslContext}), and the client certificate as a user name
 * ({@link dev.midge.broker.transport.tls.CertificateUsername}).
 */
@NullMarked
package dev.midge.broker.transport.tls;

import org.jspecify.annotations.NullMarked;
