package dev.midge.broker.store;

/**
 * A write staged in a {@link WriteTicket}, to be handed to the store that made it, with the
 * ticket's other staged writes, as one atomic change ({@link Storage#commit}). Opaque to
 * everything but that store.
 */
public interface StagedWrite {}
