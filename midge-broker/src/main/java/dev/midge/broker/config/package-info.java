@NullMarked
package dev.midge.broker.config;

import org.jspecify.annotations.NullMarked;
