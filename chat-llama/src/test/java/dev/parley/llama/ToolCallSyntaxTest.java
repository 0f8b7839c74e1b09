package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.chat.ToolCall;
import dev.parley.chat.ToolSpecification;
import dev.parley.templates.ChatTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Tool-call syntaxes found by rendering probe calls through the real templates of shared/templates. */
class ToolCallSyntaxTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, JinjaChatFormat> FORMATS = new TreeMap<>();
  private static final Map<String, ToolCallSyntax> SYNTAXES = new TreeMap<>();

  @BeforeAll
  static void deriveEverySharedTemplate() throws IOException {
    Path dir = TestModels.dir().toAbsolutePath().getParent().resolve("templates");
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".jinja"))::iterator) {
        String name = f.getFileName().toString().replace(".jinja", "");
        JinjaChatFormat format = new JinjaChatFormat(ChatTemplate.parse(Files.readString(f)), "<s>", "</s>", false);
        FORMATS.put(name, format);
        ToolCallSyntax s = ToolCallSyntax.derive((messages, tools) -> format.render(messages, tools, false, null));
        if (s != null) {
          SYNTAXES.put(name, s);
        }
      }
    }
  }

  @Test
  void theFamiliesWithJsonCallsAreFound() {
    assertTrue(SYNTAXES.size() >= 25, "syntaxes found for " + SYNTAXES.keySet());
    for (String hermes : List.of("Qwen-Qwen2.5-7B-Instruct", "Qwen-Qwen3-0.6B", "Qwen-QwQ-32B",
        "NousResearch-Hermes-3-Llama-3.1-8B-tool_use", "ibm-granite-granite-4.0")) {
      ToolCallSyntax s = SYNTAXES.get(hermes);
      assertEquals("<tool_call>", s.prefix.strip(), hermes);
      assertEquals("</tool_call>", s.suffix.strip(), hermes);
      assertEquals("name", s.nameKey, hermes);
      assertEquals("arguments", s.argumentsKey, hermes);
    }
    ToolCallSyntax llama = SYNTAXES.get("meta-llama-Llama-3.1-8B-Instruct");
    assertEquals("", llama.prefix);
    assertEquals("parameters", llama.argumentsKey);
    ToolCallSyntax mistral = SYNTAXES.get("mistralai-Mistral-Nemo-Instruct-2407");
    assertEquals("[TOOL_CALLS]", mistral.prefix);
    assertTrue(mistral.inList);
    ToolCallSyntax deepseek = SYNTAXES.get("deepseek-ai-DeepSeek-V3.1");
    assertEquals(ToolCallSyntax.Shape.NAME_BEFORE_ARGUMENTS, deepseek.shape);
    assertEquals("<｜tool▁sep｜>", deepseek.middle);
    ToolCallSyntax gptOss = SYNTAXES.get("openai-gpt-oss-120b");
    assertEquals(ToolCallSyntax.Shape.NAME_BEFORE_ARGUMENTS, gptOss.shape);
    assertEquals("<|call|>", gptOss.suffix);
    ToolCallSyntax devstral = SYNTAXES.get("unsloth-mistral-Devstral-Small-2507");
    assertEquals("[ARGS]", devstral.middle);
    // Templates that write no calls, or write arguments as XML, get the generic JSON syntax.
    assertNull(SYNTAXES.get("Qwen3-Coder"));
    assertNull(SYNTAXES.get("google-gemma-2-2b-it"));
  }

  @Test
  void everyFoundSyntaxReadsBackACallItsTemplateWrites() throws Exception {
    ToolCall call = new ToolCall("abcDEF123", "book_table",
        "{\"restaurant\": \"Chez \\\"Léa\\\"\", \"guests\": 4, \"when\": {\"day\": \"2026-12-24\", \"time\": \"19:30\"}}");
    ToolSpecification tool = new ToolSpecification("book_table", "Books a table.", ToolSpecification.NO_PARAMETERS);
    for (Map.Entry<String, ToolCallSyntax> e : SYNTAXES.entrySet()) {
      JinjaChatFormat format = FORMATS.get(e.getKey());
      String withCall = format.render(List.of(dev.parley.chat.Message.user("Book it."),
          dev.parley.chat.Message.assistant(List.of(call))), List.of(tool), false, null);
      // The reply is what follows the assistant's header: from the call's opening text on.
      int after = withCall.indexOf("Book it.") + "Book it.".length();
      String marker = e.getValue().prefix.strip();
      int start = marker.isEmpty() ? withCall.indexOf("{\"name\"", after) : withCall.indexOf(marker, after);
      ToolCallSyntax.Parsed parsed = e.getValue().parse(withCall.substring(start));
      assertEquals(1, parsed.calls().size(), e.getKey() + ": " + withCall);
      assertEquals("book_table", parsed.calls().get(0).name(), e.getKey());
      assertEquals(JSON.readTree(call.arguments()), JSON.readTree(parsed.calls().get(0).arguments()), e.getKey());
      assertEquals(9, parsed.calls().get(0).id().length(), "ids are 9 letters and digits, as Mistral's templates demand");
    }
  }

  @Test
  void textBeforeTheCallsIsTheContentAndParallelCallsAreAllRead() {
    ToolCallSyntax hermes = SYNTAXES.get("Qwen-Qwen3-0.6B");
    ToolCallSyntax.Parsed p = hermes.parse("Let me check both.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": "
        + "{\"city\": \"Paris\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Lyon\"}}"
        + "\n</tool_call>");
    assertEquals("Let me check both.", p.content());
    assertEquals(List.of("{\"city\":\"Paris\"}", "{\"city\":\"Lyon\"}"), p.calls().stream().map(ToolCall::arguments).toList());
    assertTrue(!p.calls().get(0).id().equals(p.calls().get(1).id()), "each call gets its own id");
  }

  @Test
  void aReplyWithoutAWholeCallIsText() {
    ToolCallSyntax hermes = SYNTAXES.get("Qwen-Qwen3-0.6B");
    String cut = "Sure.\n<tool_call>\n{\"name\": \"get_weather\", \"argu";
    assertEquals(new ToolCallSyntax.Parsed(cut, List.of()), hermes.parse(cut));
    assertEquals(new ToolCallSyntax.Parsed("Just text.", List.of()), hermes.parse("Just text."));
  }

  @Test
  void aLazyGrammarIsTriggeredWhereTheCallOpensAndStartsThere() {
    for (String template : List.of("Qwen-Qwen3-0.6B", "mistralai-Mistral-Nemo-Instruct-2407", "openai-gpt-oss-120b")) {
      ToolCallSyntax s = SYNTAXES.get(template);
      String reply = "Let me look that up. " + s.prefix.strip() + " ...";
      java.util.regex.Matcher m = java.util.regex.Pattern.compile(s.trigger()).matcher(reply);
      assertTrue(m.find(), template + ": " + s.trigger()); // llama.cpp searches the reply for it
      assertEquals(reply.indexOf(s.prefix.strip()), m.start(1), template);
      assertTrue(!java.util.regex.Pattern.compile(s.trigger()).matcher("No call here.").find(), template);
      assertTrue(s.lazyGrammar(List.of(ToolSpecification.of("now", "Time."))).startsWith(
          "root ::= " + JsonSchemaGrammar.quoted(s.prefix.stripLeading())), template);
    }
    ToolCallSyntax llama = SYNTAXES.get("meta-llama-Llama-3.1-8B-Instruct");
    assertTrue(java.util.regex.Pattern.compile(llama.trigger()).matcher("  {\"name\"").find());
    assertTrue(!java.util.regex.Pattern.compile(llama.trigger()).matcher("Text {not a call}").find(),
        "a marker-less call is a JSON object the reply starts with");
  }

  @Test
  void theGenericSyntaxReadsACallOrAnAnswer() {
    ToolCallSyntax.Parsed call = ToolCallSyntax.GENERIC.parse("{\"tool_call\": {\"name\": \"get_time\", \"arguments\": {}}}");
    assertEquals("get_time", call.calls().get(0).name());
    assertEquals("{}", call.calls().get(0).arguments());
    assertEquals(List.of(), ToolCallSyntax.GENERIC.parse("{\"response\": \"It is noon.\"}").calls());
  }

  @Test
  void grammarsNameEachToolAndWrapItsArguments() {
    List<ToolSpecification> tools = List.of(new ToolSpecification("get_weather", "Weather.",
        "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}"),
        ToolSpecification.of("get_time", "Time."));
    String hermes = SYNTAXES.get("Qwen-Qwen3-0.6B").grammar(tools, false);
    assertTrue(hermes.startsWith("root ::= \"<tool_call>\\n\" ("), hermes);
    assertTrue(hermes.contains("\"\\\"get_weather\\\"\"") && hermes.contains("\"\\\"get_time\\\"\""), hermes);
    String deepseek = SYNTAXES.get("deepseek-ai-DeepSeek-V3.1").grammar(tools, false);
    assertTrue(deepseek.contains("\"get_weather\" \"<｜tool▁sep｜>\""), deepseek);
    String generic = ToolCallSyntax.GENERIC.grammar(tools, true);
    assertTrue(generic.startsWith("root ::= answer | "), generic);
    assertTrue(generic.contains("\"\\\"tool_call\\\":\""), generic);
  }
}
