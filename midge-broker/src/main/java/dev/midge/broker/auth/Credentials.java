package dev.midge.broker.auth;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a CONNECT without an Authentication Method offers to prove who the client is, given to a
 * {@link PasswordAuthenticator}.
 *
 * @param clientId the client identifier (the one the broker assigned, for a client that sent an
 *     empty one)
 * @param userName the User Name of the CONNECT, or null when it had none
 * @param password the Password of the CONNECT, or null; shared, not to be modified, never logged
 * @param remoteAddress the client's network address, for logs and policies
 * @param listener the name of the listener the client connected to
 */
public record Credentials(String clientId, @Nullable String userName,
    byte @Nullable [] password, String remoteAddress, String listener) {

  public Credentials {
    Objects.requireNonNull(clientId, "clientId");
    Objects.requireNonNull(remoteAddress, "remoteAddress");
    Objects.requireNonNull(listener, "listener");
  }

  @Override
  public String toString() {
    // Never the password.
    return "Credentials[clientId=" + clientId + ", userName=" + userName + ", password="
        + (password == null ? "none" : "given") + ", remoteAddress=" + remoteAddress
        + ", listener=" + listener + "]";
  }
}
