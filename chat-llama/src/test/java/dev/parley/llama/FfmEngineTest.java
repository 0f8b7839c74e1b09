package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.FinishReason;
import dev.parley.chat.GenerationHandle;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import dev.parley.chat.StreamHandler;
import dev.parley.testing.contract.RecordingStreamHandler;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What only the FFM engine does: its faults (a full KV cache, a library without a function) and its
 * decode loop's guarantees. Runs on the JDK 22+ only (the build leaves it out of the JDK 17 run).
 */
class FfmEngineTest {
  @TempDir Path temp;

  private static ChatRequest greedy(String prompt, int maxTokens) {
    return new ChatRequest(List.of(Message.user(prompt)),
        GenerationOptions.builder().temperature(0).maxTokens(maxTokens).build());
  }

  private static String promptOf(LlamaChatModel model, int tokens, String topic) {
    StringBuilder text = new StringBuilder(topic);
    while (model.countTokens(List.of(Message.user(text.toString()))) < tokens) {
      text.append(" and ").append(topic);
    }
    return text.toString();
  }

  /**
   * Two conversations whose prompts and replies need more cells than the cache holds: one of them
   * fails with a typed error when its step finds no room, the other is answered in full, and the
   * model goes on serving.
   */
  @Test
  void aFullKvCacheFailsOnlyTheRequestThatFindsNoRoom() throws Exception {
    try (LlamaChatModel model = LlamaChatModel.builder(TestModels.tiny()).contextSize(256).slots(2).kvCells(256)
        .threads(1).build()) {
      assertEquals("ffm", model.engine());
      List<CompletableFuture<ChatResponse>> replies = new ArrayList<>();
      for (String topic : List.of("the sea", "mountains")) {
        replies.add(model.stream(greedy(promptOf(model, 150, topic), 100), StreamHandler.ignoringTokens())
            .completion().toCompletableFuture());
      }
      int failed = 0;
      int answered = 0;
      for (CompletableFuture<ChatResponse> reply : replies) {
        try {
          ChatResponse r = reply.get(60, TimeUnit.SECONDS);
          assertTrue(r.finishReason() == FinishReason.LENGTH || r.finishReason() == FinishReason.STOP, r.toString());
          answered++;
        } catch (ExecutionException e) {
          DecodeFailedException d = assertInstanceOf(DecodeFailedException.class, e.getCause());
          assertTrue(d.returnCode() == 1 || d.returnCode() == -3, "llama_decode's no-room codes: " + d.returnCode());
          assertTrue(d.getMessage().contains("no room in the KV cache"), d.getMessage());
          assertTrue(d.isRetriable());
          failed++;
        }
      }
      assertEquals(1, failed, "exactly one of the two conversations finds no room");
      assertEquals(1, answered);
      assertEquals(FinishReason.LENGTH, model.generate(greedy("Still there?", 8)).finishReason(),
          "the model keeps serving after a failed decode");
    }
  }

  /** A stream handler that never returns holds only its own reply back, not the decode loop. */
  @Test
  void aBlockedHandlerDoesNotHoldTheOtherConversationsBack() throws Exception {
    try (LlamaChatModel model = LlamaChatModel.builder(TestModels.tiny()).contextSize(256).slots(2).threads(1).build()) {
      java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
      GenerationHandle stuck = model.stream(greedy("Tell me a story", 64), new RecordingStreamHandler(t -> {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }));
      ChatResponse other = model.generate(greedy("What is the time?", 32));
      assertEquals(32, other.usage().completionTokens());
      release.countDown();
      assertEquals(64, stuck.completion().toCompletableFuture().get(60, TimeUnit.SECONDS).usage().completionTokens());
    }
  }

  /**
   * A second turn whose prompt starts with the first turn's prompt and reply reuses those cells:
   * the same greedy reply comes back whether the conversation's cells were reused or recomputed.
   */
  @Test
  void aReturningConversationGetsTheSameReplyFromItsCachedCells() throws Exception {
    List<Message> turn1 = List.of(Message.system("You are terse."), Message.user("Name a colour."));
    try (LlamaChatModel cached = LlamaChatModel.builder(TestModels.tiny()).contextSize(512).slots(1).threads(1).build();
        LlamaChatModel fresh = LlamaChatModel.builder(TestModels.tiny()).contextSize(512).slots(1).threads(1)
            .promptCache(false).build()) {
      GenerationOptions greedy = GenerationOptions.builder().temperature(0).maxTokens(16).build();
      ChatResponse first = cached.generate(new ChatRequest(turn1, greedy));
      assertEquals(first.text(), fresh.generate(new ChatRequest(turn1, greedy)).text());
      List<Message> turn2 = new ArrayList<>(turn1);
      turn2.add(first.toMessage());
      turn2.add(Message.user("Another one."));
      assertEquals(fresh.generate(new ChatRequest(turn2, greedy)).text(),
          cached.generate(new ChatRequest(turn2, greedy)).text());
    }
  }

  /** A library that lacks a function of llama.cpp's C API fails the load naming it; the JVM lives. */
  @Test
  void aLibraryWithoutAFunctionFailsTheLoadNamingIt() throws Exception {
    Path notLlama = Path.of(System.getProperty("java.home"), "lib", "libjava.so");
    String out = runProbe("-Dparley.llama.library=" + notLlama);
    assertTrue(out.contains("PROBE ModelLoadException"), out);
    assertTrue(out.contains("has no function llama_backend_init"), out);
    assertTrue(out.contains(notLlama.toString()), out);

    String missing = runProbe("-Dparley.llama.library=" + temp.resolve("nope.so"));
    assertTrue(missing.contains("PROBE ModelLoadException"), missing);
    assertTrue(missing.contains("nope.so, which is not a file"), missing);
  }

  private String runProbe(String option) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path out = temp.resolve("probe-" + System.nanoTime() + ".txt");
    Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", option, "-cp",
        System.getProperty("java.class.path"), LoadProbe.class.getName(), TestModels.tiny().toString())
        .redirectErrorStream(true).redirectOutput(out.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe did not exit");
    String text = Files.readString(out, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), text);
    return text;
  }
}
