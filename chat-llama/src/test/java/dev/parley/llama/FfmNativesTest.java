package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the FFM engine opens llama.cpp: its layouts equal the compiled headers', a wrong or missing
 * library fails the load with a message naming it, a user's own build folder is used, and a CPU
 * variant that crashes is caught in a child process. Every load that could fail runs in a child
 * JVM. Runs on the JDK 22+ only.
 */
class FfmNativesTest {
  @TempDir Path temp;

  /**
   * Every field the bindings lay out sits where the C compiler put it, compiled against the
   * release's own headers (chat-llama-natives' layout.c), and every struct has the C size.
   */
  @Test
  void theBindingsLayoutsEqualTheCompiledHeaders() throws Exception {
    Properties c = NativesFolder.read("layout.properties");
    Method layouts = Class.forName("dev.parley.llama.LlamaLibrary").getDeclaredMethod("layouts");
    layouts.setAccessible(true);
    @SuppressWarnings("unchecked")
    Map<String, Long> java = (Map<String, Long>) layouts.invoke(null);
    assertTrue(java.size() > 60, "the bindings name their fields: " + java.keySet());
    Map<String, String> drift = new TreeMap<>();
    java.forEach((key, value) -> {
      String expected = c.getProperty(key);
      if (expected == null || Long.parseLong(expected) != value) {
        drift.put(key, "Java " + value + ", C " + expected);
      }
    });
    assertEquals(Map.of(), drift, "fields the bindings place differently from the compiled headers");
    // The fields the release moved or added, spelled out.
    assertEquals(80L, java.get("llama_model_params.sizeof"));
    assertEquals(160L, java.get("llama_context_params.sizeof"));
    assertEquals(28L, java.get("llama_context_params.n_threads"));
    assertEquals(52L, java.get("llama_context_params.flash_attn_type"));
    assertEquals(133L, java.get("llama_context_params.kv_unified"));
    assertEquals("0.4.0", c.getProperty("llama_version"), "the built library reports the release it binds");
  }

  /** The natives report their release and each CPU variant's features, and hold every library they list. */
  @Test
  void theNativesJarDescribesWhatItHolds() throws Exception {
    Properties built = NativesFolder.read("natives.properties");
    assertEquals("0.4.0", built.getProperty("release"));
    assertEquals("80fb11ac73e66d89eae2c6a91d8a77428fa733ed", built.getProperty("commit"));
    List<String> files = List.of(built.getProperty("files").split(","));
    assertTrue(files.containsAll(List.of("libllama.so.0", "libggml.so.0", "libggml-base.so.0")), files.toString());
    if (NativesFolder.platform().equals("linux-x86_64")) {
      assertTrue(files.contains("libggml-cpu-haswell.so") && files.contains("libggml-cpu-sapphirerapids.so"), files.toString());
      assertEquals("SSE42,AVX,F16C,FMA,AVX2,BMI2", built.getProperty("variant.haswell"));
    }
    for (String f : files) {
      assertTrue(NativesFolder.class.getResource(NativesFolder.resource(f)) != null, f);
    }
    assertTrue(NativesFolder.class.getResource(NativesFolder.resource("LICENSE-llama.cpp")) != null,
        "llama.cpp's MIT notice travels with it");
  }

  /** A folder of the user's own build of the release is opened instead of the jar's, and logged. */
  @Test
  void aFolderOfYourOwnBuildIsOpened() throws Exception {
    Path own = NativesFolder.copyTo(temp.resolve("own-build"));
    String out = runProbe("-Dparley.llama.natives=" + own);
    assertTrue(out.contains("PROBE loaded ffm"), out);
    assertTrue(out.contains("PROBE mapped " + own.resolve("libllama.so.0").toRealPath()), out);
    assertTrue(out.contains("llama.cpp 0.4.0 from " + own), "the folder and devices are logged: " + out);
    assertTrue(out.contains("devices [CPU"), out);
  }

  /** A folder that is not one, or whose libllama is another library, fails the load naming it. */
  @Test
  void aWrongFolderOrLibraryFailsTheLoadNamingIt() throws Exception {
    String notFolder = runProbe("-Dparley.llama.natives=" + temp.resolve("nope"));
    assertTrue(notFolder.contains("PROBE ModelLoadException"), notFolder);
    assertTrue(notFolder.contains("nope, which is not a folder of llama.cpp libraries"), notFolder);

    Path broken = NativesFolder.copyTo(temp.resolve("broken"));
    Files.copy(Path.of(System.getProperty("java.home"), "lib", "libjava.so"), broken.resolve("libllama.so.0"),
        StandardCopyOption.REPLACE_EXISTING);
    String out = runProbe("-Dparley.llama.natives=" + broken);
    assertTrue(out.contains("PROBE ModelLoadException"), out);
    assertTrue(out.contains("has no function llama_version"), out);
    assertTrue(out.contains(broken.resolve("libllama.so.0").toString()), out);
  }

  /** A library of another release fails the load naming both releases, before any struct is passed. */
  @Test
  void anotherReleaseFailsTheLoadNamingBoth() throws Exception {
    Path other = NativesFolder.copyTo(temp.resolve("other-release"));
    Path source = temp.resolve("version.c");
    Files.writeString(source, "const char * llama_version(void) { return \"0.3.9\"; }\n");
    compile(source, other.resolve("libllama.so.0"));
    String out = runProbe("-Dparley.llama.natives=" + other);
    assertTrue(out.contains("PROBE ModelLoadException"), out);
    assertTrue(out.contains("is release 0.3.9; Parley's FFM engine binds release 0.4.0"), out);
  }

  /**
   * A variant asked for by name that needs a feature this CPU lacks is refused, never loaded: here
   * one built for a feature no CPU of today reports (any machine runs this).
   */
  @Test
  void aForcedVariantTheCpuCannotRunIsRefused() throws Exception {
    Path folder = NativesFolder.copyTo(temp.resolve("future"));
    Files.copy(folder.resolve("libggml-cpu-x64.so"), folder.resolve("libggml-cpu-future.so"));
    Files.writeString(folder.resolve("natives.properties"), "variant.future=SSE42,AVX10_2\n", StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.APPEND);
    String out = runProbe("-Dparley.llama.natives=" + folder, "-Dparley.llama.cpuVariant=future");
    assertTrue(out.contains("PROBE ModelLoadException: CPU variant \"future\" needs AVX10_2"), out);
    assertTrue(out.contains("which this CPU lacks"), out);
    assertFalse(out.contains("libggml-cpu-future.so"), "never loaded: " + out);
  }

  /**
   * The trial a variant passes before it is trusted: the variant Parley picks here decodes in a
   * child JVM; a variant that dies with SIGILL on its first call (as AMX kernels have) is a failed
   * verdict, kept on disk, and this JVM lives.
   */
  @Test
  void aVariantThatCrashesIsCaughtInAChildProcess() throws Exception {
    Class<?> trial = Class.forName("dev.parley.llama.VariantTrial");
    Method run = trial.getDeclaredMethod("run", Path.class, String.class, Path.class);
    run.setAccessible(true);
    Path good = NativesFolder.copyTo(temp.resolve("good"));
    String best = CpuVariants.choose(CpuVariants.parse(Files.readAllLines(good.resolve("natives.properties"))),
        CpuVariants.detect(), null, v -> false).variant();
    Object passed = run.invoke(null, good, best, TestModels.tiny());
    assertTrue(passed.toString().contains("printedPassed=true") && passed.toString().contains("exitCode=0"),
        passed.toString());

    Path crashing = NativesFolder.copyTo(temp.resolve("crashing"));
    Path source = temp.resolve("trap.c");
    // ggml calls a backend's score function first when it loads one: this one executes ud2.
    Files.writeString(source, "int ggml_backend_score(void) { __builtin_trap(); return 1; }\n"
        + "void * ggml_backend_init(void) { __builtin_trap(); return 0; }\n");
    compile(source, crashing.resolve("libggml-cpu-trap.so"));
    Files.writeString(crashing.resolve("natives.properties"), "variant.trap=\n", StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.APPEND);
    Object crashed = run.invoke(null, crashing, "trap", TestModels.tiny());
    Method decisive = crashed.getClass().getDeclaredMethod("decisive");
    Method ok = crashed.getClass().getDeclaredMethod("passed");
    decisive.setAccessible(true);
    ok.setAccessible(true);
    assertFalse((boolean) ok.invoke(crashed), crashed.toString());
    assertTrue((boolean) decisive.invoke(crashed), "a death by signal is a verdict: " + crashed);

    Method proven = trial.getDeclaredMethod("proven", Path.class, String.class, Path.class);
    proven.setAccessible(true);
    String before = System.getProperty("parley.cache.dir");
    System.setProperty("parley.cache.dir", temp.resolve("cache").toString());
    try {
      assertFalse((boolean) proven.invoke(null, crashing, "trap", TestModels.tiny()));
    } finally {
      if (before == null) {
        System.clearProperty("parley.cache.dir");
      } else {
        System.setProperty("parley.cache.dir", before);
      }
    }
    List<Path> verdicts = new ArrayList<>();
    try (var files = Files.list(temp.resolve("cache").resolve("cpu-variants"))) {
      files.forEach(verdicts::add);
    }
    assertEquals(1, verdicts.size(), verdicts.toString());
    assertTrue(verdicts.get(0).getFileName().toString().endsWith("-trap"), verdicts.toString());
    assertTrue(Files.readString(verdicts.get(0)).startsWith("failed: exited with 134"), Files.readString(verdicts.get(0)));
  }

  private static void compile(Path source, Path library) throws Exception {
    boolean haveCc = new ProcessBuilder("sh", "-c", "command -v cc").start().waitFor() == 0;
    if (!haveCc && "true".equals(System.getenv("CI"))) {
      throw new AssertionError("no C compiler (cc) for this test under CI=true");
    }
    assumeTrue(haveCc, "no C compiler (cc)");
    Process p = new ProcessBuilder("cc", "-shared", "-fPIC", "-O0", source.toString(), "-o", library.toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
  }

  private String runProbe(String... options) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path out = temp.resolve("probe-" + System.nanoTime() + ".txt");
    List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
    command.addAll(List.of(options));
    command.addAll(List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=info", "-cp",
        System.getProperty("java.class.path"), LoadProbe.class.getName(), TestModels.tiny().toString()));
    Process p = new ProcessBuilder(command)
        .redirectErrorStream(true).redirectOutput(out.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "probe did not exit");
    String text = Files.readString(out, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), text);
    return text;
  }
}
