package dev.parley.templates;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Python's jinja2 (Debian's {@code python3-jinja2}, which the test command installs) rendering
 * templates as Hugging Face's transformers does, through {@code src/test/python/render_reference.py}.
 * The interpreter is {@code $PARLEY_PYTHON}, else {@code /usr/bin/python3}. Under {@code CI=true} a
 * missing interpreter, jinja2 or template folder fails the test instead of skipping it.
 */
final class ReferenceRenderer {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String NOW = "2026-07-26T10:15:00";

  private ReferenceRenderer() {}

  /** {@code shared/templates} beside the models folder ({@code PARLEY_MODELS_DIR}, else {@code ../../shared/models}). */
  static Map<String, String> sharedTemplates() throws IOException {
    String models = System.getenv("PARLEY_MODELS_DIR");
    Path modelsDir = models != null && !models.isBlank() ? Path.of(models)
        : Path.of("..", "..", "shared", "models").toAbsolutePath().normalize();
    Path dir = modelsDir.toAbsolutePath().getParent().resolve("templates");
    if (!Files.isDirectory(dir)) {
      missing("the chat templates folder " + dir + " is missing (shared/templates beside " + modelsDir + ")");
    }
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".jinja"))::iterator) {
        String name = f.getFileName().toString();
        out.put(name.substring(0, name.length() - ".jinja".length()), Files.readString(f, StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  static JsonNode conversations() throws IOException {
    try (var in = ReferenceRenderer.class.getResourceAsStream("conversations.json")) {
      return JSON.readTree(in);
    }
  }

  /** {template: {conversation: {"text": ...} or {"error": ...}}} as Python's jinja2 renders them. */
  static JsonNode render(Map<String, String> templates, JsonNode conversations) throws IOException, InterruptedException {
    String configured = System.getenv("PARLEY_PYTHON");
    String python = configured != null && !configured.isBlank() ? configured : "/usr/bin/python3";
    if (!Files.isExecutable(Path.of(python))) {
      missing(python + " is missing (the test command installs Debian's python3-jinja2)");
    }
    ObjectNode request = JSON.createObjectNode();
    request.set("templates", JSON.valueToTree(templates));
    request.set("conversations", conversations);
    request.put("now", NOW);
    Path script = Path.of("src", "test", "python", "render_reference.py").toAbsolutePath();
    Process p = new ProcessBuilder(python, script.toString()).redirectError(ProcessBuilder.Redirect.PIPE).start();
    Thread writer = new Thread(() -> {
      try (var out = p.getOutputStream()) {
        JSON.writeValue(out, request);
      } catch (IOException e) {
        // the process died; its exit status says why
      }
    });
    writer.start();
    byte[] stdout = p.getInputStream().readAllBytes();
    String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("Python's jinja2 did not finish in 120 s");
    }
    writer.join();
    if (p.exitValue() != 0) {
      if (stderr.contains("No module named 'jinja2'")) {
        missing("Python's jinja2 is not installed for " + python + " (Debian's python3-jinja2)");
      }
      fail("the reference renderer failed: " + stderr);
    }
    return JSON.readTree(stdout);
  }

  static void missing(String message) {
    if ("true".equals(System.getenv("CI"))) {
      fail(message);
    }
    Assumptions.abort(message);
  }
}
