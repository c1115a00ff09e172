@NullMarked
package dev.midge.codec.property;

import org.jspecify.annotations.NullMarked;
