/**
 * Parley's rate limiting: the {@link dev.parley.ratelimit.RateLimiter} API, its {@code Decision}
 * values, HTTP headers, and the in-memory {@link dev.parley.ratelimit.TokenBucketRateLimiter}.
 * Depends on no other Parley module: a service can limit anything with it, not only chats.
 */
@SuppressWarnings("module") // the Redis module is not on this module's path when it is compiled
module dev.parley.ratelimit {
  requires transitive org.jspecify;
  requires com.github.benmanes.caffeine;

  exports dev.parley.ratelimit;
  // Argument checks shared with the Redis limiter, not API.
  exports dev.parley.ratelimit.internal to dev.parley.ratelimit.redis;
}
