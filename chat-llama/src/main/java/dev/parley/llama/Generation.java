package dev.parley.llama;

import dev.parley.chat.ChatResponse;
import dev.parley.chat.FinishReason;
import dev.parley.chat.GenerationHandle;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.ParleyException;
import dev.parley.core.internal.StopSequenceMatcher;
import dev.parley.chat.StreamHandler;
import dev.parley.chat.TokenUsage;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One reply as an engine produces it, whichever engine: counts the tokens, applies the stop
 * sequences (text that may begin one is held back, a reply that reaches one ends there and no part
 * of it is streamed), streams the rest to the handler, and ends exactly once.
 *
 * <p>{@link #accept} is called by one thread at a time; {@link #complete} and {@link #fail} may race
 * and the first wins.
 */
abstract class Generation implements GenerationHandle {
  private static final Logger LOG = LoggerFactory.getLogger(Generation.class);

  final int promptTokens;
  final GenerationOptions options;
  private final StreamHandler handler;
  private final CompletableFuture<ChatResponse> done = new CompletableFuture<>();
  private final StopSequenceMatcher stops;
  private int tokens;
  private boolean ended;

  Generation(int promptTokens, GenerationOptions options, StreamHandler handler) {
    this.promptTokens = promptTokens;
    this.options = options;
    this.handler = handler;
    this.stops = new StopSequenceMatcher(options.stopSequences());
  }

  /**
   * Adds one generated token's text ({@code counted}: whether it is a token, not only a flush of
   * the end) and streams what can no longer be part of a stop sequence.
   *
   * @return true if the text now contains a stop sequence: what comes before it has been streamed
   *     and the reply is over
   * @throws HandlerFailure if the handler threw
   */
  final boolean accept(String piece, boolean counted, boolean last) {
    if (counted) {
      tokens++;
    }
    deliver(stops.accept(piece));
    if (stops.stopped()) {
      return true;
    }
    if (last) {
      deliver(stops.flush());
    }
    return false;
  }

  final int tokens() {
    return tokens;
  }

  private void deliver(String piece) {
    if (!piece.isEmpty()) {
      try {
        handler.onToken(piece);
      } catch (RuntimeException e) {
        throw new HandlerFailure(e);
      }
    }
  }

  final synchronized boolean ended() {
    return ended;
  }

  private synchronized boolean end() {
    if (ended) {
      return false;
    }
    ended = true;
    return true;
  }

  /** Ends the reply; text held back for a possible stop sequence and never delivered is dropped. */
  final void complete(FinishReason reason) {
    if (!end()) {
      return;
    }
    ChatResponse r = new ChatResponse(stops.emitted(), reason, new TokenUsage(promptTokens, tokens));
    try {
      handler.onComplete(r);
    } catch (RuntimeException e) {
      LOG.debug("stream handler failed on completion", e);
    }
    done.complete(r);
  }

  final void fail(ParleyException error) {
    if (!end()) {
      return;
    }
    try {
      handler.onError(error);
    } catch (RuntimeException e) {
      LOG.debug("stream handler failed on error", e);
    }
    done.completeExceptionally(error);
  }

  @Override
  public final CompletionStage<ChatResponse> completion() {
    return done.minimalCompletionStage();
  }
}
