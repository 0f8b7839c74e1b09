package dev.parley.pipeline;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A listener that keeps what it was told. */
class Recorder implements ReplyListener {
  final List<String> tokens = new CopyOnWriteArrayList<>();
  final AtomicInteger ends = new AtomicInteger();
  final CompletableFuture<ReplyResult> end = new CompletableFuture<>();
  volatile String endThread;

  @Override
  public void onToken(String token) {
    tokens.add(token);
  }

  @Override
  public void onEnd(ReplyResult result) {
    ends.incrementAndGet();
    endThread = Thread.currentThread().getName();
    end.complete(result);
  }

  ReplyResult await() throws Exception {
    return end.get(10, TimeUnit.SECONDS);
  }

  String text() {
    return String.join("", tokens);
  }
}
