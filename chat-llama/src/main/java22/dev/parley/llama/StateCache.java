package dev.parley.llama;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The KV states of sequences that went to other requests: host memory first, bounded in bytes, then
 * a {@link StateSpill} folder when one is set. A state is found by the conversation it belongs to
 * (a request's {@code conversationId}, a hint) or else by the longest token prefix it shares with a
 * prompt ({@link PrefixIndex}), so a client that resends its history every turn gets its cells back
 * too. A state that a newer one extends is dropped: the newer one serves both.
 *
 * <p>Loop thread only, except {@link #bytes()} and the counters, which any thread reads. Every
 * operation on the memory tier runs on the loop thread, and so do its evictions, so a state the loop
 * holds is never freed under it.
 */
final class StateCache implements AutoCloseable {
  /**
   * A found state. {@code owned}: taken out of the cache (or a copy), the taker frees it ({@link
   * #done}). {@code byConversation}: the request's conversation's own, not found by prefix.
   */
  record Hit(SavedState state, boolean owned, boolean byConversation) {}

  private static final String CONVERSATION = "c:";
  private static final String ANONYMOUS = "p:";

  private final long maxBytes;
  private final @Nullable StateSpill spill;
  private final PrefixIndex index = new PrefixIndex();
  /** Made at the first state kept: an engine whose conversations never outnumber its sequences loads no cache. */
  private @Nullable Cache<String, SavedState> memory;
  private long anonymous;

  private volatile long bytes;
  private volatile long saved;
  private volatile long restored;
  private volatile long restoredByPrefix;
  private volatile long misses;
  private volatile long evicted;

  /**
   * @param spillFolder where states go that memory no longer holds, or null
   * @param blocks the memory states read back from {@code spillFolder} go into
   * @throws IOException if the spill folder cannot be made
   */
  StateCache(long maxBytes, @Nullable Path spillFolder, long spillBytes, String name, StateMemory blocks)
      throws IOException {
    this.maxBytes = maxBytes;
    this.spill = spillFolder == null ? null
        : new StateSpill(spillFolder, spillBytes, name, blocks, (key, tokens) -> index.remove(key, tokens));
  }

  /**
   * Whether a state of {@code size} bytes is worth copying out: one whose block ({@link
   * StateMemory#capacityFor}) is larger than the cache is evicted at once.
   */
  boolean fits(long size) {
    return size > 0 && StateMemory.capacityFor(size) <= maxBytes;
  }

  /** Keeps {@code state}: under its conversation (replacing the one kept before), or by its tokens alone. */
  void put(@Nullable String conversation, SavedState state) {
    String key = conversation != null ? CONVERSATION + conversation : ANONYMOUS + ++anonymous;
    Cache<String, SavedState> cache = memory;
    if (cache == null) {
      memory = cache = newMemoryTier();
    }
    // Indexed first: the memory tier may evict the newcomer itself, and its eviction unindexes it.
    index.put(key, state.tokens);
    if (spill != null) {
      spill.discard(key); // an older state of the conversation
    }
    for (String redundant : index.prefixesOf(state.tokens, key)) {
      if (redundant.startsWith(ANONYMOUS)) {
        forget(redundant);
      }
    }
    cache.put(key, state);
    saved++;
    bytes = weightedSize(cache);
  }

  /**
   * The state to restore for {@code prompt}: its conversation's, else the one sharing the longest
   * prefix with it if that is at least a block more than {@code live} tokens (what a sequence's cells
   * already offer). A state the prompt extends whole is taken out; one it shares only a part of
   * stays for its own conversation, and the hit is a copy or a loan ({@code owned} false).
   */
  @Nullable Hit find(@Nullable String conversation, int[] prompt, int live) {
    if (conversation != null) {
      String key = CONVERSATION + conversation;
      SavedState own = take(key);
      if (own != null) {
        return new Hit(own, true, true);
      }
    }
    // A key whose state both tiers lost (a write that failed) is forgotten and the next best tried.
    for (int tries = 0; tries < 4; tries++) {
      PrefixIndex.Match m = index.longest(prompt);
      if (m == null || Math.min(m.shared(), prompt.length - 1) < live + PrefixIndex.BLOCK) {
        return null;
      }
      boolean whole = m.shared() >= Math.min(m.length(), prompt.length - 1);
      if (whole) {
        SavedState state = take(m.key());
        if (state != null) {
          return new Hit(state, true, false);
        }
      } else {
        Cache<String, SavedState> cache = memory;
        SavedState state = cache == null ? null : cache.getIfPresent(m.key());
        if (state != null) {
          return new Hit(state, false, false);
        }
        state = spill == null ? null : spill.copy(m.key());
        if (state != null) {
          return new Hit(state, true, false);
        }
      }
      index.remove(m.key());
    }
    return null;
  }

  /** Takes the state under {@code key} out of both tiers, or null if neither holds it. */
  private @Nullable SavedState take(String key) {
    Cache<String, SavedState> cache = memory;
    SavedState state = cache == null ? null : cache.asMap().remove(key);
    if (state != null) {
      bytes = weightedSize(cache);
      if (spill != null) {
        spill.discard(key); // an older state written before this one was kept
      }
    } else if (spill != null) {
      state = spill.take(key);
    }
    index.remove(key);
    return state;
  }

  /** Drops the state under {@code key} from both tiers. */
  private void forget(String key) {
    Cache<String, SavedState> cache = memory;
    SavedState state = cache == null ? null : cache.asMap().remove(key);
    if (state != null) {
      state.free();
    }
    if (spill != null) {
      spill.discard(key);
    }
    index.remove(key);
  }

  /** After a restore from {@code hit} (or none): frees what the hit owns. */
  void done(Hit hit, boolean restoredIt) {
    if (hit.owned()) {
      hit.state().free();
    }
    if (restoredIt) {
      restored++;
      if (!hit.byConversation()) {
        restoredByPrefix++;
      }
    }
  }

  /** A request that named its conversation found no state to restore. */
  void missed() {
    misses++;
  }

  private Cache<String, SavedState> newMemoryTier() {
    return Caffeine.newBuilder()
        .maximumWeight(maxBytes)
        .weigher((String key, SavedState state) -> state.weight())
        // Every operation runs on the loop thread, and so do evictions: a state is freed at once.
        .executor(Runnable::run)
        .removalListener((String key, SavedState state, RemovalCause cause) -> {
          // EXPLICIT: taken out (to be restored, as redundant, at close); its taker frees it.
          if (state == null || cause == RemovalCause.EXPLICIT) {
            return;
          }
          if (cause == RemovalCause.SIZE && spill != null) {
            spill.spill(key, state); // frees it once written; the index keeps the key
          } else {
            index.remove(key, state.tokens);
            state.free();
            if (cause.wasEvicted()) {
              evicted++;
            }
          }
        })
        .build();
  }

  private static long weightedSize(Cache<String, SavedState> cache) {
    return cache.policy().eviction().orElseThrow().weightedSize().orElse(0);
  }

  long maxBytes() {
    return maxBytes;
  }

  /** Bytes host memory holds. */
  long bytes() {
    return bytes;
  }

  long saved() {
    return saved;
  }

  long restored() {
    return restored;
  }

  /** Of {@link #restored}, the states found by prompt prefix, not by conversation. */
  long restoredByPrefix() {
    return restoredByPrefix;
  }

  long misses() {
    return misses;
  }

  /** States dropped: evicted from memory with no folder to go to, or lost by the folder. */
  long evicted() {
    return evicted + (spill == null ? 0 : spill.lost());
  }

  @Nullable StateSpill spill() {
    return spill;
  }

  /** Frees every state and deletes the spill folder, waiting up to {@code timeout} for its writer. */
  void close(Duration timeout) {
    Cache<String, SavedState> cache = memory;
    if (cache != null) {
      for (SavedState state : cache.asMap().values()) {
        state.free();
      }
      cache.asMap().clear();
      bytes = 0;
    }
    if (spill != null) {
      spill.close(timeout);
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(10));
  }
}
