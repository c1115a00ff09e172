@NullMarked
package dev.midge.broker.will;

import org.jspecify.annotations.NullMarked;
