package dev.parley.examples.readme;

// README:springai
import dev.parley.chat.ChatModel;
import dev.parley.springai.ParleySpringChatModel;
import org.springframework.ai.chat.client.AdvisorParams;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.advisor.ToolCallingAdvisor;
import org.springframework.ai.tool.annotation.Tool;

public class SpringAiWeather {
  public record Forecast(String city, int temperature) {}

  static class Weather {
    @Tool(description = "Current temperature in a city, in degrees Celsius")
    int temperature(String city) {
      return 21;
    }
  }

  public static Forecast ask(ChatModel model) { // with the starter, inject its Spring AI ChatModel instead
    return ChatClient.builder(ParleySpringChatModel.builder(model).build())
        .defaultAdvisors(ToolCallingAdvisor.builder().build())
        .build()
        .prompt().user("How warm is it in Paris?")
        .advisors(AdvisorParams.ENABLE_NATIVE_STRUCTURED_OUTPUT) // the reply is sampled under Forecast's schema
        .tools(new Weather())
        .call()
        .entity(Forecast.class);
  }
}
// README:end
