@NullMarked
package dev.midge.codec.topic;

import org.jspecify.annotations.NullMarked;
