package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.chat.InvalidRequestException;
import dev.parley.chat.Message;
import dev.parley.chat.ToolCall;
import dev.parley.templates.ChatTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A model's own template, fed the conversation in the shape its authors wrote it for. */
class JinjaChatFormatTest {
  private static final String CHATML = "{{ bos_token }}{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}"
      + "<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

  @Test
  void rendersEveryMessageInOrderWithTheGenerationPrompt() {
    JinjaChatFormat f = new JinjaChatFormat(ChatTemplate.parse(CHATML), "", "<|endoftext|>", false);
    assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
            + "<|im_start|>assistant\nHello<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n",
        f.render(List.of(Message.system("Be brief."), Message.user("Hi"), Message.assistant("Hello"), Message.user("Bye"))));
  }

  @Test
  void aLeadingBeginningOfSequenceIsTakenOffWhereLlamaCppAddsItsOwn() {
    List<Message> hi = List.of(Message.user("Hi"));
    assertTrue(new JinjaChatFormat(ChatTemplate.parse(CHATML), "<s>", "</s>", true).render(hi).startsWith("<|im_start|>user"));
    assertTrue(new JinjaChatFormat(ChatTemplate.parse(CHATML), "<s>", "</s>", false).render(hi).startsWith("<s><|im_start|>"));
  }

  @Test
  void toolCallArgumentsReachTheTemplateAsObjectsAndResultsWithTheirCallId() {
    String source = "{% for m in messages %}{% if m.tool_calls %}{{ m.tool_calls[0].function.name }}"
        + "({{ m.tool_calls[0].function.arguments.city }}, {{ m.tool_calls[0].function.arguments | tojson }})"
        + "{% elif m.role == 'tool' %}[{{ m.tool_call_id }}: {{ m.content }}]{% else %}{{ m.content }}"
        + "{% if m.reasoning_content %}<think>{{ m.reasoning_content }}</think>{% endif %}{% endif %};{% endfor %}";
    JinjaChatFormat f = new JinjaChatFormat(ChatTemplate.parse(source), "", "", false);
    String out = f.render(List.of(Message.user("Weather?"),
        Message.assistant(List.of(new ToolCall("c1", "get_weather", "{\"city\": \"Paris\", \"days\": 2}"))),
        Message.toolResult("c1", "sunny"), Message.assistant("Sunny.").withReasoning("It said so.")));
    assertEquals("Weather?;get_weather(Paris, {\"city\": \"Paris\", \"days\": 2});[c1: sunny];Sunny.<think>It said so.</think>;",
        out);
  }

  @Test
  void aTemplateThatRefusesSystemMessagesGetsTheSystemTextInTheFirstUserTurn() throws Exception {
    Path gemma2 = TestModels.dir().toAbsolutePath().getParent().resolve("templates").resolve("google-gemma-2-2b-it.jinja");
    JinjaChatFormat f = new JinjaChatFormat(ChatTemplate.parse(Files.readString(gemma2)), "<bos>", "<eos>", true);
    String out = f.render(List.of(Message.system("Answer in French."), Message.user("Hello")));
    assertEquals("<start_of_turn>user\nAnswer in French.\n\nHello<end_of_turn>\n<start_of_turn>model\n", out);
  }

  @Test
  void thinkingReachesTheTemplateAsEnableThinking() throws Exception {
    Path qwen3 = TestModels.dir().toAbsolutePath().getParent().resolve("templates").resolve("Qwen-Qwen3-0.6B.jinja");
    JinjaChatFormat f = new JinjaChatFormat(ChatTemplate.parse(Files.readString(qwen3)), "", "<|im_end|>", false);
    List<Message> hi = List.of(Message.user("Hi"));
    assertTrue(f.render(hi, List.of(), true, false).endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n"),
        "Qwen3's template closes an empty thought when thinking is off");
    assertTrue(f.render(hi, List.of(), true, true).endsWith("<|im_start|>assistant\n"));
    assertTrue(f.render(hi, List.of(), true, null).endsWith("<|im_start|>assistant\n"), "undefined: the template's default");
  }

  @Test
  void aConversationTheTemplateRefusesFailsWithItsReason() {
    JinjaChatFormat f = new JinjaChatFormat(ChatTemplate.parse(
        "{% if messages[0].role != 'user' %}{{ raise_exception('Conversation must start with a user message') }}{% endif %}"),
        "", "", false);
    InvalidRequestException e = assertThrows(InvalidRequestException.class,
        () -> f.render(List.of(Message.assistant("Hi"))));
    assertEquals("the model's chat template refuses this conversation: Conversation must start with a user message",
        e.getMessage());
  }
}
