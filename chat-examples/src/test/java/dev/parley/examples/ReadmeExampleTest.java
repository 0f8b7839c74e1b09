package dev.parley.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.parley.cache.ResponseCache;
import dev.parley.chat.ChatModel;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.memory.ConversationManager;
import dev.parley.resilience.CircuitBreaker;
import dev.parley.sanitize.InputSanitizer;
import dev.parley.sanitize.SanitizationResult;
import dev.parley.testing.FakeChatModel;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The README's example, line for line, so it keeps compiling and working. */
class ReadmeExampleTest {
  private final FakeChatModel backend = FakeChatModel.thatEchoes();

  String readmeExample(String conversationId, String userText) {
    InputSanitizer sanitizer = InputSanitizer.defaults();
    ConversationManager memory = ConversationManager.builder()
        .tokenizer(backend.tokenizer()).maxTokens(2_048).maxMessages(40).build();
    ResponseCache cache = ResponseCache.builder().build();
    ChatModel model = cache.decorate(CircuitBreaker.ofDefaults().decorate(backend, Duration.ofSeconds(60)));

    SanitizationResult input = sanitizer.sanitize(userText);
    if (input instanceof SanitizationResult.Rejected rejected) {
      return rejected.message();
    }
    memory.append(conversationId, Message.user(input.text()));
    ChatResponse reply = model.generate(memory.request(conversationId, GenerationOptions.defaults()));
    memory.append(conversationId, reply.toMessage());
    return reply.text();
  }

  @Test
  void theReadmeExampleAnswersAndRejects() {
    assertEquals("hello there", readmeExample("c", "hello there\u0000"));
    assertEquals("text is empty", readmeExample("c", "   "));
  }
}
