@NullMarked
package dev.midge.broker.retain;

import org.jspecify.annotations.NullMarked;
