package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@link ExitProbe} in a child JVM: a Parley user's process exits once it closes its model,
 * and llama.cpp writes nothing to stdout.
 */
class ChildJvmTest {
  @TempDir Path temp;

  private Process start(String... jvmOptions) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java));
    if (Runtime.version().feature() >= 22) {
      command.add("--enable-native-access=ALL-UNNAMED");
    }
    command.addAll(List.of(jvmOptions));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), ExitProbe.class.getName(),
        TestModels.tiny().toString()));
    return new ProcessBuilder(command)
        .redirectOutput(temp.resolve("out.txt").toFile())
        .redirectError(temp.resolve("err.txt").toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .start();
  }

  private String read(String name) throws Exception {
    return Files.readString(temp.resolve(name), StandardCharsets.UTF_8);
  }

  @Test
  void processExitsAfterTheModelIsClosedAndStdoutHoldsOnlyTheProgramsOwnLines() throws Exception {
    Process p = start("-Dorg.slf4j.simpleLogger.defaultLogLevel=debug");
    boolean exited = p.waitFor(60, TimeUnit.SECONDS);
    if (!exited) {
      p.destroyForcibly();
    }
    String out = read("out.txt");
    String err = read("err.txt");
    assertTrue(exited, "the JVM must exit after main returns; stdout:\n" + out + "\nstderr:\n" + err);
    assertEquals(0, p.exitValue(), err);
    assertEquals(List.of("PROBE reply of", "PROBE main returns"),
        out.lines().map(l -> l.startsWith("PROBE reply of") ? "PROBE reply of" : l).toList(),
        "llama.cpp and its loader must write nothing to stdout");
    assertTrue(err.contains("dev.parley.llama.native"), "llama.cpp's log is routed to SLF4J:\n" + err);
  }

  @Test
  void withoutTheExitGuardOnlyTheJniEnginesNativeWorkerThreadKeepsTheJvmAlive() throws Exception {
    Process p = start("-Dparley.llama.exitGuard=false");
    boolean exited = p.waitFor(EngineSelectionTest.ffm() ? 60 : 15, TimeUnit.SECONDS);
    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    assertTrue(read("out.txt").contains("PROBE main returns"), read("err.txt"));
    if (EngineSelectionTest.ffm()) {
      // The FFM engine's threads are the JVM's own daemon threads: nothing to guard against.
      assertTrue(exited, "the FFM engine must let the JVM exit by itself:\n" + read("err.txt"));
      assertEquals(0, p.exitValue(), read("err.txt"));
    } else {
      // Documents java-llama.cpp 4.2.0's stranded non-daemon thread: if this starts exiting, the
      // upstream bug is fixed and NativeThreads can go.
      assertFalse(exited, "expected the JVM to hang on java-llama.cpp's stranded native thread");
    }
  }

  /**
   * java-llama.cpp's loader deletes every file in its extraction folder whose name starts with
   * "llama" as a stale copy of its library. Loading a model, on either engine, leaves the user's
   * files in {@code java.io.tmpdir} alone, and the process's own folders are gone after it exits.
   */
  @Test
  void loadingAModelLeavesTheUsersFilesInTheTempFolderAloneAndNothingBehind() throws Exception {
    for (String engine : EngineSelectionTest.ffm() ? List.of("jni", "ffm") : List.of("jni")) {
      Path tmp = Files.createDirectories(temp.resolve("tmp-" + engine));
      Path users = Files.writeString(tmp.resolve("llama-2-7b.gguf"), "a user's model");
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      List<String> command = new ArrayList<>(List.of(java));
      if (Runtime.version().feature() >= 22) {
        command.add("--enable-native-access=ALL-UNNAMED");
      }
      command.addAll(List.of("-Djava.io.tmpdir=" + tmp, "-Dparley.llama.engine=" + engine,
          "-cp", System.getProperty("java.class.path"), LoadProbe.class.getName(), TestModels.tiny().toString()));
      Process p = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
      assertTrue(out.contains("PROBE loaded " + engine), out);
      assertTrue(Files.exists(users), engine + ": the user's file was deleted\n" + out);
      try (var left = Files.list(tmp)) {
        assertEquals(List.of(users), left.toList(), engine + ": left behind in java.io.tmpdir");
      }
    }
  }
}
