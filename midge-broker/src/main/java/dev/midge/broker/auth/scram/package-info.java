/**
 * SCRAM-SHA-256 (RFC 5802, RFC 7677) as an MQTT 5 enhanced-authentication mechanism, server side:
 * {@link dev.midge.broker.auth.scram.ScramSha256Mechanism}, with the users' credentials from a
 * {@link dev.midge.broker.auth.scram.ScramCredentialStore}, derived from passwords by {@link
 * dev.midge.broker.auth.scram.ScramCredentials#fromPassword(String)}.
 */
@NullMarked
package dev.midge.broker.auth.scram;

import org.jspecify.annotations.NullMarked;
