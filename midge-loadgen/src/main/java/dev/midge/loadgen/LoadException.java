package dev.midge.loadgen;

/** A load run could not take place: the broker refused, did not answer, or closed on us. */
public final class LoadException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public LoadException(String message) {
    super(message);
  }
}
