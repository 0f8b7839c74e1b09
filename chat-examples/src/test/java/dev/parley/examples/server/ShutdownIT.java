package dev.parley.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.parley.memory.StoredMessage;
import dev.parley.store.jdbc.JdbcConversationStore;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The runnable jar as a child process, stopped with SIGTERM in the middle of a reply. */
class ShutdownIT {
  private record Child(Process process, int port, List<String> output, Path db, Thread reader) {}

  private static Child start(String tokenDelayMs, String shutdownSeconds) throws Exception {
    Path jar = Path.of("target", "parley-examples.jar");
    assertTrue(jar.toFile().isFile(), "package phase must have built " + jar.toAbsolutePath());
    Path db = Files.createTempDirectory("parley-shutdown").resolve("chat.db");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ServerProcess p = ServerProcess.start(List.of(java, "-jar", jar.toString(), "--port", "0", "--fake-model",
        "--fake-token-delay-ms", tokenDelayMs, "--shutdown-seconds", shutdownSeconds, "--db", "jdbc:sqlite:" + db,
        "--api-keys", "k=alice"), 60);
    return new Child(p.process(), p.port(), p.output(), db, p.reader());
  }

  /** Posts a message, waits for the first token, sends SIGTERM; returns the rest of the stream. */
  private static List<ServerHarness.Event> messageThenSigterm(Child child) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    URI base = URI.create("http://127.0.0.1:" + child.port());
    HttpResponse<String> created = http.send(HttpRequest.newBuilder(base.resolve("/api/conversations"))
        .header("Authorization", "Bearer k").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
        HttpResponse.BodyHandlers.ofString());
    String id = ServerHarness.JSON.readTree(created.body()).get("id").asText();
    HttpResponse<InputStream> stream = http.send(HttpRequest.newBuilder(base.resolve("/api/conversations/" + id + "/messages"))
        .header("Authorization", "Bearer k").POST(HttpRequest.BodyPublishers.ofString("{\"content\":\"a long answer please\"}"))
        .build(), HttpResponse.BodyHandlers.ofInputStream());
    BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
    List<ServerHarness.Event> events = new ArrayList<>(ServerHarness.readEvents(in, 1));
    // SIGTERM through kill(1): Process.destroy() would also close our end of the child's output.
    assertEquals(0, new ProcessBuilder("kill", "-TERM", Long.toString(child.process().pid())).start().waitFor());
    events.addAll(ServerHarness.readEvents(in, Integer.MAX_VALUE));
    assertTrue(child.process().waitFor(60, TimeUnit.SECONDS), "the server exits after SIGTERM");
    child.reader().join(10_000); // all of its output read
    assertEquals(0, child.process().exitValue(), String.join("\n", child.output()));
    return events;
  }

  @Test
  void aReplyInFlightFinishesWithinTheDeadlineAndIsStored() throws Exception {
    Child child = start("30", "20");
    List<ServerHarness.Event> events = messageThenSigterm(child);
    ServerHarness.Event done = events.get(events.size() - 1);
    assertEquals("done", done.name());
    assertEquals("STOP", done.data().get("finishReason").asText());
    try (JdbcConversationStore store = JdbcConversationStore.builder("jdbc:sqlite:" + child.db()).build()) {
      String id = store.conversations("alice", 0, 10).get(0).id();
      List<StoredMessage> messages = store.transcript(id);
      assertEquals("a long answer please", messages.get(1).message().content());
      assertEquals(done.data().get("text").asText(), messages.get(2).message().content());
    }
  }

  @Test
  void aReplyPastTheDeadlineIsCancelledAndWhatWasAcceptedIsStored() throws Exception {
    Child child = start("300", "1");
    List<ServerHarness.Event> events = messageThenSigterm(child);
    ServerHarness.Event done = events.get(events.size() - 1);
    assertEquals("done", done.name());
    assertEquals("CANCELLED", done.data().get("finishReason").asText());
    try (JdbcConversationStore store = JdbcConversationStore.builder("jdbc:sqlite:" + child.db()).build()) {
      List<StoredMessage> messages = store.transcript(store.conversations("alice", 0, 10).get(0).id());
      assertEquals("a long answer please", messages.get(1).message().content());
      assertEquals(dev.parley.chat.FinishReason.CANCELLED, messages.get(2).message().finishReason(), "stored as cancelled");
      assertEquals(done.data().get("text").asText(), messages.get(2).message().content());
    }
    assertTrue(child.output().stream().anyMatch(l -> l.contains("cancelled 1 replies")), String.join("\n", child.output()));
  }
}
