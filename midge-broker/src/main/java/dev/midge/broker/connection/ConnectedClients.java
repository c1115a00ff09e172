package dev.midge.broker.connection;

import io.netty.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import org.jspecify.annotations.Nullable;

/**
 * The connected clients, by client identifier in order: the registry the admin API pages through.
 * A connection is added when CONNACK accepts it and removed when it ends; during a takeover the
 * newer connection replaces the older under the same identifier, and the older one's removal then
 * leaves the newer in place.
 *
 * <p>Thread-safe; adding and removing cost O(log n), so a page of clients is found without
 * sorting them all.
 */
public final class ConnectedClients {
  private final ConcurrentSkipListMap<String, ConnectionActivity> byClientId =
      new ConcurrentSkipListMap<>();

  void add(String clientId, ConnectionActivity connection) {
    byClientId.put(clientId, connection);
  }

  void remove(String clientId, ConnectionActivity connection) {
    byClientId.remove(clientId, connection);
  }

  /** Clients connected now. */
  public int size() {
    return byClientId.size();
  }

  /** Whether a client with this identifier is connected. */
  public boolean contains(String clientId) {
    return byClientId.containsKey(clientId);
  }

  /**
   * Up to {@code limit} client identifiers in order, starting after {@code after} (null: from the
   * first).
   */
  public List<String> page(@Nullable String after, int limit) {
    NavigableMap<String, ConnectionActivity> tail =
        after == null ? byClientId : byClientId.tailMap(after, false);
    List<String> ids = new ArrayList<>(Math.min(limit, 1024));
    for (String id : tail.keySet()) {
      if (ids.size() >= limit) {
        break;
      }
      ids.add(id);
    }
    return ids;
  }

  /**
   * A snapshot of one client, taken on its connection's event loop; completes with null when it is
   * not connected (or its connection ends first).
   */
  public CompletableFuture<@Nullable ClientInfo> info(String clientId) {
    ConnectionActivity c = byClientId.get(clientId);
    CompletableFuture<@Nullable ClientInfo> result = new CompletableFuture<>();
    if (c == null) {
      result.complete(null);
      return result;
    }
    Future<@Nullable ClientInfo> f;
    try {
      f = c.eventLoop().submit(c::snapshot);
    } catch (RuntimeException rejected) { // the event loop is shutting down
      result.complete(null);
      return result;
    }
    f.addListener(done -> result.complete(done.isSuccess() ? f.getNow() : null));
    return result;
  }

  /** Snapshots of these clients, in the same order; those no longer connected are left out. */
  public CompletableFuture<List<ClientInfo>> infos(List<String> clientIds) {
    List<CompletableFuture<@Nullable ClientInfo>> all = new ArrayList<>(clientIds.size());
    for (String id : clientIds) {
      all.add(info(id));
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> {
      List<ClientInfo> infos = new ArrayList<>(all.size());
      for (CompletableFuture<@Nullable ClientInfo> f : all) {
        ClientInfo i = f.join();
        if (i != null) {
          infos.add(i);
        }
      }
      return infos;
    });
  }
}
