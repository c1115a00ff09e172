package dev.midge.broker.metrics;

/** Why a connection ended: the tag of the disconnect counter, and the word in the log line. */
public enum DisconnectCause {
  /** The client sent DISCONNECT. */
  CLIENT_DISCONNECT("client-disconnect"),
  /** Nothing arrived for 1.5 × the keep alive. */
  KEEP_ALIVE_TIMEOUT("keep-alive-timeout"),
  /** One packet took longer than the configured bound to arrive. */
  SLOW_PACKET("slow-packet"),
  /** No CONNECT arrived within the connect timeout. */
  CONNECT_TIMEOUT("connect-timeout"),
  /** CONNECT was refused with a CONNACK error. */
  CONNECT_REFUSED("connect-refused"),
  /** Another connection took the client identifier over. */
  TAKEOVER("takeover"),
  /** A re-authentication of the connected client failed (MQTT 5 §4.12.1). */
  AUTHENTICATION_FAILED("authentication-failed"),
  /** The client broke the protocol: a malformed packet or a protocol error. */
  PROTOCOL_ERROR("protocol-error"),
  /** The network connection closed or failed without DISCONNECT. */
  NETWORK("network"),
  /** The client exceeded a quota of the broker (MQTT 5 reason code 0x97). */
  QUOTA_EXCEEDED("quota-exceeded"),
  /** An administrator disconnected the client ({@code MidgeBroker.disconnectClient}). */
  ADMINISTRATIVE("administrative"),
  /** The broker is shutting down. */
  SERVER_SHUTDOWN("server-shutdown"),
  /** The store failed to write what a packet from the client needed kept: no acknowledgement. */
  STORAGE_FAILURE("storage-failure");

  private final String tag;

  DisconnectCause(String tag) {
    this.tag = tag;
  }

  /** The metric tag value. */
  public String tag() {
    return tag;
  }
}
