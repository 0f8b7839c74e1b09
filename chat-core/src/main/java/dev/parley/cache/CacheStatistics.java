package dev.parley.cache;

/**
 * Counts since the cache was built.
 *
 * @param hits lookups answered from the cache, including concurrent identical requests that waited
 *     for one shared generation
 * @param misses lookups that generated a reply
 * @param bypasses requests not cached because they are not deterministic
 * @param evictions entries removed for size or age
 */
public record CacheStatistics(long hits, long misses, long bypasses, long evictions) {
  /** hits / (hits + misses), or 0 before any lookup. */
  public double hitRate() {
    long lookups = hits + misses;
    return lookups == 0 ? 0.0 : (double) hits / lookups;
  }
}
