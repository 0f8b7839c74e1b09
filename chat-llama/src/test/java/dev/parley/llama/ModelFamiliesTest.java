package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.chat.StreamHandler;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Today's model families on both engines: the FFM engine (llama.cpp 0.4.0) loads them and gives
 * the same greedy tokens to four batched conversations as to one alone; the JNI engine (b4916)
 * refuses the ones it cannot load with an error naming the architecture and the way to run it.
 */
class ModelFamiliesTest {
  @TempDir Path temp;

  private static ChatRequest greedy(String prompt) {
    return new ChatRequest(List.of(Message.user(prompt)),
        GenerationOptions.builder().temperature(0).maxTokens(16).build());
  }

  @ParameterizedTest
  @ValueSource(strings = {"qwen3", "qwen3moe", "gemma3", "llama"})
  void fourBatchedConversationsGetTheTokensOneAloneGets(String architecture) throws Exception {
    Path file = ModelFamilies.write(architecture, temp);
    if (!EngineSelectionTest.ffm() && !architecture.equals("llama")) {
      ModelLoadException e = assertThrows(ModelLoadException.class,
          () -> LlamaChatModel.builder(file).contextSize(512).threads(1).build());
      assertEquals(ModelLoadException.Reason.LOAD_FAILED, e.reason());
      assertTrue(e.getMessage().contains("(architecture " + architecture + ")"), e.getMessage());
      assertTrue(e.getMessage().contains("On JDK 22 or newer the FFM engine runs llama.cpp 0.4.0"), e.getMessage());
      return;
    }
    List<String> prompts = List.of("Tell me about the sea.", "What is a mountain?", "Name three colours.",
        "How do birds fly?");
    List<String> alone = new ArrayList<>();
    try (LlamaChatModel one = LlamaChatModel.builder(file).contextSize(512).slots(1).threads(2)
        .flashAttention(false).build()) {
      for (String p : prompts) {
        alone.add(one.generate(greedy(p)).text());
      }
    }
    assertTrue(alone.stream().mapToInt(String::length).sum() >= 32, "replies with text to compare: " + alone);
    try (LlamaChatModel four = LlamaChatModel.builder(file).contextSize(512).slots(4).threads(2)
        .flashAttention(false).build()) {
      List<CompletableFuture<ChatResponse>> replies = new ArrayList<>();
      for (String p : prompts) {
        replies.add(four.stream(greedy(p), StreamHandler.ignoringTokens()).completion().toCompletableFuture());
      }
      List<String> batched = new ArrayList<>();
      for (CompletableFuture<ChatResponse> r : replies) {
        batched.add(r.get(120, TimeUnit.SECONDS).text());
      }
      assertEquals(alone, batched, architecture + ": batched greedy replies equal the ones decoded alone");
    }
  }
}
