@NullMarked
package dev.midge.broker;

import org.jspecify.annotations.NullMarked;
