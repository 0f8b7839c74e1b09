package dev.parley.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A load session over {@code /ws/conversations/{id}}: message frames out; chunk, complete or error frames back. */
final class WebSocketLoadSession extends LoadSession implements WebSocket.Listener {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final StringBuilder partial = new StringBuilder();
  private volatile WebSocket socket;

  private WebSocketLoadSession(String id, LoadResults results) {
    super(id, results);
  }

  /** Connects to the session's WebSocket; completes once the server has accepted the upgrade. */
  static CompletableFuture<WebSocketLoadSession> open(HttpClient client, URI base, String apiKey, String id,
      LoadResults results) {
    WebSocketLoadSession session = new WebSocketLoadSession(id, results);
    URI uri = URI.create(base.toString().replaceFirst("^http", "ws") + "/ws/conversations/" + id);
    return client.newWebSocketBuilder()
        .header("Authorization", "Bearer " + apiKey)
        .buildAsync(uri, session)
        .thenApply(ws -> {
          session.socket = ws;
          return session;
        });
  }

  @Override
  void transmit(String content) {
    String frame;
    try {
      frame = JSON.writeValueAsString(Map.of("type", "message", "content", content));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    socket.sendText(frame, true).whenComplete((ws, error) -> {
      if (error != null) {
        fail("send failed: " + error.getClass().getSimpleName());
      }
    });
  }

  @Override
  void closeTransport() {
    WebSocket ws = socket;
    if (ws != null && !ws.isOutputClosed()) {
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "load run over").exceptionally(e -> {
        ws.abort();
        return null;
      });
    }
  }

  @Override
  public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      String frame = partial.toString();
      partial.setLength(0);
      handle(frame);
    }
    ws.request(1);
    return null;
  }

  private void handle(String frame) {
    JsonNode node;
    try {
      node = JSON.readTree(frame);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      fail("frame that is not JSON");
      return;
    }
    switch (node.path("type").asText()) {
      case "chunk" -> token();
      case "complete" -> complete();
      case "error" -> fail("error frame " + node.path("error").path("code").asText("?"));
      default -> { } // accepted, history: nothing to measure
    }
  }

  @Override
  public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
    ws.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
    lost("closed by the server: " + statusCode);
    return null;
  }

  @Override
  public void onError(WebSocket ws, Throwable error) {
    lost("websocket error: " + error.getClass().getSimpleName());
  }
}
