package dev.parley.llama;

import dev.parley.chat.ChatResponse;
import dev.parley.chat.GenerationOptions;
import dev.parley.chat.ParleyException;
import dev.parley.chat.StreamHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trial a CPU variant passes before it is trusted: in a child JVM, load the model with that
 * variant, decode a 64-token prompt and a few tokens after it. AMX kernels have died with SIGILL or
 * SIGSEGV on the first prefill on CPUs that report AMX, which would take the user's JVM down with
 * them; in a child process a crash is only a verdict. Verdicts are kept per CPU (model name and
 * flags), natives build and variant under {@code $PARLEY_CACHE_DIR/cpu-variants} (default
 * {@code ~/.cache/parley}), so the trial runs once per machine.
 */
final class VariantTrial {
  static final String CACHE_PROPERTY = "parley.cache.dir";
  /** What a child prints when the variant decoded; anything else is a failure. */
  static final String PASSED = "PARLEY-VARIANT-TRIAL-PASSED";
  static final Duration TIMEOUT = Duration.ofMinutes(3);
  private static final Logger LOG = LoggerFactory.getLogger(VariantTrial.class);
  private static final ConcurrentHashMap<String, Boolean> VERDICTS = new ConcurrentHashMap<>();

  private VariantTrial() {}

  /** Whether {@code variant} of the natives in {@code dir} decodes {@code model} in a child JVM. */
  static boolean proven(Path dir, String variant, Path model) {
    String key = key(dir, variant);
    return VERDICTS.computeIfAbsent(key, k -> decide(k, dir, variant, model));
  }

  /** The verdict file for a CPU, natives build and variant. */
  static Path verdictFile(String key) {
    String configured = System.getProperty(CACHE_PROPERTY);
    if (configured == null || configured.isBlank()) {
      configured = System.getenv("PARLEY_CACHE_DIR");
    }
    Path root = configured == null || configured.isBlank()
        ? Path.of(System.getProperty("user.home"), ".cache", "parley") : Path.of(configured);
    return root.resolve("cpu-variants").resolve(key);
  }

  private static boolean decide(String key, Path dir, String variant, Path model) {
    Path file = verdictFile(key);
    try {
      if (Files.isRegularFile(file)) {
        String verdict = Files.readString(file).trim();
        LOG.info("CPU variant {}: trial verdict from {}: {}", variant, file, verdict);
        return verdict.equals("passed");
      }
    } catch (IOException e) {
      LOG.warn("could not read {}: {}", file, e.toString());
    }
    Outcome outcome = run(dir, variant, model);
    LOG.info("CPU variant {}: trial in a child JVM {}", variant, outcome.describe());
    if (outcome.decisive()) {
      try {
        Files.createDirectories(file.getParent());
        Files.writeString(file, (outcome.passed() ? "passed" : "failed: " + outcome.describe()) + "\n");
      } catch (IOException e) {
        LOG.warn("could not keep the verdict in {}: {}", file, e.toString());
      }
    }
    return outcome.passed();
  }

  /** How a trial ended: its exit code (-1 when it ran out of time) and whether it printed {@link #PASSED}. */
  record Outcome(int exitCode, boolean printedPassed, String tail) {
    boolean passed() {
      return exitCode == 0 && printedPassed;
    }

    /** A pass, or a death by signal (exit code 128+N; the JVM's own crash handler exits 134): kept. */
    boolean decisive() {
      return passed() || exitCode > 128;
    }

    String describe() {
      if (passed()) {
        return "passed";
      }
      String how = exitCode < 0 ? "ran out of time"
          : exitCode == 134 ? "exited with 134 (a crash in native code: the JVM's fatal-error handler aborts)"
          : exitCode > 128 ? "exited with " + exitCode + " (signal " + (exitCode - 128) + ")"
          : "exited with " + exitCode;
      return how + (tail.isEmpty() ? "" : ": " + tail);
    }
  }

  /** Runs the trial of {@code variant} in a child JVM of this one's binary and class path. */
  static Outcome run(Path dir, String variant, Path model) {
    String java = ProcessHandle.current().info().command().orElse(
        Path.of(System.getProperty("java.home"), "bin", "java").toString());
    try {
      Path log = Files.createTempFile("parley-variant-trial-", ".log");
      // A crash's hs_err report goes beside the log, not into the working folder.
      Path crashReport = log.resolveSibling(log.getFileName() + ".hs_err");
      List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
          "-cp", System.getProperty("java.class.path"), "-Xmx256m", "-XX:ErrorFile=" + crashReport,
          "-D" + Natives.FOLDER_PROPERTY + "=" + dir, "-D" + Natives.VARIANT_PROPERTY + "=" + variant,
          "-D" + Engines.PROPERTY + "=ffm", VariantTrial.class.getName(), model.toString()));
      try {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean ended = p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (!ended) {
          p.destroyForcibly().waitFor();
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        boolean printed = lines.stream().anyMatch(l -> l.trim().equals(PASSED));
        String tail = lines.stream().filter(l -> !l.isBlank()).skip(Math.max(0, lines.size() - 3))
            .map(String::trim).reduce((a, b) -> a + " | " + b).orElse("");
        return new Outcome(ended ? p.exitValue() : -1, printed, tail);
      } finally {
        Files.deleteIfExists(log);
        Files.deleteIfExists(crashReport);
      }
    } catch (IOException e) {
      return new Outcome(-2, false, "could not start: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome(-2, false, "interrupted");
    }
  }

  /** The child: loads the model with the variant the properties force, prefills and decodes. */
  public static void main(String[] args) throws Exception {
    Path model = Path.of(args[0]);
    EngineConfig config = new EngineConfig(model, "variant-trial", 256, 1, 2, 0, 0, null, Duration.ofSeconds(10),
        false, true, 0, 0, false, null, 0, false, null, null, Duration.ZERO, true, null, 0);
    try (Engine engine = Engines.load(config)) {
      int[] prompt = engine.tokenize("The quick brown fox jumps over the lazy dog. ".repeat(8));
      int n = Math.min(prompt.length, 64);
      int[] tokens = java.util.Arrays.copyOf(prompt, n);
      CompletableFuture<ChatResponse> done = new CompletableFuture<>();
      engine.start("", tokens, n + 1, null, GenerationOptions.builder().maxTokens(8).temperature(0).build(), null, null,
          new StreamHandler() {
            @Override
            public void onToken(String token) {}

            @Override
            public void onComplete(ChatResponse response) {
              done.complete(response);
            }

            @Override
            public void onError(ParleyException error) {
              done.completeExceptionally(error);
            }
          });
      done.get(2, TimeUnit.MINUTES);
    }
    System.out.println(PASSED);
  }

  private static String key(Path dir, String variant) {
    List<String> cpuinfo;
    try {
      cpuinfo = Files.readAllLines(Path.of("/proc/cpuinfo"));
    } catch (IOException e) {
      cpuinfo = List.of();
    }
    String build;
    try {
      Path lib = dir.resolve(Natives.variantFile(variant));
      build = Files.size(lib) + ":" + digest(Files.readAllBytes(lib)).substring(0, 16);
    } catch (IOException e) {
      build = dir.toString();
    }
    return digest((CpuVariants.cpuKey(cpuinfo) + "\n" + build).getBytes(StandardCharsets.UTF_8)).substring(0, 24)
        + "-" + variant;
  }

  private static String digest(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
