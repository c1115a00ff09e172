@NullMarked
package dev.midge.broker.keepalive;

import org.jspecify.annotations.NullMarked;
