package dev.parley.llama;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens llama.cpp's libraries and registers ggml's backends, once per JVM.
 *
 * <p>The libraries come from a folder: the one named by {@code -Dparley.llama.natives} or
 * {@code PARLEY_LLAMA_NATIVES} (a user's own build of the same release: CUDA, Vulkan, Metal...),
 * else chat-llama-natives' folder for this platform, extracted from the class path as one unit with
 * the libraries' sonames as file names. The CPU backend is one of ggml's variants, chosen by {@link
 * CpuVariants} ({@code -Dparley.llama.cpuVariant} or {@code PARLEY_LLAMA_CPU_VARIANT} forces one);
 * every other backend library in the folder (GPU) is registered as it is.
 */
final class Natives {
  static final String FOLDER_PROPERTY = "parley.llama.natives";
  static final String FOLDER_ENV = "PARLEY_LLAMA_NATIVES";
  static final String VARIANT_PROPERTY = "parley.llama.cpuVariant";
  static final String VARIANT_ENV = "PARLEY_LLAMA_CPU_VARIANT";
  /** The release the bindings are written for: {@code llama_version()} must return it. */
  static final String RELEASE = "0.4.0";
  /**
   * chat-llama-natives' folder, read through the class loader rather than {@code Class.getResource}:
   * on the module path the libraries are another module's resources, which a class's own lookup does
   * not search. The platform folder's name ({@code linux-x86_64}) is not a package name, so the
   * resources are not encapsulated.
   */
  static final String RESOURCE_ROOT = "dev/parley/llama/natives/";

  private static final Logger LOG = LoggerFactory.getLogger(Natives.class);

  final Path folder;
  final SymbolLookup llama;
  final SymbolLookup ggml;
  final SymbolLookup ggmlBase;
  final Path llamaFile;
  final Path ggmlFile;
  final Path ggmlBaseFile;
  final String cpuVariant;
  final List<String> devices;

  private Natives(Path folder, Path llamaFile, Path ggmlFile, Path ggmlBaseFile, SymbolLookup llama, SymbolLookup ggml,
      SymbolLookup ggmlBase, String cpuVariant, List<String> devices) {
    this.folder = folder;
    this.llamaFile = llamaFile;
    this.ggmlFile = ggmlFile;
    this.ggmlBaseFile = ggmlBaseFile;
    this.llama = llama;
    this.ggml = ggml;
    this.ggmlBase = ggmlBase;
    this.cpuVariant = cpuVariant;
    this.devices = List.copyOf(devices);
  }

  /** The platform folder's name: {@code linux-x86_64}, {@code linux-aarch64}, {@code macos-aarch64}... */
  static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    String o = os.contains("linux") ? "linux" : os.contains("mac") ? "macos" : os.contains("win") ? "windows" : os;
    String a = arch.equals("amd64") || arch.equals("x86_64") ? "x86_64" : arch.equals("arm64") ? "aarch64" : arch;
    return o + "-" + a;
  }

  /**
   * Opens the libraries.
   *
   * @param folder a folder of the user's own build, or null for the configured one or the class path's
   * @param forcedVariant a CPU variant asked for by name, or null for the configured one or the best
   * @param modelFile the model being loaded, for errors and for an AMX variant's trial run
   */
  static Natives open(@Nullable Path folder, @Nullable String forcedVariant, Path modelFile) {
    Path dir = folder != null ? folder : configuredFolder(modelFile);
    List<String> built = new ArrayList<>();
    if (dir == null) {
      dir = extract(built, modelFile);
    } else {
      Path p = dir.resolve("natives.properties");
      if (Files.isRegularFile(p)) {
        built.addAll(read(p, modelFile));
      }
    }
    Linker linker = Linker.nativeLinker();
    Path base = library(dir, "ggml-base", modelFile);
    Path ggmlFile = library(dir, "ggml", modelFile);
    Path llamaFile = library(dir, "llama", modelFile);
    // In dependency order, each by its full path: the next one's needed sonames are then found loaded.
    SymbolLookup ggmlBase = SymbolLookup.libraryLookup(base, Arena.global());
    // ggml's log to SLF4J before any backend loads (it would write to stderr otherwise).
    try {
      MethodHandle logSet = linker.downcallHandle(find(ggmlBase, "ggml_log_set", base, modelFile),
          FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
      logSet.invokeExact(LlamaLibrary.logCallback(), MemorySegment.NULL);
    } catch (ModelLoadException e) {
      throw e;
    } catch (Throwable e) {
      throw LlamaLibrary.rethrow(e);
    }
    SymbolLookup ggml = SymbolLookup.libraryLookup(ggmlFile, Arena.global());
    SymbolLookup llama = SymbolLookup.libraryLookup(llamaFile, Arena.global());
    String version = call(linker, llama, "llama_version", llamaFile, modelFile);
    if (!RELEASE.equals(version)) {
      throw new ModelLoadException(ModelLoadException.Reason.LOAD_FAILED, modelFile, "the llama.cpp library "
          + llamaFile + " is release " + version + "; Parley's FFM engine binds release " + RELEASE
          + " (its structs and functions differ between releases)", null);
    }
    MethodHandle load = linker.downcallHandle(find(ggml, "ggml_backend_load", ggmlFile, modelFile),
        FunctionDescriptor.of(ADDRESS, ADDRESS));
    String variant = loadCpu(dir, built, forcedVariant, load, modelFile);
    for (Path other : otherBackends(dir)) {
      MemorySegment reg = invokeLoad(load, other);
      LOG.info("llama.cpp backend {}: {}", other.getFileName(), reg.equals(MemorySegment.NULL) ? "not usable here" : "registered");
    }
    List<String> devices = devices(linker, ggml, ggmlFile, modelFile);
    if (devices.isEmpty()) {
      throw new ModelLoadException(ModelLoadException.Reason.LOAD_FAILED, modelFile,
          "ggml registered no device from " + dir + " (no CPU backend library there?)", null);
    }
    LOG.info("llama.cpp {} from {}: CPU variant {}, devices {}", version, dir, variant, devices);
    return new Natives(dir, llamaFile, ggmlFile, base, llama, ggml, ggmlBase, variant, devices);
  }

  /**
   * A function of the CPU backend (the loaded variant), through ggml's registry: with
   * {@code GGML_BACKEND_DL} its library is not linked to, so its symbols are asked of it.
   */
  MemorySegment cpuFunction(String name, Path modelFile) {
    Linker linker = Linker.nativeLinker();
    try (Arena a = Arena.ofConfined()) {
      MethodHandle byName = linker.downcallHandle(find(ggml, "ggml_backend_reg_by_name", ggmlFile, modelFile),
          FunctionDescriptor.of(ADDRESS, ADDRESS));
      MethodHandle procAddress = linker.downcallHandle(find(ggml, "ggml_backend_reg_get_proc_address", ggmlFile, modelFile),
          FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
      MemorySegment reg = (MemorySegment) byName.invokeExact(a.allocateFrom("CPU"));
      MemorySegment f = reg.equals(MemorySegment.NULL) ? MemorySegment.NULL
          : (MemorySegment) procAddress.invokeExact(reg, a.allocateFrom(name));
      if (f.equals(MemorySegment.NULL)) {
        throw new ModelLoadException(ModelLoadException.Reason.LOAD_FAILED, modelFile,
            "ggml's CPU backend (" + cpuVariant + ", from " + folder + ") has no function " + name, null);
      }
      return f;
    } catch (ModelLoadException e) {
      throw e;
    } catch (Throwable e) {
      throw LlamaLibrary.rethrow(e);
    }
  }

  private static @Nullable Path configuredFolder(Path modelFile) {
    String v = System.getProperty(FOLDER_PROPERTY);
    String from = "-D" + FOLDER_PROPERTY;
    if (v == null || v.isBlank()) {
      v = System.getenv(FOLDER_ENV);
      from = FOLDER_ENV;
    }
    if (v == null || v.isBlank()) {
      return null;
    }
    Path p = Path.of(v.trim());
    if (!Files.isDirectory(p)) {
      throw new ModelLoadException(ModelLoadException.Reason.LOAD_FAILED, modelFile,
          from + " names " + p + ", which is not a folder of llama.cpp libraries", null);
    }
    return p;
  }

  static @Nullable String configuredVariant() {
    String v = System.getProperty(VARIANT_PROPERTY);
    if (v == null || v.isBlank()) {
      v = System.getenv(VARIANT_ENV);
    }
    return v == null || v.isBlank() ? null : v.trim();
  }

  /** chat-llama-natives' folder for this platform, copied out of the class path into a private folder. */
  private static Path extract(List<String> built, Path modelFile) {
    String root = RESOURCE_ROOT + platform() + "/";
    ClassLoader loader = Natives.class.getClassLoader();
    try (InputStream in = loader.getResourceAsStream(root + "natives.properties")) {
      if (in == null) {
        throw new ModelLoadException(ModelLoadException.Reason.LOAD_FAILED, modelFile,
            "no llama.cpp natives for " + platform() + " on the class or module path (" + root
                + " from dev.parley:chat-llama-natives); name a folder of your own build with -D"
                + FOLDER_PROPERTY + " or " + FOLDER_ENV, null);
      }
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      built.addAll(List.of(text.split("\n")));
      Properties properties = new Properties();
      properties.load(new StringReader(text));
      Path dir = PrivateFolders.create("parley-llama-");
      List<Path> written = new ArrayList<>();
      for (String name : List.of(properties.getProperty("files", "").split(","))) {
        if (name.isBlank() || name.contains("/")) {
          continue;
        }
        try (InputStream lib = loader.getResourceAsStream(root + name)) {
          if (lib == null) {
            throw new ModelLoadException(ModelLoadException.Reason.LOAD_FAILED, modelFile,
                "chat-llama-natives lists " + name + " but the class or module path has no " + root + name, null);
          }
          Path target = dir.resolve(name);
          Files.copy(lib, target, StandardCopyOption.REPLACE_EXISTING);
          written.add(target);
        }
      }
      // Files before their folder: deleteOnExit runs newest first.
      written.forEach(f -> f.toFile().deleteOnExit());
      return dir;
    } catch (IOException e) {
      throw new ModelLoadException(ModelLoadException.Reason.LOAD_FAILED, modelFile,
          "could not extract the llama.cpp natives " + root + ": " + e.getMessage(), e);
    }
  }

  private static List<String> read(Path file, Path modelFile) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ModelLoadException(ModelLoadException.Reason.LOAD_FAILED, modelFile,
          "could not read " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * {@code libNAME.so.N} (the soname, as chat-llama-natives packs it), else {@code libNAME.so}
   * (a build folder), else the macOS and Windows names.
   */
  static Path library(Path dir, String name, Path modelFile) {
    List<Path> candidates = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.filter(f -> {
        String n = f.getFileName().toString();
        return n.matches("lib" + java.util.regex.Pattern.quote(name) + "\\.so(\\.\\d+)?")
            || n.equals("lib" + name + ".dylib") || n.equals(name + ".dll");
      }).sorted((a, b) -> b.getFileName().toString().length() - a.getFileName().toString().length())
          .forEach(candidates::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (candidates.isEmpty()) {
      throw new ModelLoadException(ModelLoadException.Reason.LOAD_FAILED, modelFile,
          "no lib" + name + " in the llama.cpp natives folder " + dir, null);
    }
    return candidates.get(0);
  }

  /** Registers the CPU backend: the chosen variant, or the folder's one CPU library. */
  private static String loadCpu(Path dir, List<String> built, @Nullable String forced, MethodHandle load, Path modelFile) {
    Map<String, Set<String>> variants = CpuVariants.parse(built);
    variants.keySet().removeIf(v -> !Files.isRegularFile(dir.resolve(variantFile(v))));
    String wanted = forced != null ? forced : configuredVariant();
    if (variants.isEmpty()) {
      Path single = dir.resolve(variantFile(null));
      if (Files.isRegularFile(single)) {
        invokeLoad(load, single);
        return "ggml-cpu";
      }
      return "none (built into libggml)";
    }
    CpuVariants.Choice choice;
    try {
      choice = CpuVariants.choose(variants, CpuVariants.detect(), wanted,
          v -> VariantTrial.proven(dir, v, modelFile));
    } catch (IllegalArgumentException e) {
      throw new ModelLoadException(ModelLoadException.Reason.INCOMPATIBLE_SETTINGS, modelFile, e.getMessage(), e);
    }
    if (LOG.isDebugEnabled()) {
      choice.passedOver().forEach((v, why) -> LOG.debug("CPU variant {} passed over: {}", v, why));
    }
    MemorySegment reg = invokeLoad(load, dir.resolve(variantFile(choice.variant())));
    if (reg.equals(MemorySegment.NULL)) {
      throw new ModelLoadException(ModelLoadException.Reason.LOAD_FAILED, modelFile,
          "ggml could not load the CPU variant " + choice.variant() + " from " + dir
              + " (it reports this CPU unsupported; see the llama.cpp log)", null);
    }
    return choice.variant();
  }

  static String variantFile(@Nullable String variant) {
    return variant == null ? "libggml-cpu.so" : "libggml-cpu-" + variant + ".so";
  }

  /** Backend libraries other than ggml's base and CPU ones: CUDA, Vulkan, ... in a user's build. */
  private static List<Path> otherBackends(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> {
        String n = f.getFileName().toString();
        return n.startsWith("libggml-") && n.endsWith(".so") && !n.startsWith("libggml-base")
            && !n.startsWith("libggml-cpu");
      }).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static MemorySegment invokeLoad(MethodHandle load, Path file) {
    try (Arena a = Arena.ofConfined()) {
      return (MemorySegment) load.invokeExact(a.allocateFrom(file.toString()));
    } catch (Throwable e) {
      throw LlamaLibrary.rethrow(e);
    }
  }

  /** Each registered device as "name (description)". */
  private static List<String> devices(Linker linker, SymbolLookup ggml, Path file, Path modelFile) {
    try {
      MethodHandle count = linker.downcallHandle(find(ggml, "ggml_backend_dev_count", file, modelFile),
          FunctionDescriptor.of(JAVA_LONG));
      MethodHandle get = linker.downcallHandle(find(ggml, "ggml_backend_dev_get", file, modelFile),
          FunctionDescriptor.of(ADDRESS, JAVA_LONG));
      MethodHandle name = linker.downcallHandle(find(ggml, "ggml_backend_dev_name", file, modelFile),
          FunctionDescriptor.of(ADDRESS, ADDRESS));
      MethodHandle description = linker.downcallHandle(find(ggml, "ggml_backend_dev_description", file, modelFile),
          FunctionDescriptor.of(ADDRESS, ADDRESS));
      long n = (long) count.invokeExact();
      List<String> out = new ArrayList<>();
      for (long i = 0; i < n; i++) {
        MemorySegment dev = (MemorySegment) get.invokeExact(i);
        out.add(string((MemorySegment) name.invokeExact(dev)) + " (" + string((MemorySegment) description.invokeExact(dev)) + ")");
      }
      return out;
    } catch (Throwable e) {
      throw LlamaLibrary.rethrow(e);
    }
  }

  private static String call(Linker linker, SymbolLookup lookup, String function, Path file, Path modelFile) {
    MethodHandle h = linker.downcallHandle(find(lookup, function, file, modelFile), FunctionDescriptor.of(ADDRESS));
    try {
      return string((MemorySegment) h.invokeExact());
    } catch (Throwable e) {
      throw LlamaLibrary.rethrow(e);
    }
  }

  static MemorySegment find(SymbolLookup lookup, String name, Path file, Path modelFile) {
    return lookup.find(name).orElseThrow(() -> new ModelLoadException(ModelLoadException.Reason.LOAD_FAILED,
        modelFile, "the llama.cpp library " + file + " has no function " + name + " (Parley's FFM engine binds"
            + " llama.cpp release " + RELEASE + ")", null));
  }

  static String string(MemorySegment cString) {
    return cString.equals(MemorySegment.NULL) ? "" : cString.reinterpret(4096).getString(0, StandardCharsets.UTF_8);
  }
}
