package dev.parley.templates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sandbox and its limits: what a hostile or broken template can and cannot do. */
class ChatTemplateTest {

  @Test
  void rendersMessagesWithAGenerationPrompt() {
    ChatTemplate t = ChatTemplate.parse(
        "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}\n{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}");
    String out = t.render(Map.of("messages", List.of(Map.of("role", "user", "content", "Hi")), "add_generation_prompt", true));
    assertEquals("<|user|>Hi\n<|assistant|>", out);
  }

  @Test
  void aTemplateThatRefusesSaysWhyAndIsMarkedAsItsOwnRefusal() {
    ChatTemplate t = ChatTemplate.parse("{% if messages[0].role != 'user' %}{{ raise_exception('Conversations must start with a user message') }}{% endif %}");
    TemplateException e = assertThrows(TemplateException.class,
        () -> t.render(Map.of("messages", List.of(Map.of("role", "assistant", "content", "x")))));
    assertTrue(e.raisedByTemplate());
    assertEquals("Conversations must start with a user message", e.getMessage());
    assertEquals(1, e.line());
  }

  @Test
  void syntaxErrorsNameTheLine() {
    TemplateException e = assertThrows(TemplateException.class, () -> ChatTemplate.parse("line one\n{% if x %}\nunclosed"));
    assertTrue(e.getMessage().contains("endif"), e.getMessage());
    e = assertThrows(TemplateException.class, () -> ChatTemplate.parse("a\n\n{{ x | no_such_filter }}"));
    assertEquals("No filter named 'no_such_filter' on line 3", e.getMessage());
    assertEquals(3, e.line());
    e = assertThrows(TemplateException.class, () -> ChatTemplate.parse("{% include 'other.jinja' %}"));
    assertTrue(e.getMessage().contains("unsupported statement 'include'"), e.getMessage());
  }

  @Test
  void aTemplateCannotChangeWhatItIsGiven() {
    List<Object> messages = new ArrayList<>(List.of(Map.of("role", "user", "content", "a")));
    ChatTemplate t = ChatTemplate.parse("{{ messages.append({'role': 'user'}) }}");
    TemplateException e = assertThrows(TemplateException.class, () -> t.render(Map.of("messages", messages)));
    assertTrue(e.getMessage().contains("unsafe"), e.getMessage());
    assertEquals(1, messages.size());
    assertThrows(TemplateException.class, () -> ChatTemplate.parse("{% set d = {} %}{{ d.update({'a': 1}) }}").render(Map.of()));
    assertThrows(TemplateException.class, () -> ChatTemplate.parse("{% set x = 'a' %}{% set x.y = 1 %}").render(Map.of()));
  }

  @Test
  void aTemplateSeesNoJavaObjects() {
    ChatTemplate t = ChatTemplate.parse("{{ x.getClass() }}");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> t.render(Map.of("x", List.of(Map.of("k", new Object())))));
    assertTrue(e.getMessage().contains("x[0].k"), e.getMessage());
    // Attributes a Java value would have are simply not there.
    assertEquals("", ChatTemplate.parse("{{ 'abc'.getClass }}{{ [].size }}").render(Map.of()));
    assertThrows(TemplateException.class, () -> ChatTemplate.parse("{{ 'abc'.getClass() }}").render(Map.of()));
  }

  @Test
  void endlessLoopsStopAtTheStepLimit() {
    ChatTemplate t = ChatTemplate.parse("{% for i in range(5000) %}{% for j in range(5000) %}{% endfor %}{% endfor %}")
        .withLimits(new ChatTemplate.Limits(10_000, 1_000_000, Duration.ofSeconds(30)));
    TemplateException e = assertThrows(TemplateException.class, () -> t.render(Map.of()));
    assertTrue(e.getMessage().contains("more than 10000 steps"), e.getMessage());
  }

  @Test
  void outputStopsAtTheSizeLimit() {
    ChatTemplate t = ChatTemplate.parse("{% for i in range(1000) %}{{ 'x' * 1000 }}{% endfor %}")
        .withLimits(new ChatTemplate.Limits(1_000_000, 100_000, Duration.ofSeconds(30)));
    TemplateException e = assertThrows(TemplateException.class, () -> t.render(Map.of()));
    assertTrue(e.getMessage().contains("passed 100000 characters"), e.getMessage());
    // A macro's output counts too.
    ChatTemplate m = ChatTemplate.parse("{% macro big() %}{% for i in range(1000) %}{{ 'y' * 1000 }}{% endfor %}{% endmacro %}{% set s = big() %}")
        .withLimits(new ChatTemplate.Limits(1_000_000, 100_000, Duration.ofSeconds(30)));
    assertThrows(TemplateException.class, () -> m.render(Map.of()));
  }

  @Test
  void recursionStopsAtTheDepthLimit() {
    ChatTemplate t = ChatTemplate.parse("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
    TemplateException e = assertThrows(TemplateException.class, () -> t.render(Map.of()));
    assertTrue(e.getMessage().contains("nest deeper than 64"), e.getMessage());
  }

  @Test
  void hostileNestingAndRepetitionAreRefusedNamingTheLimit() {
    String deep = "{{ " + "(".repeat(5000) + "1" + ")".repeat(5000) + " }}";
    TemplateException e = assertThrows(TemplateException.class, () -> ChatTemplate.parse(deep));
    assertTrue(e.getMessage().contains("nests deeper than " + Parser.MAX_DEPTH), e.getMessage());
    String ifs = "{% if true %}".repeat(5000) + "x" + "{% endif %}".repeat(5000);
    assertThrows(TemplateException.class, () -> ChatTemplate.parse(ifs));
    assertThrows(TemplateException.class, () -> ChatTemplate.parse("{{ " + "not ".repeat(5000) + "x }}"));
    e = assertThrows(TemplateException.class, () -> ChatTemplate.parse("{{ 'ab' * 10000000 }}").render(Map.of()));
    assertTrue(e.getMessage().contains("is longer than"), e.getMessage());
    assertThrows(TemplateException.class, () -> ChatTemplate.parse("{{ [1, 2] * 10000000 }}").render(Map.of()));
    assertEquals("abab", ChatTemplate.parse("{{ 'ab' * 2 }}").render(Map.of()));
  }

  @Test
  void undefinedValuesPrintAsNothingButCannotBeDereferenced() {
    assertEquals("[]", ChatTemplate.parse("[{{ missing }}]").render(Map.of()));
    assertFalse(Boolean.parseBoolean(ChatTemplate.parse("{{ missing is defined }}").render(Map.of()).toLowerCase()));
    TemplateException e = assertThrows(TemplateException.class, () -> ChatTemplate.parse("{{ missing.field }}").render(Map.of()));
    assertEquals("'missing' is undefined", e.getMessage());
  }

  @Test
  void badLimitsAreRefusedNamingTheField() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ChatTemplate.Limits(0, 1, Duration.ofSeconds(1)));
    assertEquals("maxSteps must be > 0, was 0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new ChatTemplate.Limits(1, 1, Duration.ZERO));
    assertTrue(e.getMessage().startsWith("timeout must be positive"));
  }
}
