/** Helpers shared by Parley's rate limiters; not API. */
@NullMarked
package dev.parley.ratelimit.internal;

import org.jspecify.annotations.NullMarked;
