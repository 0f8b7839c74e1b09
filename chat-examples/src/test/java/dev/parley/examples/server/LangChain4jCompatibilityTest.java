package dev.parley.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** LangChain4j's OpenAI chat models, unchanged but for the base URL, against the server. */
class LangChain4jCompatibilityTest {
  @Test
  void blockingAndStreamingChatModelsWork() throws Exception {
    try (ServerHarness h = ServerHarness.start()) {
      OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(h.base + "/v1").apiKey(ServerHarness.ALICE)
          .modelName("parley-fake").maxRetries(0).build();
      ChatResponse blocking = model.chat(UserMessage.from("Hello from LangChain4j"));
      assertTrue(blocking.aiMessage().text().contains("Hello from LangChain4j"), blocking.aiMessage().text());
      assertTrue(blocking.tokenUsage().outputTokenCount() > 0);

      OpenAiStreamingChatModel streaming = OpenAiStreamingChatModel.builder().baseUrl(h.base + "/v1")
          .apiKey(ServerHarness.ALICE).modelName("parley-fake").build();
      StringBuilder partials = new StringBuilder();
      CompletableFuture<ChatResponse> done = new CompletableFuture<>();
      streaming.chat("Stream to LangChain4j", new StreamingChatResponseHandler() {
        @Override
        public void onPartialResponse(String partial) {
          partials.append(partial);
        }

        @Override
        public void onCompleteResponse(ChatResponse response) {
          done.complete(response);
        }

        @Override
        public void onError(Throwable error) {
          done.completeExceptionally(error);
        }
      });
      ChatResponse streamed = done.get(30, TimeUnit.SECONDS);
      assertEquals(streamed.aiMessage().text(), partials.toString());
      assertTrue(partials.toString().contains("Stream to LangChain4j"), partials.toString());
    }
  }
}
