package dev.parley.examples.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The load tool as README runs it: from the runnable jar, starting the server in a child JVM,
 * reading its memory and stopping it with SIGTERM.
 */
class LoadGeneratorIT {
  @Test
  void startsTheServerDrivesItAndStopsIt() throws Exception {
    Path jar = Path.of("target", "parley-examples.jar");
    assertTrue(jar.toFile().isFile(), "package phase must have built " + jar.toAbsolutePath());
    Path work = Files.createTempDirectory("parley-load");
    Path report = work.resolve("report.json");
    Path output = work.resolve("output.txt");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(List.of(java, "-cp", jar.toString(), "dev.parley.examples.load.LoadGenerator",
        "--ws-sessions", "300", "--sse-sessions", "30", "--messages", "2", "--rate", "150",
        "--fake-token-delay-ms", "5", "--duration-seconds", "120", "--work-dir", work.toString(),
        "--json", report.toString()))
        .redirectErrorStream(true).redirectOutput(output.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    assertTrue(p.waitFor(150, TimeUnit.SECONDS), "the load tool stops by itself");
    String printed = Files.readString(output, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), printed);

    JsonNode r = new ObjectMapper().readTree(report.toFile());
    assertEquals(330, r.at("/sessions/opened").asInt(), printed);
    assertEquals(660, r.at("/messages/succeeded").asInt(), printed);
    assertEquals(5, r.at("/settings/modelFirstTokenMs").asInt());
    assertEquals(r.at("/timeToFirstTokenMs/p99").asDouble() - 5, r.at("/serverAddedTimeToFirstTokenMs/p99").asDouble(), 0.01);
    assertTrue(r.at("/server/peakResidentMb").asDouble() > 30, r.at("/server").toString());
    assertTrue(r.at("/server/heapUsedMbAtEnd").asDouble() > 0, r.at("/server").toString());
    assertEquals(0, r.at("/server/exitCode").asInt(), "the server drains and exits 0 on SIGTERM");
    assertTrue(Files.readString(Path.of(r.at("/server/log").asText())).contains("server stopped"));
  }
}
