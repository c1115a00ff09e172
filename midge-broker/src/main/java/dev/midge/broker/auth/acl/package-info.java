/**
 * Mosquitto's ACL file ({@code auth.acl-file}): {@link dev.midge.broker.auth.acl.AclFile} reads
 * it, {@link dev.midge.broker.auth.acl.AclAuthorizer} applies it and reloads it.
 */
@NullMarked
package dev.midge.broker.auth.acl;

import org.jspecify.annotations.NullMarked;
