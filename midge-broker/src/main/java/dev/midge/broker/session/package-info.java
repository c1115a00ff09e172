@NullMarked
package dev.midge.broker.session;

import org.jspecify.annotations.NullMarked;
