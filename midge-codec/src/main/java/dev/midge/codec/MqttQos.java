package dev.midge.codec;

/** Quality of service of a PUBLISH or a subscription. */
public enum MqttQos {
  AT_MOST_ONCE,
  AT_LEAST_ONCE,
  EXACTLY_ONCE;

  private static final MqttQos[] BY_VALUE = values();

  /** The wire value, 0 to 2. */
  public int value() {
    return ordinal();
  }

  /**
   * The QoS for a wire value.
   *
   * @throws IllegalArgumentException for anything but 0, 1 or 2; decoders check the range first
   *     and report QoS 3 as a malformed packet rather than calling this
   */
  public static MqttQos of(int value) {
    if (value < 0 || value > 2) {
      throw new IllegalArgumentException("QoS must be 0, 1 or 2, was " + value);
    }
    return BY_VALUE[value];
  }

  /** The lower of two QoS levels, as a delivery downgraded to a subscription's granted QoS. */
  public static MqttQos min(MqttQos a, MqttQos b) {
    return a.ordinal() <= b.ordinal() ? a : b;
  }
}
