/** The offline-push webhook: tells an application server that messages wait for an offline client. */
@NullMarked
package dev.midge.broker.webhook;

import org.jspecify.annotations.NullMarked;
