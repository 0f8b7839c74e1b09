package dev.parley.examples.server;

import dev.parley.chat.ChatResponse;
import dev.parley.chat.ToolCallDelta;
import dev.parley.openai.ChatCompletionRequest;
import dev.parley.openai.ChatCompletions;
import dev.parley.openai.CompletionStream;
import dev.parley.openai.OpenAiError;
import dev.parley.pipeline.TurnOutcome;
import io.javalin.http.ContentType;
import io.javalin.http.Context;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * {@code POST /v1/chat/completions} (streaming and not) and {@code GET /v1/models} in the shape the
 * OpenAI client libraries read, so they work against this server by changing only the base URL.
 * The wire format is chat-openai's {@link ChatCompletions}; this class is the routing: who the user
 * is, rate limits, the reply, and client disconnects. Requests are stateless, as in OpenAI's API:
 * the client sends the whole conversation each time.
 */
final class OpenAiApi {
  private final ChatService chat;
  private final ChatCompletions api;

  OpenAiApi(ChatService chat) {
    this.chat = chat;
    // User messages are sanitized by the pipeline, with every other turn's.
    this.api = ChatCompletions.builder(chat.runtime.model.id()).maxReplyTokens(chat.maxReplyTokens())
        .defaults(chat.defaultOptions().build()).build();
  }

  void models(Context ctx) {
    ctx.contentType(ContentType.APPLICATION_JSON).result(api.models());
  }

  void completions(Context ctx) throws Exception {
    String user = HttpGuard.user(ctx);
    ChatCompletionRequest request = api.parse(ctx.body());

    if (!request.stream()) {
      CompletableFuture<Object> result = new CompletableFuture<>();
      TurnOutcome.Started started = chat.complete(user, request.messages(), request.options(),
          new ChatService.ReplyRenderer() {
            @Override
            public void onToken(String token) {}

            @Override
            public void onComplete(ChatResponse response) {
              result.complete(response);
            }

            @Override
            public void onError(ApiError error) {
              result.complete(error);
            }
          });
      rateLimitHeaders(ctx, started);
      Object outcome;
      ClientDisconnect.Registration watching = ClientDisconnect.onClose(ctx, started.reply()::cancel);
      try {
        outcome = result.get();
      } catch (InterruptedException | ExecutionException e) {
        started.reply().cancel();
        throw e;
      } finally {
        watching.close();
      }
      if (outcome instanceof ApiError error) {
        throw error;
      }
      // A reply the server cut short is an OpenAiError (503 reply_cancelled), never "stop".
      ctx.contentType(ContentType.APPLICATION_JSON).result(api.completion((ChatResponse) outcome));
      return;
    }

    EventStream events = new EventStream(ctx);
    TurnOutcome.Started started = chat.complete(user, request.messages(), request.options(), events);
    rateLimitHeaders(ctx, started);
    CompletionStream stream = api.stream(request);
    chat.metrics.sseStreams.incrementAndGet();
    try {
      events.pump(event -> {
        if (event instanceof EventStream.Token t) {
          return stream.token(t.text());
        }
        if (event instanceof EventStream.Reasoning r) {
          return stream.reasoning(r.text());
        }
        if (event instanceof ToolCallDelta d) {
          return stream.toolCall(d);
        }
        if (event instanceof ChatResponse r) {
          return stream.end(r);
        }
        return stream.error(openAi((ApiError) event));
      }, started.reply()::cancel, stream.done());
    } finally {
      chat.metrics.sseStreams.decrementAndGet();
    }
  }

  private static void rateLimitHeaders(Context ctx, TurnOutcome.Started started) {
    ChatService.rateLimitHeaders(started.decision(), started.tokens()).forEach(ctx::header);
  }

  /** A server error in OpenAI's error shape (the same code, type and message). */
  static OpenAiError openAi(ApiError e) {
    return new OpenAiError(e.status(), e.code(), null, e.getMessage());
  }
}
