package dev.midge.broker.auth;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a mechanism knows of the connection an exchange authenticates, given to {@link
 * AuthenticationMechanism#begin}. The Authentication Method is an agreement on the meaning of the
 * Authentication Data and of any other CONNECT fields (MQTT 5 §4.12), so the User Name and
 * Password of the CONNECT are here for mechanisms that use them; most ignore them.
 *
 * @param method the Authentication Method, the one the mechanism serves
 * @param clientId the client identifier (the one the broker assigned, for a client that sent an
 *     empty one)
 * @param remoteAddress the client's network address, for logs and policies
 * @param userName the User Name of the CONNECT, or null
 * @param password the Password of the CONNECT, or null; shared, not to be modified
 * @param reauthentication whether this exchange re-authenticates a connected client (AUTH 0x19,
 *     §4.12.1) rather than authenticating its CONNECT
 * @param identity on a re-authentication, the identity the last successful exchange of this
 *     connection reported ({@link AuthenticationResult.Success#identity()}), or null; the broker
 *     refuses a re-authentication whose identity differs from it
 */
public record AuthenticationContext(
    String method,
    String clientId,
    String remoteAddress,
    @Nullable String userName,
    byte @Nullable [] password,
    boolean reauthentication,
    @Nullable String identity) {

  public AuthenticationContext {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(clientId, "clientId");
    Objects.requireNonNull(remoteAddress, "remoteAddress");
  }

  @Override
  public String toString() {
    // Never the password.
    return "AuthenticationContext[method=" + method + ", clientId=" + clientId + ", remoteAddress="
        + remoteAddress + ", userName=" + userName + ", reauthentication=" + reauthentication
        + ", identity=" + identity + "]";
  }
}
