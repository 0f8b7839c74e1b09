package dev.parley.llama;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a request's prompt starts computing in {@link FfmEngine}: the sequence the request takes is
 * given the longest prefix of the prompt that can be had without computing (what it holds, a saved
 * state, another sequence's cells), and the cells the request would overwrite are saved first into
 * the {@link StateCache}. Loop thread only; the counters are read by the engine's statistics.
 */
final class PromptReuse {
  private static final Logger LOG = LoggerFactory.getLogger(FfmEngine.class);
  private final LlamaLibrary lib;
  private final MemorySegment context;
  private final MemorySegment memory;
  private final Sequence[] seqs;
  private final EngineConfig config;
  private final boolean kvUnified;
  private final int slidingWindow;
  /** Whether a prompt may compute again cached tokens for ggml's tiled attention ({@link TiledPrompt}). */
  private final boolean tiledPrompts;
  private final @Nullable StateCache states;
  /** Where saved states and checkpoints get their memory. */
  private final StateMemory blocks;
  private volatile long promptTokens;
  private volatile long promptTokensReused;
  private volatile long stateNanos;

  /**
   * @param kvUnified whether the sequences share one buffer of cells (else a stream each)
   * @param slidingWindow the model's sliding attention window in tokens, 0 for none
   * @param tiledPrompts whether a prompt may compute again cached tokens for ggml's tiled attention
   *     ({@link TiledPrompt}): its cells can be cut back anywhere and the layers run on the CPU
   * @param states saved states, or null when the engine keeps none
   * @param blocks the memory states and checkpoints are copied into
   */
  PromptReuse(LlamaLibrary lib, MemorySegment context, MemorySegment memory, Sequence[] seqs, EngineConfig config,
      boolean kvUnified, int slidingWindow, boolean tiledPrompts, @Nullable StateCache states, StateMemory blocks) {
    this.lib = lib;
    this.context = context;
    this.memory = memory;
    this.seqs = seqs;
    this.config = config;
    this.kvUnified = kvUnified;
    this.slidingWindow = slidingWindow;
    this.tiledPrompts = tiledPrompts;
    this.states = states;
    this.blocks = blocks;
  }

  /** Prompt tokens of the requests prepared. */
  long promptTokens() {
    return promptTokens;
  }

  /** Of {@link #promptTokens()}, those that were not computed: cells kept, restored or shared. */
  long promptTokensReused() {
    return promptTokensReused;
  }

  /** Nanoseconds spent saving and restoring states. */
  long stateNanos() {
    return stateNanos;
  }

  /**
   * Makes {@code target}'s cells the longest prefix of the request's prompt that can be had without
   * computing: what it holds, a saved state (its conversation's, or the one sharing the longest
   * prefix with the prompt), or another sequence's cells. Cells the request would overwrite are
   * saved first.
   */
  void prepare(Sequence target, Request r) {
    target.prime = null; // what was primed is in the cells, which the request's prompt is matched against
    boolean same = r.conversation != null && r.conversation.equals(target.conversation);
    int last = r.tokens.length - 1; // at least one prompt token is decoded: its logits give the first reply token
    if (!same && target.cachedLength > 0
        && (target.conversation != null || Math.min(target.sharedPrefix(r.tokens), last) < target.cachedLength)) {
      save(target); // what the request would overwrite, with its checkpoint
    }
    SavedState checkpoint = target.checkpoint; // valid while the cells before it are the sequence's own
    target.checkpoint = null;
    boolean replaced = false;
    StateCache cache = states;
    if (!same && cache != null) {
      int live = 0;
      if (config.promptCache()) {
        for (Sequence s : seqs) {
          live = Math.max(live, Math.min(s.sharedPrefix(r.tokens), last));
        }
      }
      StateCache.Hit hit = config.promptCache() || r.conversation != null ? cache.find(r.conversation, r.tokens, live)
          : null;
      boolean restored = false;
      if (hit != null) {
        replaced = true;
        restored = restore(target, hit.state());
        if (restored && hit.state().checkpoint != null) {
          // The restored cells come with the checkpoint taken in their prompt: it serves them now.
          if (checkpoint != null) {
            checkpoint.free();
          }
          checkpoint = hit.owned() ? hit.state().checkpoint : hit.state().checkpoint.copy();
          if (hit.owned()) {
            hit.state().checkpoint = null;
          }
          replaced = false;
        }
        cache.done(hit, restored);
      }
      if (r.conversation != null && !restored) {
        cache.missed();
      }
    }
    target.conversation = r.conversation;
    int keep = config.promptCache() ? Math.min(target.sharedPrefix(r.tokens), last) : 0;
    if (config.promptCache()) {
      Sequence donor = null;
      int donorShared = keep;
      for (Sequence s : seqs) {
        int shared = s == target ? 0 : Math.min(s.sharedPrefix(r.tokens), last);
        if (shared > donorShared) {
          donor = s;
          donorShared = shared;
        }
      }
      if (donor != null && (kvUnified || donorShared - keep >= PrefixIndex.BLOCK)) {
        // The same system prompt (or more) computed for another conversation: share its cells. In
        // one buffer the cells are shared as they are; between streams the donor's whole stream
        // is copied (llama-server copies its slots so) and the rest trimmed below.
        boolean ignored = lib.memorySeqRm(memory, target.id, 0, -1);
        replaced = true;
        if (kvUnified) {
          lib.memorySeqCp(memory, donor.id, target.id, 0, donorShared);
        } else {
          lib.memorySeqCp(memory, donor.id, target.id, -1, -1);
        }
        System.arraycopy(r.tokens, 0, target.cached, 0, donorShared);
        keep = donorShared;
      }
    }
    if (keep > 0 && slidingWindow > 0 && lacksWindow(target, keep)) {
      // A sliding-window layer kept only its last cells (fullSlidingWindowCache off), and cut
      // back to keep, or copied from a donor up to it, it lacks the ones the next tokens attend
      // to: the prompt is computed from the last checkpoint before keep, else from the start (as
      // llama-server does).
      keep = checkpoint != null && !replaced && restoreCheckpoint(target, checkpoint, keep) ? checkpoint.tokens.length : 0;
    }
    if (tiledPrompts) {
      keep = TiledPrompt.keep(r.tokens.length, keep, config.attentionPerHistoryToken());
    }
    if (checkpoint != null && !replaced && keep >= checkpoint.tokens.length) {
      target.checkpoint = checkpoint; // the cells before it stay: it still serves the next request
    } else if (checkpoint != null) {
      checkpoint.free();
    }
    boolean removed = lib.memorySeqRm(memory, target.id, keep, -1);
    if (!removed) {
      keep = 0;
      boolean ignored = lib.memorySeqRm(memory, target.id, 0, -1);
    }
    if (LOG.isTraceEnabled()) {
      int at = keep;
      LOG.trace("seq {} conversation {}: prompt {} tokens, cached {}, kept {}; at {}: cached {} prompt {}", target.id,
          r.conversation, r.tokens.length, target.cachedLength, keep, at,
          at < target.cachedLength ? Arrays.toString(Arrays.copyOfRange(target.cached, at, Math.min(target.cachedLength, at + 6))) : "-",
          Arrays.toString(Arrays.copyOfRange(r.tokens, at, Math.min(r.tokens.length, at + 6))));
    }
    target.cachedLength = keep;
    target.prefilled = keep;
    promptTokens += r.tokens.length;
    promptTokensReused += keep;
  }

  /**
   * Where a prompt of {@code length} tokens gets its checkpoint: a few tokens before its end (as
   * llama-server takes it), since a template writes the turn the reply opens otherwise once the
   * reply is in the history (Gemma's does); 0 for none.
   */
  static int checkpointAt(int length) {
    return Math.max(0, length - CHECKPOINT_BEFORE_END);
  }

  private static final int CHECKPOINT_BEFORE_END = 4;

  /**
   * Whether the engine keeps checkpoints: the model has sliding-window layers, and they keep only
   * their window's cells, or conversations' states are saved. A saved state holds only the window's
   * cells of those layers either way (llama.cpp writes no others), so without a checkpoint a
   * restored conversation whose next prompt departs before its end (Gemma's template writes the
   * turn the reply opens otherwise once the reply is in the history) is computed from its start.
   */
  boolean takesCheckpoints() {
    return slidingWindow > 0 && (!config.fullSlidingWindowCache() || states != null);
  }

  /**
   * Keeps the sequence's sliding-window cells as they are now, its prompt computed up to {@link
   * #checkpointAt} (llama.cpp's partial state), so that a later request can cut the cells back to
   * here.
   */
  void checkpoint(Sequence s) {
    SavedState old = s.checkpoint;
    s.checkpoint = null;
    if (old != null) {
      old.free();
    }
    long start = System.nanoTime();
    try {
      long size = lib.stateSeqGetSize(context, s.id, LlamaLibrary.STATE_SEQ_PARTIAL_ONLY);
      s.checkpoint = size <= 0 ? null : copyCells(s, size, LlamaLibrary.STATE_SEQ_PARTIAL_ONLY);
    } finally {
      stateNanos += System.nanoTime() - start;
    }
  }

  /**
   * Cuts the sequence's cells back to {@code checkpoint}'s tokens and puts its sliding-window cells
   * back: false (and the cells left to be cleared) if it does not fit what the request keeps.
   */
  private boolean restoreCheckpoint(Sequence target, SavedState checkpoint, int keep) {
    int at = checkpoint.tokens.length;
    if (at > keep || !Arrays.equals(checkpoint.tokens, 0, at, target.cached, 0, at)
        || !lib.memorySeqRm(memory, target.id, at, -1)) {
      return false;
    }
    long start = System.nanoTime();
    try {
      return lib.stateSeqSetData(context, checkpoint.data(), checkpoint.bytes, target.id,
          LlamaLibrary.STATE_SEQ_PARTIAL_ONLY) > 0;
    } finally {
      stateNanos += System.nanoTime() - start;
    }
  }

  /**
   * Whether the sequence's sliding-window cells miss some of those the token at {@code keep}
   * attends to: the window before it (llama-server's test), or all of them.
   */
  private boolean lacksWindow(Sequence target, int keep) {
    int first = lib.memorySeqPosMin(memory, target.id);
    return first < 0 || first > Math.max(0, keep - slidingWindow);
  }

  /**
   * Copies the sequence's cells into the state cache: under its conversation, or, with the prompt
   * cache on, by its tokens alone if it holds a block of them or more.
   */
  void save(Sequence s) {
    StateCache cache = states;
    if (cache == null || s.cachedLength == 0
        || (s.conversation == null && (!config.promptCache() || s.cachedLength < PrefixIndex.BLOCK))) {
      return;
    }
    long start = System.nanoTime();
    try {
      copyOut(s, cache);
    } finally {
      stateNanos += System.nanoTime() - start;
    }
  }

  private void copyOut(Sequence s, StateCache cache) {
    long size = lib.stateSeqGetSize(context, s.id, LlamaLibrary.STATE_SEQ_WHOLE);
    if (!cache.fits(size)) {
      return;
    }
    SavedState state = copyCells(s, size, LlamaLibrary.STATE_SEQ_WHOLE);
    if (state == null) {
      return;
    }
    SavedState c = s.checkpoint;
    if (c != null && c.tokens.length <= s.cachedLength
        && Arrays.equals(c.tokens, 0, c.tokens.length, s.cached, 0, c.tokens.length)) {
      state.checkpoint = c;
      s.checkpoint = null;
    }
    cache.put(s.conversation, state);
  }

  /** The sequence's cells in the parts of the memory {@code flags} name, copied out; null if llama.cpp wrote none. */
  private @Nullable SavedState copyCells(Sequence s, long size, int flags) {
    StateMemory.Block block = blocks.take(size);
    try {
      long written = lib.stateSeqGetData(context, block.segment(), size, s.id, flags);
      if (written <= 0) {
        block.give();
        return null;
      }
      return new SavedState(Arrays.copyOf(s.cached, s.cachedLength), block, written);
    } catch (Throwable e) {
      block.give();
      throw e;
    }
  }

  /** Puts a saved state into {@code target}'s cells; false if llama.cpp refused it. */
  private boolean restore(Sequence target, SavedState state) {
    long start = System.nanoTime();
    try {
      boolean ignored = lib.memorySeqRm(memory, target.id, 0, -1);
      target.cachedLength = 0;
      long read = lib.stateSeqSetData(context, state.data(), state.bytes, target.id, LlamaLibrary.STATE_SEQ_WHOLE);
      if (read == 0) {
        // No run of free cells long enough for it: the prompt is computed instead.
        boolean cleared = lib.memorySeqRm(memory, target.id, 0, -1);
        LOG.debug("llama.cpp could not restore a state of {} tokens into {}", state.tokens.length, config.id());
        return false;
      }
      System.arraycopy(state.tokens, 0, target.cached, 0, state.tokens.length);
      target.cachedLength = state.tokens.length;
      return true;
    } finally {
      stateNanos += System.nanoTime() - start;
    }
  }
}
