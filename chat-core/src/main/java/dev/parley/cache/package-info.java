/** {@link dev.parley.cache.ResponseCache}: replies to repeated deterministic requests, on Caffeine. */
@NullMarked
package dev.parley.cache;

import org.jspecify.annotations.NullMarked;
