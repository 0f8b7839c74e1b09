package dev.parley.springai.suite;

import dev.parley.chat.ChatRequest;
import dev.parley.chat.Message;
import dev.parley.chat.Role;
import dev.parley.chat.ToolCall;
import dev.parley.chat.ToolSpecification;
import dev.parley.testing.FakeChatModel;
import dev.parley.testing.ScriptedReply;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A scripted Parley model that answers Spring AI's shared tool-calling tests ({@code
 * AbstractToolCallingAdvisorIT} and {@code AbstractToolCallingAdvisorAutoRegistrationIT}) as a capable
 * model would: it calls the weather tool once for each city the question names, and answers with
 * what the tools returned.
 *
 * <p>The adapter is what the tests check: the tool definitions have to reach the Parley request, the
 * calls have to come back as Spring AI's, and the tool results and the conversation memory have to
 * cross back into the next Parley request, or the answer misses the temperatures.
 */
final class SuiteAnswers {
  private static final List<String> CITIES = List.of("San Francisco", "Tokyo", "Paris");

  private final AtomicLong ids = new AtomicLong();

  private SuiteAnswers() {}

  static FakeChatModel model() {
    SuiteAnswers answers = new SuiteAnswers();
    return FakeChatModel.builder().id("suite-model").script(answers::answer).build();
  }

  private ScriptedReply answer(ChatRequest request) {
    List<Message> messages = request.messages();
    if (request.lastMessage().role() == Role.TOOL) {
      List<String> results = new ArrayList<>();
      for (int i = messages.size() - 1; i >= 0 && messages.get(i).role() == Role.TOOL; i--) {
        results.add(0, messages.get(i).content());
      }
      return ScriptedReply.text("The weather: " + String.join("; ", results) + ".");
    }
    String question = request.lastMessage().content();
    ToolSpecification weather = request.options().tools().stream()
        .filter(t -> t.name().equals("getCurrentWeather")).findFirst().orElse(null);
    if (weather == null) {
      return ScriptedReply.text("I cannot look up the weather.");
    }
    List<ToolCall> calls = new ArrayList<>();
    for (String city : CITIES) {
      if (question.contains(city)) {
        calls.add(new ToolCall("call" + ids.incrementAndGet(), weather.name(),
            "{\"location\": \"" + city + "\", \"lat\": 0, \"lon\": 0, \"unit\": \"C\"}"));
      }
    }
    return calls.isEmpty() ? ScriptedReply.text("Which city?") : ScriptedReply.toolCalls(calls.toArray(ToolCall[]::new));
  }
}
