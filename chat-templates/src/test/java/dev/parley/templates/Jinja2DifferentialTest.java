package dev.parley.templates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every template in {@code shared/templates}, rendered for every conversation in {@code
 * conversations.json} (system prompts, multi-turn chats, tools, parallel and single tool calls, tool
 * results, string arguments, reasoning, {@code add_generation_prompt} on and off, {@code
 * enable_thinking}), equals Python's jinja2's rendering byte for byte; where jinja2 fails, this
 * interpreter fails too, and a template's own {@code raise_exception} carries the same message.
 */
class Jinja2DifferentialTest {
  private static Map<String, String> templates;
  private static JsonNode conversations;
  private static JsonNode reference;

  @BeforeAll
  static void renderReference() throws Exception {
    templates = ReferenceRenderer.sharedTemplates();
    conversations = ReferenceRenderer.conversations();
    reference = ReferenceRenderer.render(templates, conversations);
  }

  @TestFactory
  List<DynamicTest> everyTemplateRendersAsJinja2Does() {
    assertTrue(templates.size() >= 60, "expected the 68 shared templates, found " + templates.size());
    Clock clock = Clock.fixed(LocalDateTime.parse(ReferenceRenderer.NOW).toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
    List<DynamicTest> tests = new ArrayList<>();
    for (Map.Entry<String, String> t : templates.entrySet()) {
      tests.add(DynamicTest.dynamicTest(t.getKey(), () -> {
        List<String> problems = new ArrayList<>();
        ChatTemplate template = null;
        TemplateException parseError = null;
        try {
          template = ChatTemplate.parse(t.getValue()).withClock(clock);
        } catch (TemplateException e) {
          parseError = e;
        }
        for (Map.Entry<String, JsonNode> c : conversations.properties()) {
          JsonNode expected = reference.get(t.getKey()).get(c.getKey());
          String problem = compare(template, parseError, c.getValue(), expected);
          if (problem != null) {
            problems.add(c.getKey() + ": " + problem);
          }
        }
        if (!problems.isEmpty()) {
          fail(String.join("\n", problems));
        }
      }));
    }
    return tests;
  }

  private static String compare(ChatTemplate template, TemplateException parseError, JsonNode context, JsonNode expected) {
    String actual;
    TemplateException error = parseError;
    if (template != null) {
      try {
        @SuppressWarnings("unchecked")
        Map<String, Object> values = ReferenceRenderer.JSON.convertValue(context, Map.class);
        actual = template.render(values);
      } catch (TemplateException e) {
        error = e;
        actual = null;
      }
    } else {
      actual = null;
    }
    if (expected.has("error")) {
      String pythonError = expected.get("error").asText();
      if (error == null) {
        return "jinja2 failed (" + pythonError + ") but Parley rendered " + snippet(actual, 0);
      }
      if (pythonError.startsWith("TemplateError: ")) {
        String message = pythonError.substring("TemplateError: ".length());
        if (!error.raisedByTemplate() || !error.getMessage().equals(message)) {
          return "jinja2 raised '" + message + "', Parley failed with '" + error.getMessage() + "'";
        }
      }
      return null;
    }
    String text = expected.get("text").asText();
    if (error != null) {
      return "Parley failed: " + error.getMessage();
    }
    if (!text.equals(actual)) {
      int at = 0;
      while (at < Math.min(text.length(), actual.length()) && text.charAt(at) == actual.charAt(at)) {
        at++;
      }
      return "differs at " + at + ": jinja2 " + snippet(text, at) + " / Parley " + snippet(actual, at);
    }
    return null;
  }

  private static String snippet(String s, int at) {
    int from = Math.max(0, at - 40);
    int to = Math.min(s.length(), at + 60);
    return ReferenceRenderer.JSON.valueToTree(s.substring(from, to)).toString();
  }

  /** Snippets that exercise the values, operators, filters, tests, loops, macros and whitespace rules one by one. */
  @TestFactory
  List<DynamicTest> expressionsRenderAsJinja2Does() throws Exception {
    JsonNode snippets;
    try (var in = getClass().getResourceAsStream("expressions.json")) {
      snippets = ReferenceRenderer.JSON.readTree(in);
    }
    Map<String, String> sources = new java.util.TreeMap<>();
    snippets.properties().forEach(e -> sources.put(e.getKey(), e.getValue().asText()));
    JsonNode context = ReferenceRenderer.JSON.readTree("{\"empty\": {}}");
    JsonNode expected = ReferenceRenderer.render(sources, context);
    List<DynamicTest> tests = new ArrayList<>();
    for (Map.Entry<String, String> e : sources.entrySet()) {
      tests.add(DynamicTest.dynamicTest(e.getKey(), () -> {
        JsonNode want = expected.get(e.getKey()).get("empty");
        assertTrue(want.has("text"), "jinja2 failed: " + want);
        assertEquals(want.get("text").asText(), ChatTemplate.parse(e.getValue()).render(Map.of()));
      }));
    }
    return tests;
  }

  @org.junit.jupiter.api.Test
  void theReferenceRendersMostPairs() {
    int ok = 0;
    int total = 0;
    for (JsonNode perTemplate : reference) {
      for (JsonNode r : perTemplate) {
        total++;
        ok += r.has("text") ? 1 : 0;
      }
    }
    // Guards the comparison against a reference that fails everything (a broken script or environment).
    assertTrue(ok > total * 0.85, ok + " of " + total + " renderings succeeded in jinja2");
    assertEquals(templates.size(), reference.size());
  }
}
