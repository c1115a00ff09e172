package dev.midge.codec.property;

/**
 * Where a property list stands: in one of the packet types that carry properties, or in the will
 * properties of a CONNECT payload. Each {@link PropertyId} says which contexts may carry it.
 */
public enum PropertyContext {
  CONNECT,
  CONNACK,
  PUBLISH,
  WILL,
  PUBACK,
  PUBREC,
  PUBREL,
  PUBCOMP,
  SUBSCRIBE,
  SUBACK,
  UNSUBSCRIBE,
  UNSUBACK,
  DISCONNECT,
  AUTH
}
