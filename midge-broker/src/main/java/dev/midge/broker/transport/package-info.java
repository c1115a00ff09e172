@NullMarked
package dev.midge.broker.transport;

import org.jspecify.annotations.NullMarked;
