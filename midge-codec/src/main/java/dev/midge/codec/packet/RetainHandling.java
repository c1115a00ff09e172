package dev.midge.codec.packet;

/** When the server sends retained messages for a new subscription (MQTT 5.0 section 3.8.3.1). */
public enum RetainHandling {
  /** Send retained messages at the time of the subscribe (the only behaviour of MQTT 3.x). */
  SEND_ON_SUBSCRIBE,
  /** Send them only if the subscription did not exist already. */
  SEND_IF_NEW_SUBSCRIPTION,
  /** Do not send them. */
  DO_NOT_SEND;

  private static final RetainHandling[] BY_VALUE = values();

  /** The wire value, 0 to 2. */
  public int value() {
    return ordinal();
  }

  /** The option for a wire value; 3 is a protocol error that decoders reject first. */
  public static RetainHandling of(int value) {
    return BY_VALUE[value];
  }
}
