/**
 * Authentication by an HTTP service ({@code auth.http}): {@link
 * dev.midge.broker.auth.http.HttpAuthenticator}.
 */
@NullMarked
package dev.midge.broker.auth.http;

import org.jspecify.annotations.NullMarked;
