package dev.parley.llama;

import dev.parley.chat.FinishReason;
import dev.parley.chat.GenerationFailedException;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.ParleyException;
import dev.parley.chat.StreamHandler;
import java.lang.foreign.MemorySegment;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * A request to {@link FfmEngine}, and its token delivery: the decode loop pushes each token's bytes
 * and the end into an inbox; one delivery task at a time drains it, joins the bytes into text
 * ({@link Utf8Stream}), checks stop sequences and calls the handler, off the compute threads. A stop
 * sequence or a failing handler marks the request stopped and wakes the loop, which frees its
 * sequence at the next step.
 */
final class Request extends Generation {
  final int[] tokens;
  final @Nullable String conversation;
  /** The GBNF the reply must follow, or null. */
  final @Nullable String grammar;
  /** The regular expression after whose first group's match {@link #grammar} applies (lazy); null: from the start. */
  final @Nullable String grammarTrigger;
  /** Keeps a constrained reply valid UTF-8 (loop thread); null when there is no grammar. */
  final @Nullable Utf8Guard validUtf8;
  /** Loop thread only. */
  @Nullable MemorySegment sampler;
  /** The grammar sampler beside {@link #sampler} for a constrained request (see {@link Sampling}); else null. */
  @Nullable MemorySegment grammarSampler;
  volatile boolean cancelled;
  /** A stop sequence ended the reply (delivery thread): free the sequence. */
  volatile boolean stopped;
  private final ConcurrentLinkedQueue<Object> inbox = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final Utf8Stream utf8 = new Utf8Stream();
  private final Executor delivery;
  /** The decode loop, woken when the request is cancelled or stopped. */
  private final Thread loop;
  /** The engine's requests not yet ended for their handler; this one leaves it when it ends. */
  private final Set<Request> open;

  /** The templated prompt, kept to prepare the conversation's next turn; null when none is. */
  final @Nullable String prompt;
  /** The reply's bytes so far (loop thread), for the same; null when {@link #prompt} is. */
  final java.io.@Nullable ByteArrayOutputStream reply;

  Request(int[] tokens, int promptTokens, @Nullable String conversation, GenerationOptions options,
      @Nullable String grammar, @Nullable String grammarTrigger, StreamHandler handler, @Nullable String prompt,
      Executor delivery, Thread loop,
      Set<Request> open) {
    super(promptTokens, options, handler);
    this.delivery = delivery;
    this.loop = loop;
    this.open = open;
    this.tokens = tokens;
    this.conversation = conversation;
    this.grammar = grammar;
    this.grammarTrigger = grammarTrigger;
    // A lazy grammar leaves the reply free until its trigger: the guard, which may rule a free
    // reply's partial UTF-8 out until no token is left, is for replies constrained from the start.
    this.validUtf8 = grammar == null || grammarTrigger != null ? null : new Utf8Guard();
    this.prompt = prompt;
    this.reply = prompt == null ? null : new java.io.ByteArrayOutputStream();
  }

  void push(byte[] bytes) {
    inbox.add(bytes);
    schedule();
  }

  void end(@Nullable FinishReason reason, @Nullable ParleyException error) {
    inbox.add(error != null ? error : reason);
    schedule();
  }

  private void schedule() {
    if (scheduled.compareAndSet(false, true)) {
      try {
        delivery.execute(this::drain);
      } catch (RejectedExecutionException closed) {
        drain();
      }
    }
  }

  private void drain() {
    do {
      for (Object item; (item = inbox.poll()) != null; ) {
        if (ended()) {
          continue; // a stop sequence or a failing handler ended it: the rest is dropped
        }
        try {
          if (item instanceof byte[] bytes) {
            if (cancelled) {
              continue; // tokens the loop made before it saw the cancel are not streamed
            }
            if (accept(utf8.decode(bytes), true, false)) {
              stopped = true;
              LockSupport.unpark(loop);
              complete(FinishReason.STOP_SEQUENCE);
            }
          } else if (item instanceof ParleyException error) {
            fail(error);
          } else if (cancelled) {
            // Cancelled before the reply was streamed to its end: what the loop made after is
            // dropped, so the reply is a cancelled one, whatever ended the loop's part of it.
            complete(FinishReason.CANCELLED);
          } else {
            boolean stop = accept(utf8.flush(), false, true);
            complete(stop ? FinishReason.STOP_SEQUENCE : (FinishReason) item);
          }
        } catch (HandlerFailure e) {
          stopped = true;
          LockSupport.unpark(loop);
          fail(new GenerationFailedException("stream handler threw " + e.getCause(), e.getCause()));
        }
      }
      scheduled.set(false);
      if (ended()) {
        open.remove(this);
      }
    } while (!inbox.isEmpty() && scheduled.compareAndSet(false, true));
  }

  @Override
  public void cancel() {
    cancelled = true;
    LockSupport.unpark(loop);
  }
}
