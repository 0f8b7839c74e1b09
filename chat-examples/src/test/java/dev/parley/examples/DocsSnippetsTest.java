package dev.parley.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.Message;
import dev.parley.chat.TokenUsage;
import dev.parley.llama.LlamaChatModel;
import dev.parley.llama.TestModels;
import dev.parley.ratelimit.Decision;
import dev.parley.ratelimit.Limit;
import dev.parley.ratelimit.RateLimitHeaders;
import dev.parley.ratelimit.RateLimiter;
import dev.parley.ratelimit.TokenBucketRateLimiter;
import dev.parley.ratelimit.redis.RedisRateLimiter.FailureMode;
import dev.parley.ratelimit.redis.RedisRateLimiter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The snippets of {@code docs/}, compiled here and run where they need no server of their own;
 * {@code ReadmeSnippetsTest} checks that each is on its page word for word.
 */
class DocsSnippetsTest {

  static String realModel(Path modelFile) {
    // README:llama
    try (LlamaChatModel model = LlamaChatModel.builder(modelFile).slots(4).build()) { // a GGUF file
      return model.generate(ChatRequest.of(Message.user("Hello!"))).text();
    }
    // README:end
  }

  /** What a web framework's response is to the snippet: somewhere to put headers. */
  static final class Response {
    final Map<String, String> headers = new LinkedHashMap<>();

    void header(String name, String value) {
      headers.put(name, value);
    }
  }

  static String tooManyRequests(Duration retryAfter) {
    return "429 after " + retryAfter.toSeconds() + " s";
  }

  static String rateLimited(String userId, Response response, ChatResponse reply) {
    // README:ratelimit
    RateLimiter perUser = TokenBucketRateLimiter.builder()
        .limit(Limit.perMinute(20))                                    // 20 a minute, one back every 3 s
        .limit(Limit.perDay(100))                                      // and 100 a day
        .build();

    Decision d = perUser.tryAcquire(userId);                           // never blocks, never throws on a denial
    RateLimitHeaders.of(d).forEach(response::header);                  // RateLimit-*, X-RateLimit-*, Retry-After
    if (!d.allowed()) {
      return tooManyRequests(d.retryAfter());                          // the minute or the day, whichever binds
    }

    RateLimiter tokens = TokenBucketRateLimiter.of(Limit.perDay(100_000)); // LLM tokens per user per day
    tokens.charge(userId, reply.usage().totalTokens());                // after the fact; may go into debt
    // README:end
    return "ok";
  }

  /** Compiled only: it needs a Redis server (chat-ratelimit-redis's own tests start one). */
  static void sharedThroughRedis(String userId) {
    // README:redis
    try (RedisRateLimiter perUser = RedisRateLimiter.builder("redis://127.0.0.1:6379")
        .limit(Limit.perMinute(20)).limit(Limit.perDay(100))
        .timeout(Duration.ofMillis(100))                               // per decision
        .failureMode(FailureMode.LOCAL)                                // or ALLOW (fail open), DENY (fail closed)
        .build()) {
      Decision d = perUser.tryAcquire(userId);
    }
    // README:end
  }

  @Test
  void aRealModelAnswers() {
    assertFalse(realModel(TestModels.tiny()).isEmpty());
  }

  @Test
  void aUserIsLimitedAndToldTheHeaders() {
    Response response = new Response();
    ChatResponse reply = new ChatResponse("hi", dev.parley.chat.FinishReason.STOP, new TokenUsage(3, 2));
    assertEquals("ok", rateLimited("ann", response, reply));
    assertEquals("19", response.headers.get("X-RateLimit-Remaining"), response.headers.toString());
  }
}
