package dev.parley.langchain4j.suite;

import dev.parley.chat.ChatRequest;
import dev.parley.chat.Message;
import dev.parley.chat.ResponseFormat;
import dev.parley.chat.Role;
import dev.parley.chat.ToolCall;
import dev.parley.chat.ToolChoice;
import dev.parley.chat.ToolSpecification;
import dev.parley.testing.FakeChatModel;
import dev.parley.testing.ScriptedReply;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scripted Parley model that answers the questions of LangChain4j's common chat-model tests
 * ({@code AbstractBaseChatModelIT} and its listener tests) as a capable model would.
 *
 * <p>The adapter is what those tests check here, not the model: every request parameter still has
 * to cross the adapter for the answer to come out right. {@link FakeChatModel} honours maximum
 * tokens (cutting the reply with {@code LENGTH}), stop sequences, the offered tools (a call to one
 * not offered fails) and a required tool choice; this script reads the conversation, the tools and
 * the response format from the Parley request the adapter built.
 */
final class SuiteAnswers {
  static final String MODEL_ID = "suite-model";
  private static final String STORY = "Once upon a time a small fox lived at the edge of a quiet forest, and every "
      + "morning it walked to the river to watch the herons fish, until one day the river froze.";

  private final AtomicLong ids = new AtomicLong();

  private SuiteAnswers() {}

  /** A fake model that answers the suite. */
  static FakeChatModel model() {
    SuiteAnswers answers = new SuiteAnswers();
    return FakeChatModel.builder().id(MODEL_ID).script(answers::answer).build();
  }

  private ScriptedReply answer(ChatRequest request) {
    Message last = request.lastMessage();
    boolean json = request.options().responseFormat().type() != ResponseFormat.Type.TEXT;
    if (last.role() == Role.TOOL) {
      List<String> results = new ArrayList<>();
      for (int i = request.messages().size() - 1; i >= 0 && request.messages().get(i).role() == Role.TOOL; i--) {
        results.add(0, request.messages().get(i).content());
      }
      return ScriptedReply.text(json ? jsonAnswer(request, results.get(0)) : "The tools answered: " + String.join(" and ", results) + ".");
    }
    String question = last.content().toLowerCase(Locale.ROOT);
    List<ToolSpecification> tools = request.options().tools();
    ToolChoice choice = request.options().toolChoice();
    if (!tools.isEmpty() && choice.mode() != ToolChoice.Mode.NONE) {
      List<ToolCall> calls = new ArrayList<>();
      for (ToolSpecification tool : tools) {
        if (!allowed(choice, tool)) {
          continue;
        }
        String name = tool.name().toLowerCase(Locale.ROOT);
        if (name.contains("weather") && (question.contains("weather") || question.contains("munich"))) {
          calls.add(call(tool, "{\"city\": \"Munich\"}"));
        } else if (name.contains("time") && question.contains("time")) {
          calls.add(call(tool, tool.parameters().contains("\"country\"") ? "{\"country\": \"France\"}" : "{}"));
        } else if (name.contains("add") && question.contains("+")) {
          calls.add(call(tool, "{\"a\": 2, \"b\": 2}"));
        }
      }
      if (calls.isEmpty() && choice.mode() != ToolChoice.Mode.AUTO) {
        ToolSpecification tool = tools.stream().filter(t -> allowed(choice, t)).findFirst().orElseThrow();
        calls.add(call(tool, tool.parameters().contains("\"city\"") ? "{\"city\": \"Munich\"}" : "{}"));
      }
      if (!calls.isEmpty()) {
        return ScriptedReply.toolCalls(calls.toArray(ToolCall[]::new));
      }
    }
    if (json) {
      return ScriptedReply.text(jsonAnswer(request, "Berlin"));
    }
    if (question.contains("capital of germany")) {
      return ScriptedReply.text("The capital of Germany is Berlin." + (question.contains("2 + 2") ? " 2 + 2 is 4." : ""));
    }
    if (question.contains("translate")) {
      return ScriptedReply.text("Ich liebe dich");
    }
    if (question.contains("favorite color")) {
      boolean green = request.messages().stream().anyMatch(m -> m.role() == Role.USER && m.content().contains("green"));
      return ScriptedReply.text(green ? "Your favorite color is green." : "You have not told me.");
    }
    if (question.contains("hello world")) {
      return ScriptedReply.text("Hello World");
    }
    if (question.contains("story")) {
      return ScriptedReply.text(STORY);
    }
    return ScriptedReply.text("Hello! How can I help you today?");
  }

  /** An object whose first property (from the schema, {@code city} without one) holds {@code value}. */
  private static String jsonAnswer(ChatRequest request, String value) {
    String schema = request.options().responseFormat().schema();
    Matcher first = schema == null ? null : FIRST_PROPERTY.matcher(schema);
    String name = first != null && first.find() ? first.group(1) : "city";
    return "{\"" + name + "\": \"" + value + "\"}";
  }

  private static final Pattern FIRST_PROPERTY = Pattern.compile("\"properties\"\\s*:\\s*\\{\\s*\"([^\"]+)\"");

  private static boolean allowed(ToolChoice choice, ToolSpecification tool) {
    return choice.mode() != ToolChoice.Mode.NAMED || choice.toolName().equals(tool.name());
  }

  private ToolCall call(ToolSpecification tool, String arguments) {
    return new ToolCall("call" + ids.incrementAndGet(), tool.name(), arguments);
  }
}
