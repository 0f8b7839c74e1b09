package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.FinishReason;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticModelTest {
  @TempDir Path temp;

  private static ChatResponse generate(LlamaChatModel model, int tokens) {
    return model.generate(new ChatRequest(List.of(Message.user("Hello")),
        GenerationOptions.builder().maxTokens(tokens).temperature(0).build()));
  }

  @Test
  void writesThe135mShapeThatLlamaCppLoadsAndRuns() throws Exception {
    SyntheticModel generator = SyntheticModel.builder(TestModels.tiny()).build();
    Path file = generator.write(temp.resolve("synthetic-135m.gguf"));

    long parameters = generator.parameters();
    assertTrue(parameters > 130_000_000L && parameters < 150_000_000L, "about 135M parameters: " + parameters);
    long size = Files.size(file);
    assertTrue(size > parameters && size < parameters * 11 / 10, "Q8_0 is about 1.06 bytes a weight: " + size);

    GgufFile header = GgufFile.read(file);
    long read = 0;
    for (GgufFile.TensorInfo t : header.tensors()) {
      if (!t.name().equals("token_embd.weight")) {
        read += GgufFile.tensorBytes(t.type(), t.elements()).getAsLong();
      }
    }
    assertEquals(read, generator.bytesReadPerToken(), "every tensor in the file but the token embeddings");
    assertTrue(read > 125_000_000L && read < 140_000_000L, "about 133 MB read per token: " + read);
    assertEquals(30, ((Number) header.metadata().get("llama.block_count")).intValue());
    assertEquals(2048, header.contextLength().getAsLong());
    assertEquals(header.array("tokenizer.ggml.tokens").values(),
        GgufFile.read(TestModels.tiny()).array("tokenizer.ggml.tokens").values(), "tokenizer copied");

    try (LlamaChatModel model = LlamaChatModel.builder(file).contextSize(256).threads(1).build()) {
      assertEquals(2, model.countTokens("Hello world"), "the Llama-2 tokenizer came along");
      ChatResponse r = generate(model, 8);
      assertEquals(8, r.usage().completionTokens());
      assertEquals(FinishReason.LENGTH, r.finishReason());
    }
  }

  @Test
  void writesOtherShapes() {
    Path file = SyntheticModel.builder(TestModels.tiny()).layers(2).width(64).feedForward(128).heads(4, 2)
        .context(512).build().write(temp.resolve("small.gguf"));
    try (LlamaChatModel model = LlamaChatModel.builder(file).threads(1).build()) {
      assertEquals(512, model.contextSize());
      assertEquals(4, generate(model, 4).usage().completionTokens());
    }
  }

  @Test
  void rejectsShapesQ8CannotHold() {
    assertThrows(IllegalStateException.class, () -> SyntheticModel.builder(TestModels.tiny()).width(100).build());
    assertThrows(IllegalStateException.class, () -> SyntheticModel.builder(TestModels.tiny()).heads(7, 2).build());
    assertEquals("layers must be > 0, was 0",
        assertThrows(IllegalArgumentException.class, () -> SyntheticModel.builder(TestModels.tiny()).layers(0)).getMessage());
  }

  /** What parameters() and bytesReadPerToken() say is what the file holds, for every architecture. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"llama", "qwen3", "qwen3moe", "gemma3"})
  void itsArithmeticMatchesTheFile(String architecture) {
    SyntheticModel generator = SyntheticModel.builder(TestModels.tiny()).architecture(architecture).layers(2)
        .width(64).feedForward(128).heads(4, 2).experts(4, 2).build();
    GgufFile header = GgufFile.read(generator.write(temp.resolve(architecture + ".gguf")));
    assertEquals(architecture, header.architecture());
    long parameters = 0;
    long read = 0;
    for (GgufFile.TensorInfo t : header.tensors()) {
      parameters += t.elements();
      long bytes = GgufFile.tensorBytes(t.type(), t.elements()).getAsLong();
      if (t.name().endsWith("_exps.weight")) {
        bytes = bytes / 4 * 2; // a token reads the 2 experts it is routed to, of 4
      }
      if (!t.name().equals("token_embd.weight")) {
        read += bytes;
      }
    }
    assertEquals(parameters, generator.parameters());
    assertEquals(read, generator.bytesReadPerToken());
    boolean norms = header.tensors().stream().anyMatch(t -> t.name().equals("blk.0.attn_q_norm.weight"));
    assertEquals(!architecture.equals("llama"), norms, "Qwen3's per-head Q/K norms");
    boolean experts = header.tensors().stream().anyMatch(t -> t.name().equals("blk.0.ffn_gate_exps.weight"));
    assertEquals(architecture.equals("qwen3moe"), experts);
  }
}
