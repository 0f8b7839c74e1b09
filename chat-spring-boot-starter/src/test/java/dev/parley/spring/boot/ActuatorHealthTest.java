package dev.parley.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.parley.llama.TestModels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** A web application booted from properties alone: the model serves, and /actuator/health shows it. */
class ActuatorHealthTest {

  @SpringBootApplication
  static class App {}

  @Test
  void theModelIsABeanAndAComponentOfTheApplicationsHealth() throws Exception {
    try (ConfigurableApplicationContext context = new SpringApplication(App.class).run(
        "--parley.model.file=" + TestModels.tiny(), "--parley.model.id=tiny", "--parley.model.context-size=512",
        "--parley.model.threads=1", "--server.port=0", "--server.address=127.0.0.1",
        "--management.endpoint.health.show-details=always")) {
      String reply = ChatClient.create(context.getBean(ChatModel.class)).prompt().user("Hi")
          .options(org.springframework.ai.chat.prompt.ChatOptions.builder().maxTokens(4)).call().content();
      assertThat(reply).isNotNull();

      int port = ((WebServerApplicationContext) context).getWebServer().getPort();
      HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/actuator/health")).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
      JsonNode parley = new ObjectMapper().readTree(health.body()).path("components").path("parley");
      assertThat(parley.path("status").asText()).as(health.body()).isEqualTo("UP");
      assertThat(parley.path("details").path("model").asText()).isEqualTo("tiny");
      assertThat(parley.path("details").path("generationsStarted").asLong()).isEqualTo(1);
    }
  }
}
