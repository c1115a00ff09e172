/**
 * The {@code midge} command line: {@link dev.midge.cli.Midge} and its subcommands. The only
 * package that writes to stdout and stderr and that picks a logging backend (Logback); a test
 * checks that no other package does either.
 */
@NullMarked
package dev.midge.cli;

import org.jspecify.annotations.NullMarked;
