package dev.parley.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.parley.llama.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The load tool as README runs it: from the runnable jar, starting the server in a child JVM,
 * reading its memory and stopping it with SIGTERM.
 */
class LoadGeneratorIT {
  private static JsonNode load(String... args) throws Exception {
    Path jar = Path.of("target", "parley-load.jar");
    assertTrue(jar.toFile().isFile(), "package phase must have built " + jar.toAbsolutePath());
    Path work = Files.createTempDirectory("parley-load");
    Path report = work.resolve("report.json");
    Path output = work.resolve("output.txt");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-cp", jar.toString(), "dev.parley.load.LoadGenerator",
        "--work-dir", work.toString(), "--json", report.toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command)
        .redirectErrorStream(true).redirectOutput(output.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    assertTrue(p.waitFor(200, TimeUnit.SECONDS), "the load tool stops by itself");
    String printed = Files.readString(output, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), printed);
    return new ObjectMapper().readTree(report.toFile());
  }

  @Test
  void startsTheServerDrivesItAndStopsIt() throws Exception {
    JsonNode r = load("--ws-sessions", "300", "--sse-sessions", "30", "--messages", "2", "--rate", "150",
        "--fake-token-delay-ms", "5", "--duration-seconds", "120");
    String printed = r.toString();
    assertEquals(330, r.at("/sessions/opened").asInt(), printed);
    assertEquals(660, r.at("/messages/succeeded").asInt(), printed);
    assertEquals(5, r.at("/settings/modelFirstTokenMs").asInt());
    assertEquals(r.at("/timeToFirstTokenMs/p99").asDouble() - 5, r.at("/serverAddedTimeToFirstTokenMs/p99").asDouble(), 0.01);
    assertTrue(r.at("/server/peakResidentMb").asDouble() > 30, r.at("/server").toString());
    assertTrue(r.at("/server/heapUsedMbAtEnd").asDouble() > 0, r.at("/server").toString());
    assertEquals(0, r.at("/server/exitCode").asInt(), "the server drains and exits 0 on SIGTERM");
    assertTrue(Files.readString(Path.of(r.at("/server/log").asText())).contains("server stopped"));
  }

  /**
   * 100 sessions on the tiny real model and 8 slots, arrivals spread over time: every message is
   * answered. Before chat-llama's micro-batch fix, llama.cpp failed batches here ("failed to
   * prepare ubatch") and the circuit breaker then refused the rest.
   */
  @Test
  void aHundredSessionsOnTheTinyModelAreAllAnswered() throws Exception {
    JsonNode r = load("--model", TestModels.tiny().toString(), "--ws-sessions", "80", "--sse-sessions", "20",
        "--messages", "3", "--rate", "20", "--server-arg=--slots=8", "--server-arg=--context-size=512",
        "--server-arg=--max-reply-tokens=32", "--duration-seconds", "150");
    assertEquals(100, r.at("/sessions/opened").asInt());
    assertEquals(300, r.at("/messages/succeeded").asInt(), r.at("/failures").toString());
    assertTrue(r.at("/throughput/tokens").asLong() > 300, r.at("/throughput").toString());
  }
}
