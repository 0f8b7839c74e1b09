package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    return ReasoningSyntax.derive((messages, generationPrompt) -> format.render(messages, List.of(), generationPrompt));
  }

  private static RecordingStreamHandler run(ReasoningSyntax syntax, String... tokens) {
    RecordingStreamHandler h = new RecordingStreamHandler();
    ReasoningStream s = new ReasoningStream(h, syntax);
    for (String t : tokens) {
      s.onToken(t);
    }
    s.onComplete(new ChatResponse(String.join("", tokens), FinishReason.STOP, new TokenUsage(5, tokens.length)));
    return h;
  }

  @Test
  void theMarkersAreReadFromTheTemplates() throws Exception {
    assertEquals(new ReasoningSyntax("<think>", "</think>", false), derive("Qwen-Qwen3-0.6B"));
    // DeepSeek R1 Distill's closes the reasoning in the prompt unless enable_thinking is set.
    assertNull(derive("deepseek-ai-DeepSeek-R1-Distill-Qwen-32B"));
    // A template that opens the reasoning in its generation prompt and drops it from earlier turns.
    JinjaChatFormat opens = new JinjaChatFormat(ChatTemplate.parse("{% for m in messages %}{{ m.role }}: "
        + "{{ m.content.split('</think>')[-1] }}\n{% endfor %}{% if add_generation_prompt %}assistant: <think>\n{% endif %}"),
        "", "", false);
    assertEquals(new ReasoningSyntax("<think>", "</think>", true),
        ReasoningSyntax.derive((messages, generationPrompt) -> opens.render(messages, List.of(), generationPrompt)));
    assertNull(derive("meta-llama-Llama-3.1-8B-Instruct"), "a template without reasoning has no markers");
  }

  @Test
  void reasoningAndAnswerArriveApartWhateverTheTokenBoundaries() {
    RecordingStreamHandler h = run(new ReasoningSyntax("<think>", "</think>", false),
        "<thi", "nk>\nTwo and", " two.</th", "ink>\n\nFour", ".");
    ChatResponse r = h.response();
    assertEquals("\nTwo and two.", r.reasoning());
    assertEquals("Four.", r.text());
    assertEquals("Four.", String.join("", h.tokens()));
    assertTrue(h.violations().isEmpty(), h.violations().toString());
  }

  @Test
  void aReplyThatStartsInsideTheReasoningIsSplitAtTheClosingMarker() {
    ChatResponse r = run(new ReasoningSyntax("<think>", "</think>", true), "Hmm.", "</think>", "Yes.").response();
    assertEquals("Hmm.", r.reasoning());
    assertEquals("Yes.", r.text());
  }

  @Test
  void markersInsideTheAnswerAreText() {
    ChatResponse r = run(new ReasoningSyntax("<think>", "</think>", false), "Use <think> tags", " like </think> this.")
        .response();
    assertEquals("Use <think> tags like </think> this.", r.text());
    assertNull(r.reasoning());
  }

  @Test
  void reasoningCutShortIsKeptAsReasoning() {
    ChatResponse r = run(new ReasoningSyntax("<think>", "</think>", false), "<think>I was about to</").response();
    assertEquals("I was about to</", r.reasoning());
    assertEquals("", r.text());
  }
}
