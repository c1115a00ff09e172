@NullMarked
package dev.midge.broker.connection;

import org.jspecify.annotations.NullMarked;
