package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.chat.ChatResponse;
import dev.parley.chat.FinishReason;
import dev.parley.chat.TokenUsage;
import dev.parley.chat.ToolCall;
import dev.parley.testing.contract.RecordingStreamHandler;
import dev.parley.templates.ChatTemplate;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the caller's handler sees of a reply that may hold tool calls, token by token. */
class ToolCallStreamTest {
  private static ToolCallSyntax hermes;
  private static ToolCallSyntax llama3;

  @BeforeAll
  static void syntaxes() throws Exception {
    hermes = derive("Qwen-Qwen3-0.6B");
    llama3 = derive("meta-llama-Llama-3.1-8B-Instruct");
  }

  private static ToolCallSyntax derive(String template) throws Exception {
    String source = Files.readString(TestModels.dir().toAbsolutePath().getParent().resolve("templates").resolve(template + ".jinja"));
    JinjaChatFormat format = new JinjaChatFormat(ChatTemplate.parse(source), "", "", false);
    return ToolCallSyntax.derive((messages, tools) -> format.render(messages, tools, false, null));
  }

  private static RecordingStreamHandler run(ToolCallSyntax syntax, boolean forced, boolean parallel, FinishReason end,
      String... tokens) {
    return run(syntax, forced, false, parallel, end, tokens);
  }

  private static RecordingStreamHandler run(ToolCallSyntax syntax, boolean forced, boolean jsonAnswer, boolean parallel,
      FinishReason end, String... tokens) {
    RecordingStreamHandler h = new RecordingStreamHandler();
    ToolCallStream s = new ToolCallStream(h, syntax, forced, jsonAnswer, parallel);
    for (String t : tokens) {
      s.onToken(t);
    }
    s.onComplete(new ChatResponse(String.join("", tokens), end, new TokenUsage(10, tokens.length)));
    return h;
  }

  @Test
  void textStreamsAndTheCallArrivesAsDeltasThatAddUp() {
    RecordingStreamHandler h = run(hermes, false, true, FinishReason.STOP, "Let me", " check.\n<to", "ol_call>\n{\"name\": ",
        "\"get_weather\", \"arguments\": {\"city\": ", "\"Paris\"}}\n</tool_call>");
    ChatResponse r = h.response();
    assertEquals(List.of("Let me", " check.\n"), h.tokens(), "the marker's first characters are held, then dropped");
    assertEquals("Let me check.\n", r.text());
    assertEquals(FinishReason.TOOL_CALLS, r.finishReason());
    assertEquals(1, r.toolCalls().size());
    assertEquals("get_weather", r.toolCalls().get(0).name());
    assertEquals("{\"city\":\"Paris\"}", r.toolCalls().get(0).arguments());
    assertEquals(r.toolCalls(), h.toolCalls(), "the deltas add up to the calls");
    assertTrue(h.violations().isEmpty(), h.violations().toString());
  }

  @Test
  void textThatOnlyLooksLikeAMarkerIsStreamedWhole() {
    RecordingStreamHandler h = run(hermes, false, true, FinishReason.STOP, "a <to", "ol> and <tool_", "box>");
    assertEquals("a <tool> and <tool_box>", String.join("", h.tokens()));
    assertEquals("a <tool> and <tool_box>", h.response().text());
    assertEquals(FinishReason.STOP, h.response().finishReason());
    assertEquals(List.of(), h.response().toolCalls());
  }

  @Test
  void aCallCutShortIsNotMadeAndItsTextIsKept() {
    RecordingStreamHandler h = run(hermes, false, true, FinishReason.LENGTH, "Sure.\n<tool_call>\n{\"name\": \"get_we");
    assertEquals("Sure.\n<tool_call>\n{\"name\": \"get_we", h.response().text());
    assertEquals(FinishReason.LENGTH, h.response().finishReason());
    assertEquals(List.of(), h.toolCalls());
  }

  @Test
  void aSyntaxWithoutMarkerTellsACallByItsFirstCharacter() {
    RecordingStreamHandler call = run(llama3, false, true, FinishReason.STOP, " {\"name\": \"now\",", " \"parameters\": {}}");
    assertEquals(List.of(), call.tokens());
    assertEquals("now", call.response().toolCalls().get(0).name());
    RecordingStreamHandler text = run(llama3, false, true, FinishReason.STOP, "It is", " {noon}.");
    assertEquals("It is {noon}.", text.response().text());
    assertEquals(List.of("It is", " {noon}."), text.tokens());
  }

  @Test
  void withoutParallelCallsOnlyTheFirstIsMade() {
    RecordingStreamHandler h = run(hermes, true, false, FinishReason.STOP,
        "<tool_call>\n{\"name\": \"a\", \"arguments\": {}}\n</tool_call>\n<tool_call>\n{\"name\": \"b\", \"arguments\": {}}\n</tool_call>");
    assertEquals(List.of("a"), h.response().toolCalls().stream().map(ToolCall::name).toList());
  }

  @Test
  void aGenericAnswerIsStreamedAsText() {
    RecordingStreamHandler h = run(ToolCallSyntax.GENERIC, true, true, FinishReason.STOP, "{\"response\": ", "\"It is noon.\"}");
    assertEquals("It is noon.", h.response().text());
    assertEquals(List.of("It is noon."), h.tokens());
    assertEquals(FinishReason.STOP, h.response().finishReason());
  }

  @Test
  void aGenericAnswerUnderAJsonFormatIsItsJsonBare() {
    RecordingStreamHandler h = run(ToolCallSyntax.GENERIC, true, true, true, FinishReason.STOP, "{\"sky\": ", "\"SUNNY\"}");
    assertEquals("{\"sky\": \"SUNNY\"}", h.response().text());
    assertEquals(FinishReason.STOP, h.response().finishReason());
    assertTrue(h.response().toolCalls().isEmpty());
  }

  @Test
  void aBareJsonAnswerWithoutACallMarkerIsText() {
    RecordingStreamHandler h = run(hermes, false, true, true, FinishReason.STOP, "{\"sky\": ", "\"RAINY\"}");
    assertEquals("{\"sky\": \"RAINY\"}", h.response().text());
    assertEquals(FinishReason.STOP, h.response().finishReason());
  }
}
