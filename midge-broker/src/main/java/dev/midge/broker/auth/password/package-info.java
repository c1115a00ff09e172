/**
 * Mosquitto 2's password file: its hashes ({@link dev.midge.broker.auth.password.PasswordHash},
 * {@code $7$} PBKDF2-HMAC-SHA512 and {@code $6$} salted SHA-512), the file read into memory
 * ({@link dev.midge.broker.auth.password.PasswordFile}), and the authenticator that checks
 * clients against it and reloads it ({@link
 * dev.midge.broker.auth.password.PasswordFileAuthenticator}).
 */
@NullMarked
package dev.midge.broker.auth.password;

import org.jspecify.annotations.NullMarked;
