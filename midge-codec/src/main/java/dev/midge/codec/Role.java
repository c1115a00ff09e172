package dev.midge.codec;

/**
 * Which end of a connection a decoder serves. A server's decoder reads what clients send and
 * refuses the packets only a server may send (CONNACK, SUBACK, UNSUBACK, PINGRESP); a client's
 * decoder the reverse.
 */
public enum Role {
  SERVER,
  CLIENT
}
