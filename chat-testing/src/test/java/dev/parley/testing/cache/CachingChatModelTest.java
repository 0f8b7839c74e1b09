package dev.parley.testing.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.parley.cache.ResponseCache;
import dev.parley.chat.ChatModel;
import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.testing.FakeChatModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The cache decorating a fake model that counts its calls. In chat-testing because the fakes are
 * (chat-core's own tests cannot depend on them); the cache's logic is tested in chat-core.
 */
class CachingChatModelTest {
  private static final GenerationOptions GREEDY = GenerationOptions.builder().temperature(0).maxTokens(32).build();

  private static ChatRequest ask(String text, GenerationOptions options) {
    return new ChatRequest(List.of(Message.user(text)), options);
  }

  @Test
  void decoratedModelServesRepeatsFromTheCacheBlockingAndStreaming() throws Exception {
    FakeChatModel model = FakeChatModel.thatEchoes();
    ResponseCache cache = ResponseCache.builder().build();
    ChatModel cached = cache.decorate(model);

    assertEquals("ping", cached.generate(ask("ping", GREEDY)).text());
    assertEquals("ping", cached.generate(ask("ping", GREEDY)).text());
    assertEquals(1, model.requests().size());

    List<String> tokens = new ArrayList<>();
    ChatResponse streamed = cached.stream(ask("ping", GREEDY), new dev.parley.chat.StreamHandler() {
      @Override public void onToken(String token) { tokens.add(token); }
      @Override public void onComplete(ChatResponse response) {}
      @Override public void onError(dev.parley.chat.ParleyException error) {}
    }).completion().toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertEquals("ping", streamed.text());
    assertEquals(List.of("ping"), tokens);
    assertEquals(1, model.requests().size(), "a streamed repeat is replayed from the cache");

    ChatResponse miss = cached.stream(ask("pong pang", GREEDY), dev.parley.chat.StreamHandler.ignoringTokens())
        .completion().toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertEquals("pong pang", miss.text());
    assertEquals("pong pang", cached.generate(ask("pong pang", GREEDY)).text());
    assertEquals(2, model.requests().size(), "a streamed miss is cached once complete");
  }
}
