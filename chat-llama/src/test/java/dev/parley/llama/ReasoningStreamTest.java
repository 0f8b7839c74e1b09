package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.chat.ChatResponse;
import dev.parley.chat.FinishReason;
import dev.parley.chat.TokenUsage;
import dev.parley.templates.ChatTemplate;
import dev.parley.testing.contract.RecordingStreamHandler;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reasoning markers found in real templates, and a reply split at them token by token. */
class ReasoningStreamTest {

  private static ReasoningSyntax derive(String template) throws Exception {
    String source = Files.readString(TestModels.dir().toAbsolutePath().getParent().resolve("templates").resolve(template + ".jinja"));
    JinjaChatFormat format = new JinjaChatFormat(ChatTemplate.parse(source), "", "", false);
    return ReasoningSyntax.derive((messages, generationPrompt) -> format.render(messages, List.of(), generationPrompt, true));
  }

  private static RecordingStreamHandler run(ReasoningSyntax syntax, boolean startsInside, String... tokens) {
    RecordingStreamHandler h = new RecordingStreamHandler();
    ReasoningStream s = new ReasoningStream(h, syntax, startsInside);
    for (String t : tokens) {
      s.onToken(t);
    }
    s.onComplete(new ChatResponse(String.join("", tokens), FinishReason.STOP, new TokenUsage(5, tokens.length)));
    return h;
  }

  @Test
  void theMarkersAreReadFromTheTemplates() throws Exception {
    assertEquals(new ReasoningSyntax("<think>", "</think>"), derive("Qwen-Qwen3-0.6B"));
    // DeepSeek R1 Distill's drops earlier turns' reasoning and, with thinking on, opens it in the prompt.
    assertEquals(new ReasoningSyntax("<think>", "</think>"), derive("deepseek-ai-DeepSeek-R1-Distill-Qwen-32B"));
    assertNull(derive("meta-llama-Llama-3.1-8B-Instruct"), "a template without reasoning has no markers");
  }

  @Test
  void whetherAReplyStartsInsideTheReasoningIsReadFromItsPrompt() throws Exception {
    String source = Files.readString(TestModels.dir().toAbsolutePath().getParent().resolve("templates")
        .resolve("deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja"));
    JinjaChatFormat format = new JinjaChatFormat(ChatTemplate.parse(source), "", "", false);
    ReasoningSyntax think = new ReasoningSyntax("<think>", "</think>");
    List<dev.parley.chat.Message> hi = List.of(dev.parley.chat.Message.user("Hi"));
    assertTrue(think.startsInside(format.render(hi, List.of(), true, true)), "thinking on: the prompt opens it");
    assertFalse(think.startsInside(format.render(hi, List.of(), true, false)), "thinking off: the prompt closes it");
    assertFalse(think.startsInside(format.render(hi, List.of(), true, null)), "the template's default: closed");
  }

  @Test
  void reasoningAndAnswerArriveApartWhateverTheTokenBoundaries() {
    RecordingStreamHandler h = run(new ReasoningSyntax("<think>", "</think>"), false,
        "<thi", "nk>\nTwo and", " two.</th", "ink>\n\nFour", ".");
    ChatResponse r = h.response();
    assertEquals("\nTwo and two.", r.reasoning());
    assertEquals("Four.", r.text());
    assertEquals("Four.", String.join("", h.tokens()));
    assertTrue(h.violations().isEmpty(), h.violations().toString());
  }

  @Test
  void aReplyThatStartsInsideTheReasoningIsSplitAtTheClosingMarker() {
    ChatResponse r = run(new ReasoningSyntax("<think>", "</think>"), true, "Hmm.", "</think>", "Yes.").response();
    assertEquals("Hmm.", r.reasoning());
    assertEquals("Yes.", r.text());
  }

  @Test
  void markersInsideTheAnswerAreText() {
    ChatResponse r = run(new ReasoningSyntax("<think>", "</think>"), false, "Use <think> tags", " like </think> this.")
        .response();
    assertEquals("Use <think> tags like </think> this.", r.text());
    assertNull(r.reasoning());
  }

  @Test
  void reasoningCutShortIsKeptAsReasoning() {
    ChatResponse r = run(new ReasoningSyntax("<think>", "</think>"), false, "<think>I was about to</").response();
    assertEquals("I was about to</", r.reasoning());
    assertEquals("", r.text());
  }
}
