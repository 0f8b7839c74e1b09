/** {@link dev.parley.resilience.CircuitBreaker}: fail fast when a model is failing, on Failsafe. */
@NullMarked
package dev.parley.resilience;

import org.jspecify.annotations.NullMarked;
