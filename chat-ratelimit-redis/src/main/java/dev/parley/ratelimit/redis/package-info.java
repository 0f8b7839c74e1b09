/** {@link dev.parley.ratelimit.redis.RedisRateLimiter}: rate limits shared through Redis. */
@NullMarked
package dev.parley.ratelimit.redis;

import org.jspecify.annotations.NullMarked;
