/**
 * Rate limiting by key: {@link dev.parley.ratelimit.RateLimiter}, {@link
 * dev.parley.ratelimit.Limit}, {@link dev.parley.ratelimit.Decision} and the in-memory {@link
 * dev.parley.ratelimit.TokenBucketRateLimiter}.
 */
@NullMarked
package dev.parley.ratelimit;

import org.jspecify.annotations.NullMarked;
