/**
 * Micrometer meters for Parley: {@link dev.parley.micrometer.ResponseCacheMetrics}, {@link
 * dev.parley.micrometer.CircuitBreakerMetrics}, {@link dev.parley.micrometer.ModelPoolMetrics},
 * {@link dev.parley.micrometer.RateLimiterMetrics} and {@link dev.parley.micrometer.PipelineMetrics}.
 * Meter names start with {@code parley.}; every gauge holds its source strongly.
 */
@NullMarked
package dev.parley.micrometer;

import org.jspecify.annotations.NullMarked;
