@NullMarked
package dev.midge.broker.routing;

import org.jspecify.annotations.NullMarked;
