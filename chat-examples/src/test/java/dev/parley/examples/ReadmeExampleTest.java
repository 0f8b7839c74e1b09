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

/** The README's first chat, line for line ({@code ReadmeSnippetsTest} compares them), so it keeps compiling and working. */
class ReadmeExampleTest {
  static String readmeExample(String conversationId, String userText) {
    // README:first
    FakeChatModel backend = FakeChatModel.thatEchoes();              // or LlamaChatModel.load(Path.of("model.gguf"))
    InputSanitizer sanitizer = InputSanitizer.defaults();
    ConversationManager memory = ConversationManager.builder()
        .tokenizer(backend.tokenizer()).maxTokens(2_048).maxMessages(40).build();
    ResponseCache cache = ResponseCache.builder().build();
    ChatModel model = cache.decorate(CircuitBreaker.ofDefaults().decorate(backend, Duration.ofSeconds(60)));

    SanitizationResult input = sanitizer.sanitize(userText);         // cleaned, or rejected with a reason
    if (input instanceof SanitizationResult.Rejected rejected) {
      return rejected.message();
    }
    memory.append(conversationId, Message.user(input.text()));       // trims whole old turns to the budget
    ChatResponse reply = model.generate(memory.request(conversationId, GenerationOptions.defaults()));
    memory.append(conversationId, reply.toMessage());
    return reply.text();
    // README:end
  }

  @Test
  void theReadmeExampleAnswersAndRejects() {
    assertEquals("hello there", readmeExample("c", "hello there\u0000"));
    assertEquals("text is empty", readmeExample("c", "   "));
  }
}
