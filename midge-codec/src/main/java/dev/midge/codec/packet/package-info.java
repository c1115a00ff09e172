@NullMarked
package dev.midge.codec.packet;

import org.jspecify.annotations.NullMarked;
