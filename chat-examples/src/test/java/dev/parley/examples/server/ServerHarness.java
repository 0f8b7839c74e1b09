package dev.parley.examples.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/** A chat server on a free loopback port with its own SQLite file, and an HTTP client for it. */
final class ServerHarness implements AutoCloseable {
  /** Reads what the server answers (its bodies, events and frames). */
  static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  static final String ALICE = "alice-key-0123456789";
  static final String BOB = "bob-key-0123456789";
  static final String JWT_SECRET = "a-test-secret-that-is-at-least-32-characters";

  final ChatServer server;
  final ServerOptions options;
  final URI base;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private ServerHarness(ChatServer server, ServerOptions options) {
    this.server = server;
    this.options = options;
    this.base = URI.create("http://127.0.0.1:" + server.port());
  }

  /** Default flags (fake model, alice and bob, a JWT secret, a fresh SQLite file), then {@code args}. */
  static ServerHarness start(String... args) throws IOException {
    return start(null, args);
  }

  static ServerHarness start(ModelRuntime model, String... args) throws IOException {
    Path dir = Files.createTempDirectory("parley-server");
    List<String> all = new ArrayList<>(List.of("--port", "0", "--fake-model", "--fake-token-delay-ms", "2",
        "--db", "jdbc:sqlite:" + dir.resolve("chat.db"), "--api-keys", "alice-key-0123456789=alice,bob-key-0123456789=bob",
        "--jwt-secret", JWT_SECRET));
    all.addAll(List.of(args));
    ServerOptions options = options(all.toArray(String[]::new));
    return new ServerHarness(ChatServer.start(options, new PrintStream(OutputStream.nullOutputStream()), model), options);
  }

  static ServerOptions options(String... args) {
    ServerOptions options = new ServerOptions();
    new CommandLine(options).setOverwrittenOptionsAllowed(true).parseArgs(args);
    return options;
  }

  HttpRequest.Builder request(String path, String key) {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return b;
  }

  HttpResponse<String> get(String path, String key) throws IOException, InterruptedException {
    return http.send(request(path, key).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String path, String key, String body) throws IOException, InterruptedException {
    return http.send(request(path, key).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> delete(String path, String key) throws IOException, InterruptedException {
    return http.send(request(path, key).DELETE().build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Waits until {@code expected} replies are in flight; fails after a minute. */
  void awaitInFlight(int expected) {
    org.awaitility.Awaitility.await(expected + " replies in flight").atMost(Duration.ofMinutes(1))
        .until(() -> server.service().inFlight(), n -> n == expected);
  }

  /**
   * A fake model whose tokens pass {@code gate} one permit each, so a test decides how much of a
   * reply streams and when it ends. It replies with {@code words} words.
   */
  static ModelRuntime gated(dev.parley.testing.TokenGate gate, int words) {
    return ModelRuntime.of(dev.parley.testing.FakeChatModel.builder().id("parley-fake")
        .responder(r -> "word ".repeat(words).trim()).gate(gate).build(), 4);
  }

  static JsonNode json(HttpResponse<String> response) throws IOException {
    return ServerHarness.JSON.readTree(response.body());
  }

  String createConversation(String key) throws IOException, InterruptedException {
    HttpResponse<String> r = post("/api/conversations", key, "{\"title\":\"test\"}");
    if (r.statusCode() != 201) {
      throw new AssertionError("create conversation: " + r.statusCode() + " " + r.body());
    }
    return json(r).get("id").asText();
  }

  /** One Server-Sent Event. */
  record Event(String name, JsonNode data) {}

  /** Posts and reads the whole event stream. */
  List<Event> stream(String path, String key, String body) throws IOException, InterruptedException {
    HttpResponse<InputStream> r = http.send(request(path, key).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
    if (r.statusCode() != 200) {
      throw new AssertionError("stream: " + r.statusCode() + " " + new String(r.body().readAllBytes(), StandardCharsets.UTF_8));
    }
    try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      return readEvents(in, Integer.MAX_VALUE);
    }
  }

  static List<Event> readEvents(BufferedReader in, int max) throws IOException {
    List<Event> events = new ArrayList<>();
    String name = "message";
    StringBuilder data = new StringBuilder();
    // Never reads past the last event asked for: the next may not exist yet.
    for (String line; events.size() < max && (line = in.readLine()) != null; ) {
      if (line.isEmpty()) {
        if (data.length() > 0) {
          String d = data.toString();
          events.add(new Event(name, d.equals("[DONE]") ? null : ServerHarness.JSON.readTree(d)));
        }
        name = "message";
        data.setLength(0);
      } else if (line.startsWith("event: ")) {
        name = line.substring(7);
      } else if (line.startsWith("data: ")) {
        data.append(line.substring(6));
      }
    }
    return events;
  }

  /** A WebSocket client that queues every frame and the close. */
  static final class Socket implements WebSocket.Listener {
    final LinkedBlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    final CompletableFuture<String> closeReason = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    WebSocket ws;

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        try {
          frames.add(ServerHarness.JSON.readTree(partial.toString()));
        } catch (IOException e) {
          throw new AssertionError("server sent a frame that is not JSON: " + partial, e);
        }
        partial.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closed.complete(statusCode);
      closeReason.complete(reason);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      closed.complete(-1);
    }

    JsonNode next() throws InterruptedException {
      JsonNode frame = frames.poll(10, TimeUnit.SECONDS);
      if (frame == null) {
        throw new AssertionError("no frame within 10 s");
      }
      return frame;
    }

    /** Frames until one of {@code type}, which is returned last. */
    List<JsonNode> until(String type) throws InterruptedException {
      List<JsonNode> out = new ArrayList<>();
      while (true) {
        JsonNode f = next();
        out.add(f);
        if (type.equals(f.path("type").asText())) {
          return out;
        }
      }
    }

    void send(String text) {
      ws.sendText(text, true).join();
    }
  }

  Socket connect(String path, String key) {
    Socket socket = new Socket();
    String sep = path.contains("?") ? "&" : "?";
    URI uri = URI.create("ws://127.0.0.1:" + server.port() + path + (key == null ? "" : sep + "access_token=" + key));
    socket.ws = http.newWebSocketBuilder().buildAsync(uri, socket).join();
    return socket;
  }

  @Override
  public void close() {
    server.stop();
  }
}
