package dev.parley.cache;

/**
 * Implemented by a {@link dev.parley.chat.StreamHandler} that wants to know when a model behind a
 * {@link ResponseCache} answers from the cache: {@link #onCachedReply()} is called before the cached
 * reply is replayed to it. Metrics use it to count only what a model generated, and to leave
 * replays, which take no time, out of generation speeds.
 */
@FunctionalInterface
public interface CachedReplyListener {
  /** The reply about to be streamed comes from the cache, not the model. */
  void onCachedReply();
}
