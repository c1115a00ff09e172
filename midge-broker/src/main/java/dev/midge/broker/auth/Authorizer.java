package dev.midge.broker.auth;

import org.jspecify.annotations.Nullable;

/**
 * Decides what a client may do with topics: publish (its PUBLISH packets and its will), subscribe,
 * and receive (each message routed to its subscriptions, retained ones included). The client is
 * named by its client identifier and the user name it authenticated with (null for an anonymous
 * client); a session kept while its client is offline is judged by the user name of its last
 * connection.
 *
 * <p>{@link dev.midge.broker.auth.acl.AclAuthorizer} reads Mosquitto's ACL file format.
 *
 * <p><b>Threads.</b> Called on event loops, for every PUBLISH and every copy routed: must be
 * thread-safe, fast and never block.
 */
public interface Authorizer {
  /** Everything allowed: a broker without an ACL. */
  Authorizer ALLOW_ALL = new Authorizer() {
    @Override
    public boolean mayPublish(String clientId, @Nullable String userName, String topic) {
      return true;
    }

    @Override
    public boolean maySubscribe(String clientId, @Nullable String userName, String filter) {
      return true;
    }

    @Override
    public boolean mayReceive(String clientId, @Nullable String userName, String topic) {
      return true;
    }

    @Override
    public String toString() {
      return "Authorizer.ALLOW_ALL";
    }
  };

  /** Whether the client may publish to this topic name. */
  boolean mayPublish(String clientId, @Nullable String userName, String topic);

  /**
   * Whether the client may subscribe to this topic filter (of a shared subscription, without its
   * {@code $share/group/} prefix). Messages it would bring are still checked one by one with
   * {@link #mayReceive}.
   */
  boolean maySubscribe(String clientId, @Nullable String userName, String filter);

  /** Whether a message published to this topic name may go to the client. */
  boolean mayReceive(String clientId, @Nullable String userName, String topic);
}
