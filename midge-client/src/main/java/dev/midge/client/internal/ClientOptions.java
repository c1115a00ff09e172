package dev.midge.client.internal;

import dev.midge.client.ConnectionListener;
import dev.midge.client.MessageHandler;
import dev.midge.client.PacketListener;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.packet.Will;
import java.time.Duration;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * Everything {@link dev.midge.client.MqttClient.Builder} collected, validated. Defaults and their
 * documentation live on the builder's methods.
 */
public record ClientOptions(
    String host,
    int port,
    String clientId,
    MqttVersion version,
    int keepAliveSeconds,
    boolean cleanStart,
    long sessionExpirySeconds,
    @Nullable Will will,
    @Nullable String username,
    byte @Nullable [] password,
    Duration pingTimeout,
    Duration connectTimeout,
    boolean autoReconnect,
    Duration reconnectInitialDelay,
    Duration reconnectMaxDelay,
    int offlineBufferSize,
    @Nullable Executor callbackExecutor,
    ConnectionListener connectionListener,
    @Nullable PacketListener packetListener,
    @Nullable MessageHandler defaultHandler) {}
