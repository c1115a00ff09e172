package dev.midge.broker.auth.acl;

import dev.midge.broker.auth.Authorizer;
import dev.midge.broker.auth.ReloadableFile;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * The {@link Authorizer} of {@code auth.acl-file}: the rules of an {@link AclFile}, read again by
 * {@link #file()}'s reload methods. Thread-safe.
 */
public final class AclAuthorizer implements Authorizer {
  private final ReloadableFile<AclFile> file;

  /**
   * Reads the ACL file now.
   *
   * @throws dev.midge.broker.auth.AuthFileException when it cannot be used
   */
  public AclAuthorizer(Path path) {
    this.file = new ReloadableFile<>(path, "ACL file", AclFile::read);
  }

  /** The file, to reload it. */
  public ReloadableFile<AclFile> file() {
    return file;
  }

  @Override
  public boolean mayPublish(String clientId, @Nullable String userName, String topic) {
    return file.current().mayPublish(clientId, userName, topic);
  }

  @Override
  public boolean maySubscribe(String clientId, @Nullable String userName, String filter) {
    return file.current().maySubscribe(clientId, userName, filter);
  }

  @Override
  public boolean mayReceive(String clientId, @Nullable String userName, String topic) {
    return file.current().mayReceive(clientId, userName, topic);
  }

  @Override
  public String toString() {
    return "AclAuthorizer[" + file.path() + "]";
  }
}
