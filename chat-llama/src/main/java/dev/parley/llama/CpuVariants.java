package dev.parley.llama;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Which of ggml's CPU variants ({@code libggml-cpu-haswell.so}, {@code -zen4}, ...) the FFM engine
 * loads: the one compiled for the most instruction-set features, among those whose every feature
 * this CPU has. A variant using AMX is a candidate only once proven by a run in a child process
 * (AMX kernels have crashed whole processes on CPUs that report AMX), and a variant the CPU lacks a
 * feature of is never loaded, even when asked for by name.
 *
 * <p>Features are named as ggml's CMake names them ({@code AVX2}, {@code AVX512_VNNI},
 * {@code AMX_INT8}); {@link #cpuFeatures(Set, String)} maps the kernel's {@code /proc/cpuinfo}
 * flags to those names.
 */
final class CpuVariants {
  /** The variants' features as ggml names them, and the {@code /proc/cpuinfo} flags each needs. */
  private static final Map<String, List<String>> X86_FLAGS = Map.ofEntries(
      Map.entry("SSE42", List.of("sse4_2")),
      Map.entry("AVX", List.of("avx")),
      Map.entry("F16C", List.of("f16c")),
      Map.entry("FMA", List.of("fma")),
      Map.entry("AVX2", List.of("avx2")),
      Map.entry("BMI2", List.of("bmi2")),
      // ggml's AVX512 is -mavx512f -mavx512cd -mavx512vl -mavx512dq -mavx512bw.
      Map.entry("AVX512", List.of("avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw")),
      Map.entry("AVX512_VBMI", List.of("avx512vbmi")),
      Map.entry("AVX512_VNNI", List.of("avx512_vnni")),
      Map.entry("AVX512_BF16", List.of("avx512_bf16")),
      Map.entry("AVX_VNNI", List.of("avx_vnni")),
      Map.entry("AMX_TILE", List.of("amx_tile")),
      Map.entry("AMX_INT8", List.of("amx_int8")),
      Map.entry("AMX_BF16", List.of("amx_bf16")));

  private static final Map<String, List<String>> ARM_FLAGS = Map.ofEntries(
      Map.entry("DOTPROD", List.of("asimddp")),
      Map.entry("FP16_VECTOR_ARITHMETIC", List.of("asimdhp")),
      Map.entry("SVE", List.of("sve")),
      Map.entry("SVE2", List.of("sve2")),
      Map.entry("MATMUL_INT8", List.of("i8mm")),
      Map.entry("SME", List.of("sme")));

  private CpuVariants() {}

  /** A variant chosen, and why each other one was not. */
  record Choice(String variant, Map<String, String> passedOver) {
    Choice {
      passedOver = Map.copyOf(passedOver);
    }
  }

  /** Whether a variant uses AMX, and so must be proven before it is chosen. */
  static boolean usesAmx(Set<String> features) {
    return features.stream().anyMatch(f -> f.startsWith("AMX"));
  }

  /**
   * Chooses a variant.
   *
   * @param variants each variant's features, as {@code natives.properties} lists them
   * @param cpu this CPU's features, named as ggml names them
   * @param forced a variant asked for by name, or null
   * @param proven whether an AMX variant survived its trial run; asked only of AMX variants that
   *     would otherwise be chosen, best first
   * @throws IllegalArgumentException when {@code forced} is unknown or needs a feature this CPU
   *     lacks, or no variant fits
   */
  static Choice choose(Map<String, Set<String>> variants, Set<String> cpu, @Nullable String forced,
      Predicate<String> proven) {
    Map<String, String> passedOver = new LinkedHashMap<>();
    if (forced != null) {
      Set<String> features = variants.get(forced);
      if (features == null) {
        throw new IllegalArgumentException("no CPU variant \"" + forced + "\"; these were built: "
            + String.join(", ", new TreeSet<>(variants.keySet())));
      }
      Set<String> missing = missing(features, cpu);
      if (!missing.isEmpty()) {
        throw new IllegalArgumentException("CPU variant \"" + forced + "\" needs " + String.join(", ", missing)
            + ", which this CPU lacks");
      }
      variants.keySet().stream().filter(v -> !v.equals(forced)).forEach(v -> passedOver.put(v, "not the one asked for"));
      return new Choice(forced, passedOver);
    }
    List<String> fitting = new ArrayList<>();
    for (Map.Entry<String, Set<String>> e : variants.entrySet()) {
      Set<String> missing = missing(e.getValue(), cpu);
      if (missing.isEmpty()) {
        fitting.add(e.getKey());
      } else {
        passedOver.put(e.getKey(), "needs " + String.join(", ", missing));
      }
    }
    // Most features first; among equals, the later one in ggml's list (its newer CPU).
    List<String> order = new ArrayList<>(variants.keySet());
    fitting.sort((a, b) -> {
      int byCount = Integer.compare(variants.get(b).size(), variants.get(a).size());
      return byCount != 0 ? byCount : Integer.compare(order.indexOf(b), order.indexOf(a));
    });
    for (String v : fitting) {
      if (usesAmx(variants.get(v)) && !proven.test(v)) {
        passedOver.put(v, "uses AMX and did not pass its trial run");
        continue;
      }
      fitting.stream().filter(o -> !o.equals(v) && !passedOver.containsKey(o))
          .forEach(o -> passedOver.put(o, "fewer features than " + v));
      return new Choice(v, passedOver);
    }
    throw new IllegalArgumentException("no CPU variant fits this CPU (features " + String.join(", ", new TreeSet<>(cpu))
        + "): " + passedOver);
  }

  /**
   * Parses {@code natives.properties}' {@code variant.NAME=FEATURE,FEATURE} entries, in their order.
   */
  static Map<String, Set<String>> parse(List<String> lines) {
    Map<String, Set<String>> variants = new LinkedHashMap<>();
    for (String line : lines) {
      String l = line.trim();
      if (!l.startsWith("variant.")) {
        continue;
      }
      int eq = l.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("malformed variant line: " + line);
      }
      String name = l.substring("variant.".length(), eq).trim();
      Set<String> features = Arrays.stream(l.substring(eq + 1).split(","))
          .map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toCollection(TreeSet::new));
      variants.put(name, Set.copyOf(features));
    }
    return variants;
  }

  /** This CPU's features as ggml names them, from {@code /proc/cpuinfo}; empty where unreadable. */
  static Set<String> detect() {
    Path cpuinfo = Path.of("/proc/cpuinfo");
    String arch = System.getProperty("os.arch", "");
    try {
      return cpuFeatures(cpuinfoFlags(Files.readAllLines(cpuinfo)), arch);
    } catch (IOException | RuntimeException e) {
      return Set.of();
    }
  }

  /** The first processor's {@code flags} (x86) or {@code Features} (ARM) line of {@code /proc/cpuinfo}. */
  static Set<String> cpuinfoFlags(List<String> cpuinfo) {
    for (String line : cpuinfo) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String key = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      if (key.equals("flags") || key.equals("features")) {
        return Set.of(line.substring(colon + 1).trim().split("\\s+"));
      }
    }
    return Set.of();
  }

  /** The ggml features whose every kernel flag is in {@code flags}. */
  static Set<String> cpuFeatures(Set<String> flags, String arch) {
    Map<String, List<String>> table = arch.equals("aarch64") || arch.equals("arm64") ? ARM_FLAGS : X86_FLAGS;
    Set<String> features = new TreeSet<>();
    table.forEach((feature, needs) -> {
      if (flags.containsAll(needs)) {
        features.add(feature);
      }
    });
    return Set.copyOf(features);
  }

  /** A description of this CPU for caching verdicts: its model name and flags. */
  static String cpuKey(List<String> cpuinfo) {
    String model = cpuinfo.stream().filter(l -> l.startsWith("model name")).findFirst()
        .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
    return model + " | " + String.join(" ", new TreeSet<>(cpuinfoFlags(cpuinfo)));
  }

  private static Set<String> missing(Set<String> features, Set<String> cpu) {
    Set<String> missing = new TreeSet<>(features);
    missing.removeAll(cpu);
    return missing;
  }
}
