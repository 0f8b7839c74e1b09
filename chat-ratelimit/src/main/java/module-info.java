/**
 * Parley's rate limiting: the {@link dev.parley.ratelimit.RateLimiter} API, its {@code Decision}
 * values, HTTP headers, and the in-memory {@link dev.parley.ratelimit.TokenBucketRateLimiter}.
 * Depends on no other Parley module: a service can limit anything with it, not only chats.
 */
module dev.parley.ratelimit {
  requires transitive org.jspecify;
  requires com.github.benmanes.caffeine;

  exports dev.parley.ratelimit;
}
