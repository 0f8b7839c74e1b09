package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.Message;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Conversation state on today's families: a conversation whose sequence went to others and whose
 * saved KV state came back replies as a recomputation of its whole prompt does. Runs on the JDK
 * 22+ only.
 */
class FfmModelFamiliesTest {
  private static final GenerationOptions GREEDY = GenerationOptions.builder().temperature(0).maxTokens(12).build();

  @TempDir Path temp;

  /**
   * The file's own Jinja template writes the prompt (Qwen3's, as published), and markers a user
   * types stay text.
   */
  @Test
  void theFilesOwnTemplateWritesThePromptAndTypedMarkersStayText() {
    Path file = ModelFamilies.write("qwen3", temp);
    try (LlamaChatModel model = LlamaChatModel.builder(file).contextSize(256).slots(1).threads(2).build()) {
      assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", model.render(List.of(Message.user("Hi"))));
      assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
          model.render(List.of(Message.system("Be brief."), Message.user("Hi"))));
      int imEnd = model.tokenize("<|im_end|>")[0];
      int[] plain = model.tokenize(model.render(List.of(Message.user("ab"))));
      int[] typed = model.tokenize(model.render(List.of(Message.user("a<|im_end|>b"))));
      assertEquals(IntStream.of(plain).filter(t -> t == imEnd).count(), IntStream.of(typed).filter(t -> t == imEnd).count(),
          "only the template's own end-of-turn markers are control tokens");
      List<Message> hi = List.of(Message.user("Hi"));
      assertEquals(model.countTokens(hi), model.generate(new ChatRequest(hi, GREEDY)).usage().promptTokens(),
          "the prompt decoded is the one the template wrote");
    }
  }

  /**
   * An auto tool choice leaves the reply free until it opens a call, then keeps the call valid
   * (llama.cpp's lazy grammar; Llama 3.1's calls are a JSON object the reply starts with): a bias
   * makes the random model open one at once, and what follows is a call that parses, where random
   * weights alone would write anything after the brace.
   */
  @Test
  void anAutoToolChoiceConstrainsTheCallOnceTheModelOpensOne() throws Exception {
    Path file = ModelFamilies.write("llama", temp);
    try (LlamaChatModel model = LlamaChatModel.builder(file).contextSize(512).slots(1).threads(2).build()) {
      int[] brace = model.tokenize("{");
      assertEquals(1, brace.length, "'{' is one token in Llama 3's vocabulary");
      dev.parley.chat.ToolSpecification weather = new dev.parley.chat.ToolSpecification("get_weather", "Weather.",
          "{\"type\":\"object\",\"properties\":{\"city\":{\"enum\":[\"Paris\",\"Lyon\"]}},\"required\":[\"city\"],"
              + "\"additionalProperties\":false}");
      GenerationOptions auto = GenerationOptions.builder().temperature(0).maxTokens(64).tools(weather)
          .toolChoice(dev.parley.chat.ToolChoice.AUTO).logitBias(java.util.Map.of(brace[0], 100)).build();
      ChatResponse r = model.generate(new ChatRequest(List.of(Message.user("Weather in Paris?")), auto));
      assertEquals(dev.parley.chat.FinishReason.TOOL_CALLS, r.finishReason(), r.toString());
      assertEquals("get_weather", r.toolCalls().get(0).name());
      String city = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.toolCalls().get(0).arguments())
          .path("city").asText();
      assertTrue(city.equals("Paris") || city.equals("Lyon"), r.toolCalls().toString());
      // Without a tool to call, the same bias writes braces: the grammar, not the bias, made the call.
      ChatResponse free = model.generate(new ChatRequest(List.of(Message.user("Weather in Paris?")),
          GenerationOptions.builder().temperature(0).maxTokens(8).logitBias(java.util.Map.of(brace[0], 100)).build()));
      assertEquals("{".repeat(8), free.text());
    }
  }

  /**
   * A long free reply under an auto tool choice: llama.cpp searches the whole reply for the call's
   * marker at every token, and that search must stay shallow however long the reply grows.
   */
  @Test
  void aLongFreeReplyUnderAnAutoChoiceEndsNormally() {
    Path file = ModelFamilies.write("qwen3", temp);
    try (LlamaChatModel model = LlamaChatModel.builder(file).contextSize(1024).slots(1).threads(2).build()) {
      GenerationOptions auto = GenerationOptions.builder().temperature(0.9).seed(11).maxTokens(700)
          .tools(dev.parley.chat.ToolSpecification.of("now", "The time.")).toolChoice(dev.parley.chat.ToolChoice.AUTO)
          .build();
      ChatResponse r = model.generate(new ChatRequest(List.of(Message.user("Tell me a long story.")), auto));
      assertTrue(r.usage().completionTokens() > 0, r.toString());
      assertTrue(r.finishReason() == dev.parley.chat.FinishReason.LENGTH || r.finishReason() == dev.parley.chat.FinishReason.STOP
          || r.finishReason() == dev.parley.chat.FinishReason.TOOL_CALLS, r.toString());
    }
  }

  /**
   * Tools under an auto choice beside a JSON Schema response format, as LangChain4j's AI services
   * send them for a typed answer: each reply is a call that parses or an answer that fits the schema,
   * in the family's own call syntax (Qwen3's marker, Llama 3.1's bare JSON, the generic one on Gemma).
   */
  @ParameterizedTest
  @ValueSource(strings = {"qwen3", "gemma3", "llama"})
  void anAutoChoiceUnderAJsonSchemaRepliesWithACallOrThatJson(String architecture) throws Exception {
    Path file = ModelFamilies.write(architecture, temp);
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    dev.parley.chat.ToolSpecification weather = new dev.parley.chat.ToolSpecification("get_weather", "Weather.",
        "{\"type\":\"object\",\"properties\":{\"city\":{\"enum\":[\"Paris\",\"Lyon\"]}},\"required\":[\"city\"],"
            + "\"additionalProperties\":false}");
    dev.parley.chat.ResponseFormat answer = dev.parley.chat.ResponseFormat.jsonSchema("forecast",
        "{\"type\":\"object\",\"properties\":{\"sky\":{\"enum\":[\"SUNNY\",\"RAINY\"]}},\"required\":[\"sky\"],"
            + "\"additionalProperties\":false}", true);
    try (LlamaChatModel model = LlamaChatModel.builder(file).contextSize(512).slots(1).threads(2).build()) {
      for (long seed = 1; seed <= 4; seed++) {
        ChatResponse r = model.generate(new ChatRequest(List.of(Message.user("Weather in Paris?")),
            GenerationOptions.builder().temperature(0.9).seed(seed).maxTokens(96).tools(weather)
                .toolChoice(dev.parley.chat.ToolChoice.AUTO).responseFormat(answer).build()));
        if (r.finishReason() == dev.parley.chat.FinishReason.TOOL_CALLS) {
          String city = json.readTree(r.toolCalls().get(0).arguments()).path("city").asText();
          assertTrue(city.equals("Paris") || city.equals("Lyon"), architecture + " seed " + seed + ": " + r);
        } else {
          assertEquals(dev.parley.chat.FinishReason.STOP, r.finishReason(), architecture + " seed " + seed + ": " + r);
          String sky = json.readTree(r.text()).path("sky").asText();
          assertTrue(sky.equals("SUNNY") || sky.equals("RAINY"), architecture + " seed " + seed + ": " + r);
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"qwen3", "qwen3moe", "gemma3", "llama"})
  void aRestoredStateRepliesAsARecomputation(String architecture) {
    Path file = ModelFamilies.write(architecture, temp);
    List<String> ids = List.of("a", "b", "c");
    // Fused attention sums in an order that depends on how the prompt was split into steps, so a
    // restored prefix and a recomputed one may differ in the last bits: off, they must be equal.
    try (LlamaChatModel model = LlamaChatModel.builder(file).contextSize(512).slots(1).threads(2)
            .flashAttention(false).build();
        LlamaChatModel fresh = LlamaChatModel.builder(file).contextSize(512).slots(1).threads(2)
            .flashAttention(false).promptCache(false).build()) {
      List<List<Message>> histories = new ArrayList<>();
      for (String id : ids) {
        List<Message> h = new ArrayList<>(List.of(Message.system("You are assistant " + id + "."),
            Message.user("Conversation " + id + ": what is the weather like on the coast in spring?")));
        h.add(model.generate(new ChatRequest(h, GREEDY, id)).toMessage());
        h.add(Message.user("And in autumn, for conversation " + id + "?"));
        histories.add(h);
      }
      for (int i = 0; i < ids.size(); i++) {
        List<Message> h = histories.get(i);
        ChatResponse r = model.generate(new ChatRequest(h, GREEDY, ids.get(i)));
        assertEquals(fresh.generate(new ChatRequest(h, GREEDY)).text(), r.text(),
            architecture + ", conversation " + ids.get(i) + ": restored cells reply as a recomputation");
      }
      EngineStatistics s = model.statistics();
      assertEquals(3, s.statesRestored(), architecture + ": each returning conversation came back from its state " + s);
      assertTrue(s.promptTokensReused() > 0, s.toString());
    }
  }
}
