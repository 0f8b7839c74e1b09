package dev.parley.llama;

import java.nio.file.Path;

/** Loads a model in a child JVM and prints how it went: "PROBE loaded" or "PROBE Type: message". */
public final class LoadProbe {
  private LoadProbe() {}

  public static void main(String[] args) {
    try (LlamaChatModel model = LlamaChatModel.builder(Path.of(args[0])).contextSize(256).threads(1).build()) {
      System.out.println("PROBE loaded " + model.engine());
      // Which llama.cpp library the process mapped, for tests of where it came from.
      try {
        java.nio.file.Files.readAllLines(Path.of("/proc/self/maps")).stream()
            .filter(l -> l.contains("libllama")).map(l -> l.substring(l.indexOf('/')))
            .distinct().forEach(f -> System.out.println("PROBE mapped " + f));
      } catch (java.io.IOException e) {
        System.out.println("PROBE maps unreadable: " + e);
      }
    } catch (RuntimeException e) {
      System.out.println("PROBE " + e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }
}
