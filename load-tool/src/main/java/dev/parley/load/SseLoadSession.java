package dev.parley.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Flow;

/**
 * A load session over the REST API: each message is a {@code POST /api/conversations/{id}/messages}
 * whose reply streams back as Server-Sent Events ({@code token}… then {@code done} or {@code error}).
 */
final class SseLoadSession extends LoadSession {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient client;
  private final URI messages;
  private final String apiKey;

  SseLoadSession(HttpClient client, URI base, String apiKey, String id, LoadResults results) {
    super(id, results);
    this.client = client;
    this.messages = URI.create(base + "/api/conversations/" + id + "/messages");
    this.apiKey = apiKey;
  }

  @Override
  void transmit(String content) {
    HttpRequest request;
    try {
      request = HttpRequest.newBuilder(messages)
          .header("Authorization", "Bearer " + apiKey)
          .header("Content-Type", "application/json")
          .header("Accept", "text/event-stream")
          .timeout(Duration.ofMinutes(5))
          .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("content", content))))
          .build();
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    Events events = new Events();
    client.sendAsync(request, info -> info.statusCode() == 200
            ? BodySubscribers.mapping(BodySubscribers.fromLineSubscriber(events), ignored -> (String) null)
            : BodySubscribers.mapping(BodySubscribers.discarding(), ignored -> "HTTP " + info.statusCode()))
        .whenComplete((response, error) -> {
          if (error != null) {
            fail("request failed: " + rootCause(error).getClass().getSimpleName());
          } else if (response.body() != null) {
            fail(response.body());
          } else if (!events.ended) {
            fail("event stream ended without done");
          }
        });
  }

  @Override
  void closeTransport() {
    // Each message is its own request; nothing stays open between them.
  }

  private static Throwable rootCause(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c;
  }

  /** Reads the event stream line by line: "event: NAME", "data: JSON", blank line. */
  private final class Events implements Flow.Subscriber<String> {
    private String event = "message";
    private volatile boolean ended;

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
      if (line.startsWith("event: ")) {
        event = line.substring(7).trim();
      } else if (line.startsWith("data: ")) {
        switch (event) {
          case "token" -> token();
          case "done" -> {
            ended = true;
            complete();
          }
          case "error" -> {
            ended = true;
            fail("error event");
          }
          default -> { }
        }
      }
    }

    @Override
    public void onError(Throwable throwable) {
      // whenComplete above sees the same failure
    }

    @Override
    public void onComplete() {}
  }
}
