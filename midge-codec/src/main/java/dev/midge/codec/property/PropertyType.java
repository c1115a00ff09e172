package dev.midge.codec.property;

/** The data types of MQTT 5.0 properties (section 2.2.2.2). */
public enum PropertyType {
  BYTE,
  TWO_BYTE_INTEGER,
  FOUR_BYTE_INTEGER,
  VARIABLE_BYTE_INTEGER,
  UTF8_STRING,
  BINARY_DATA,
  UTF8_STRING_PAIR
}
