package dev.parley.llama;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Saved states by the tokens their cells hold, to find the one that shares the longest prefix with a
 * prompt whoever sends it: a client that resends the whole history every turn (OpenAI's {@code /v1})
 * gets its earlier turns' cells back as a client that names its conversation does.
 *
 * <p>Block hashes, as vLLM's prefix cache keys its KV blocks: the tokens are cut into blocks of
 * {@value #BLOCK}, and block {@code k} is keyed by a hash chained over blocks {@code 1..k}, so equal
 * keys mean (up to a collision, which the tokens compared afterwards rule out) equal prefixes. A
 * lookup walks the prompt's blocks while some state holds the same chain, then compares the tokens
 * past the last common block. Its cost grows with the prompt's length, not with the states held.
 * A state shorter than one block is not indexed: restoring it would save less than it costs.
 *
 * <p>Thread-safe (one lock): the decode loop looks states up and indexes them, and the spill
 * folder's writer forgets the states it loses.
 */
final class PrefixIndex {
  /** Tokens per block: the shortest prefix worth a restore, and the granularity of a lookup's walk. */
  static final int BLOCK = 32;

  /** What a lookup found: the state's key, how many tokens it shares with the prompt, its length. */
  record Match(String key, int shared, int length) {}

  private static final class Entry {
    final String key;
    final int[] tokens;
    /** The chain hash of each full block. */
    final long[] chain;

    Entry(String key, int[] tokens, long[] chain) {
      this.key = key;
      this.tokens = tokens;
      this.chain = chain;
    }
  }

  /** A block's key from the key of the blocks before it and the block's tokens. */
  @FunctionalInterface
  interface BlockHash {
    long next(long previous, int[] tokens, int from);
  }

  private final BlockHash hash;
  private final Map<String, Entry> byKey = new HashMap<>();
  /** Chain hash of blocks 1..k: the entries that hold that prefix. */
  private final Map<Long, Set<Entry>> byChain = new HashMap<>();

  PrefixIndex() {
    this(PrefixIndex::fnvMix);
  }

  /** With another block hash: tests give one that collides. */
  PrefixIndex(BlockHash hash) {
    this.hash = hash;
  }

  /**
   * Indexes {@code tokens} (kept, not copied) under {@code key}, replacing what the key held; a
   * state shorter than one block only removes the key's old entry.
   */
  synchronized void put(String key, int[] tokens) {
    remove(key);
    if (tokens.length < BLOCK) {
      return;
    }
    Entry e = new Entry(key, tokens, chain(tokens, tokens.length / BLOCK));
    byKey.put(key, e);
    for (long h : e.chain) {
      byChain.computeIfAbsent(h, x -> new LinkedHashSet<>()).add(e);
    }
  }

  /** Forgets {@code key}. */
  synchronized void remove(String key) {
    Entry e = byKey.remove(key);
    if (e != null) {
      unlink(e);
    }
  }

  /**
   * Forgets {@code key} if it still indexes this very array (a newer state under the same key stays).
   *
   * @return whether it was forgotten
   */
  synchronized boolean remove(String key, int[] tokens) {
    Entry e = byKey.get(key);
    if (e == null || e.tokens != tokens) {
      return false;
    }
    byKey.remove(key);
    unlink(e);
    return true;
  }

  private void unlink(Entry e) {
    for (long h : e.chain) {
      Set<Entry> at = byChain.get(h);
      if (at != null) {
        at.remove(e);
        if (at.isEmpty()) {
          byChain.remove(h);
        }
      }
    }
  }

  /** States indexed. */
  synchronized int size() {
    return byKey.size();
  }

  /**
   * The state that shares the longest prefix with {@code prompt}, at least one block; among equals,
   * the shortest (the least to restore). Null if none shares a block.
   */
  synchronized @Nullable Match longest(int[] prompt) {
    long[] chain = chain(prompt, prompt.length / BLOCK);
    int depth = 0;
    while (depth < chain.length && byChain.containsKey(chain[depth])) {
      depth++;
    }
    // From the deepest common block back: a hash collision fails the comparison, a shallower block may not.
    for (int k = depth; k >= 1; k--) {
      Entry best = null;
      int bestShared = -1;
      for (Entry e : byChain.get(chain[k - 1])) {
        int verified = common(e.tokens, prompt, 0, k * BLOCK);
        if (verified < k * BLOCK) {
          continue;
        }
        int shared = common(e.tokens, prompt, k * BLOCK, Integer.MAX_VALUE);
        if (shared > bestShared || (shared == bestShared && e.tokens.length < best.tokens.length)) {
          best = e;
          bestShared = shared;
        }
      }
      if (best != null) {
        return new Match(best.key, bestShared, best.tokens.length);
      }
    }
    return null;
  }

  /**
   * The keys other than {@code except} whose whole tokens are a prefix of {@code tokens}: states a
   * state of {@code tokens} makes redundant.
   */
  synchronized List<String> prefixesOf(int[] tokens, String except) {
    List<String> found = new ArrayList<>();
    long[] chain = chain(tokens, tokens.length / BLOCK);
    for (int k = 1; k <= chain.length; k++) {
      Set<Entry> at = byChain.get(chain[k - 1]);
      if (at == null) {
        break;
      }
      for (Entry e : at) {
        if (e.chain.length == k && !e.key.equals(except) && e.tokens.length <= tokens.length
            && common(e.tokens, tokens, 0, e.tokens.length) == e.tokens.length) {
          found.add(e.key);
        }
      }
    }
    return found;
  }

  /** How many of {@code a} and {@code b} are equal from {@code from} on, counted from 0, up to {@code to}. */
  private static int common(int[] a, int[] b, int from, int to) {
    int n = Math.min(to, Math.min(a.length, b.length));
    int i = from;
    while (i < n && a[i] == b[i]) {
      i++;
    }
    return i;
  }

  /** The chain hashes of the first {@code blocks} blocks of {@code tokens}. */
  private long[] chain(int[] tokens, int blocks) {
    long[] out = new long[blocks];
    long h = 0x9E3779B97F4A7C15L;
    for (int k = 0; k < blocks; k++) {
      h = hash.next(h, tokens, k * BLOCK);
      out[k] = h;
    }
    return out;
  }

  /** FNV-1a over the block's tokens, then SplitMix64's finalizer: every bit reaches every bit of the key. */
  private static long fnvMix(long previous, int[] tokens, int from) {
    long z = previous;
    for (int i = from, end = from + BLOCK; i < end; i++) {
      z = (z ^ tokens[i]) * 0x100000001B3L;
    }
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
