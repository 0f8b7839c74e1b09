package dev.parley.examples.server;

import dev.parley.chat.ChatResponse;
import dev.parley.chat.ToolCallDelta;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Streams one reply over the request's own connection as Server-Sent Events, on the request's
 * thread: the model's thread only queues events, so a slow client never stalls generation, and a
 * write that fails (the client went away) cancels the reply. Events queue from construction; the
 * response is committed by {@link #pump}, so headers (rate limits) can still be set in between, and
 * a turn that is refused is answered with a plain JSON error.
 */
final class EventStream implements ChatService.ReplyRenderer {
  private static final Object END = new Object();

  private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
  private final Context ctx;

  /** Collects the reply's events from now on; nothing is sent before {@link #pump}. */
  EventStream(Context ctx) {
    this.ctx = ctx;
  }

  @Override
  public void onToken(String token) {
    events.add(new Token(token));
  }

  @Override
  public void onReasoning(String text) {
    events.add(new Reasoning(text));
  }

  @Override
  public void onToolCall(ToolCallDelta delta) {
    events.add(delta);
  }

  @Override
  public void onComplete(ChatResponse response) {
    events.add(response);
    events.add(END);
  }

  @Override
  public void onError(ApiError error) {
    events.add(error);
    events.add(END);
  }

  record Token(String text) {}

  record Reasoning(String text) {}

  /**
   * Writes events as they come until the reply ends; {@code render} turns each event (a {@link
   * Token}, a {@link Reasoning}, a {@link ToolCallDelta}, the final {@link ChatResponse} or an {@link
   * ApiError}) into the SSE text to send.
   * Returns false if the client disconnected, in which case {@code onDisconnect} has run.
   */
  boolean pump(Function<Object, String> render, Runnable onDisconnect, String trailer) throws InterruptedException {
    OutputStream out;
    try {
      ctx.status(200);
      ctx.res().setContentType("text/event-stream;charset=utf-8");
      ctx.res().setHeader("Cache-Control", "no-cache");
      ctx.res().setHeader("X-Accel-Buffering", "no");
      out = ctx.res().getOutputStream();
      out.flush(); // commit the headers: the client knows the reply is coming
    } catch (IOException e) {
      onDisconnect.run();
      return false;
    }
    while (true) {
      Object event = events.poll(15, TimeUnit.SECONDS);
      String text;
      if (event == END) {
        text = trailer;
      } else if (event == null) {
        text = ": keep-alive\n\n"; // also finds out whether the client is still there
      } else {
        text = render.apply(event);
      }
      try {
        if (!text.isEmpty()) {
          out.write(text.getBytes(StandardCharsets.UTF_8));
          out.flush();
        }
      } catch (IOException e) {
        onDisconnect.run();
        return false;
      }
      if (event == END) {
        // Complete the response on the wire now (the last chunk), not when the handler returns: a
        // server stopping once its streams have ended must not cut this one's end off.
        try {
          out.close();
        } catch (IOException e) {
          onDisconnect.run();
          return false;
        }
        return true;
      }
    }
  }

  static String event(String name, Object data) {
    return "event: " + name + "\ndata: " + JsonBodies.write(data) + "\n\n";
  }

  Context context() {
    return ctx;
  }
}
