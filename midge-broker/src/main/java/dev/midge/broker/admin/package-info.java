/**
 * The broker seen from outside: the HTTP listener with the admin API ({@code /api/v1}), the
 * Prometheus endpoint ({@code /metrics}) and the dashboard ({@code /}), the {@code $SYS} topics,
 * and the history of statistics the dashboard draws.
 */
@NullMarked
package dev.midge.broker.admin;

import org.jspecify.annotations.NullMarked;
