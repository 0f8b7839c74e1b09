/**
 * Parley's token buckets in Redis, shared by every instance of a service: {@code
 * dev.parley.ratelimit.redis}'s {@code RedisRateLimiter}.
 */
@SuppressWarnings("requires-transitive-automatic") // Lettuce is an automatic module
module dev.parley.ratelimit.redis {
  requires transitive dev.parley.core;
  requires transitive dev.parley.ratelimit;
  requires transitive lettuce.core; // builder(StatefulRedisConnection) takes a caller's Lettuce connection
  requires dev.failsafe.core;
  requires org.slf4j;

  exports dev.parley.ratelimit.redis;
}
