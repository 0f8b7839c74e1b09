package dev.parley.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** QuickStart from the runnable jar, in a child JVM. */
class QuickStartIT {
  @Test
  void quickStartInTheJarPlaysTheScriptedChatAndExits() throws Exception {
    Path jar = Path.of("target", "parley-examples.jar");
    assertTrue(jar.toFile().isFile(), "package phase must have built " + jar.toAbsolutePath());
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(List.of(java, "-cp", jar.toString(), "dev.parley.examples.QuickStart"))
        .redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the example must exit by itself");
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("FAKE model"), out);
    assertTrue(out.contains("bot> You said: \"Hello! What can Parley do?\""), out);
    assertTrue(out.contains("[rejected: REPEATED_CHARACTERS]"), out);
    assertTrue(out.contains("hits=1"), "the repeated question is a cache hit: " + out);
  }
}
