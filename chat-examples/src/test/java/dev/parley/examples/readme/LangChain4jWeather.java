package dev.parley.examples.readme;

// README:langchain4j
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.service.AiServices;
import dev.parley.chat.ChatModel;
import dev.parley.langchain4j.ParleyChatModel;

public class LangChain4jWeather {
  public record Forecast(String city, int temperature) {}

  interface Assistant {
    Forecast forecast(String question); // a record: the reply is sampled under its JSON Schema
  }

  static class Weather {
    @Tool("Current temperature in a city, in degrees Celsius")
    int temperature(String city) {
      return 21;
    }
  }

  public static Forecast ask(ChatModel model) { // a LlamaChatModel, a ModelPool, a fake...
    Assistant assistant = AiServices.builder(Assistant.class)
        .chatModel(ParleyChatModel.builder(model).build())
        .tools(new Weather())
        .build();
    return assistant.forecast("How warm is it in Paris?");
  }
}
// README:end
