package dev.midge.codec.packet;

import dev.midge.codec.MqttPacketType;
import dev.midge.codec.MqttVersion;
import dev.midge.codec.property.Properties;
import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * CONNECT: the first packet of every connection. It fixes the protocol version for the rest of
 * the connection.
 *
 * <p>{@code cleanStart} is Clean Session in 3.1 / 3.1.1 and Clean Start in 5.0. {@code keepAlive}
 * is in seconds, 0 to 65535 (0 turns the mechanism off). The password is Binary Data and owned by
 * the record.
 *
 * <pre>{@code
 * Connect c = Connect.builder(MqttVersion.V3_1_1).clientId("sensor-1").keepAlive(30).build();
 * }</pre>
 */
public record Connect(
    MqttVersion version,
    String clientId,
    boolean cleanStart,
    int keepAlive,
    @Nullable Will will,
    @Nullable String username,
    byte @Nullable [] password,
    Properties properties)
    implements MqttPacket {

  public Connect {
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(clientId, "clientId");
    Objects.requireNonNull(properties, "properties");
    if (keepAlive < 0 || keepAlive > 0xFFFF) {
      throw new IllegalArgumentException("keep alive must be 0 to 65535 s, was " + keepAlive);
    }
  }

  @Override
  public MqttPacketType type() {
    return MqttPacketType.CONNECT;
  }

  /** A builder for a CONNECT of the given version, with clean start and keep alive 60 s. */
  public static Builder builder(MqttVersion version) {
    return new Builder(version);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Connect c
        && version == c.version
        && clientId.equals(c.clientId)
        && cleanStart == c.cleanStart
        && keepAlive == c.keepAlive
        && Objects.equals(will, c.will)
        && Objects.equals(username, c.username)
        && Arrays.equals(password, c.password)
        && properties.equals(c.properties);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        version, clientId, cleanStart, keepAlive, will, username, Arrays.hashCode(password),
        properties);
  }

  /** Leaves the password out, so that a logged packet never shows it. */
  @Override
  public String toString() {
    return "Connect[version=" + version + ", clientId=" + clientId + ", cleanStart=" + cleanStart
        + ", keepAlive=" + keepAlive + ", will=" + will + ", username=" + username
        + ", password=" + (password == null ? "none" : "***") + ", properties=" + properties + "]";
  }

  /** Builds a {@link Connect}. */
  public static final class Builder {
    private final MqttVersion version;
    private String clientId = "";
    private boolean cleanStart = true;
    private int keepAlive = 60;
    private @Nullable Will will;
    private @Nullable String username;
    private byte @Nullable [] password;
    private Properties properties = Properties.EMPTY;

    private Builder(MqttVersion version) {
      this.version = version;
    }

    public Builder clientId(String clientId) {
      this.clientId = clientId;
      return this;
    }

    public Builder cleanStart(boolean cleanStart) {
      this.cleanStart = cleanStart;
      return this;
    }

    public Builder keepAlive(int seconds) {
      this.keepAlive = seconds;
      return this;
    }

    public Builder will(@Nullable Will will) {
      this.will = will;
      return this;
    }

    public Builder username(@Nullable String username) {
      this.username = username;
      return this;
    }

    public Builder password(byte @Nullable [] password) {
      this.password = password;
      return this;
    }

    public Builder properties(Properties properties) {
      this.properties = properties;
      return this;
    }

    public Connect build() {
      return new Connect(
          version, clientId, cleanStart, keepAlive, will, username, password, properties);
    }
  }
}
