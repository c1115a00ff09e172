@NullMarked
package dev.midge.broker.metrics;

import org.jspecify.annotations.NullMarked;
