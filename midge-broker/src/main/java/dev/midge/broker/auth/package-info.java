/**
 * MQTT 5 enhanced authentication (§4.12): the SPI a mechanism implements ({@link
 * dev.midge.broker.auth.AuthenticationMechanism}, one {@link
 * dev.midge.broker.auth.AuthenticationExchange} per exchange, results as {@link
 * dev.midge.broker.auth.AuthenticationResult}), the registry of mechanisms by Authentication
 * Method, and {@link dev.midge.broker.auth.AuthenticationFlow}, which drives one connection's
 * exchanges and enforces the rules of §4.12 on its AUTH packets.
 *
 * <p>Mechanisms are registered in code:
 *
 * <pre>{@code
 * ScramCredentialStore users = ScramCredentialStore.of(Map.of(
 *     "alice", ScramCredentials.fromPassword("correct horse battery staple")));
 * MidgeBroker broker = MidgeBroker.builder()
 *     .enhancedAuthentication(new ScramSha256Mechanism(users))
 *     .build().start();
 * }</pre>
 *
 * <p>A built-in mechanism lives in {@link dev.midge.broker.auth.scram}: SCRAM-SHA-256.
 */
@NullMarked
package dev.midge.broker.auth;

import org.jspecify.annotations.NullMarked;
