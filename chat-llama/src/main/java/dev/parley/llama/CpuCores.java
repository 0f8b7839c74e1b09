package dev.parley.llama;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * How many compute threads a model gets by default: one per physical core the JVM may use.
 *
 * <p>llama.cpp's own tools default to the physical cores, since two hyper-threads of one core
 * share its vector units and a decode is as slow as its slowest thread. The JVM reports logical
 * processors (and honours container CPU limits), so the default is the smaller of the two.
 */
final class CpuCores {
  private static volatile int defaultThreads;

  private CpuCores() {}

  /** Read once: every model builder asks, and the answer does not change while the JVM runs. */
  static int defaultThreads() {
    int n = defaultThreads;
    if (n == 0) {
      int available = Runtime.getRuntime().availableProcessors();
      int physical = physicalCores(Path.of("/proc/cpuinfo"));
      n = Math.max(1, physical > 0 ? Math.min(available, physical) : available);
      defaultThreads = n;
    }
    return n;
  }

  /** Distinct (physical id, core id) pairs in a Linux {@code /proc/cpuinfo}; 0 if unknown. */
  static int physicalCores(Path cpuinfo) {
    List<String> lines;
    try {
      lines = Files.readAllLines(cpuinfo);
    } catch (IOException | SecurityException e) {
      return 0;
    }
    return physicalCores(lines);
  }

  static int physicalCores(List<String> cpuinfo) {
    Set<String> cores = new HashSet<>();
    String socket = "0";
    for (String line : cpuinfo) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String key = line.substring(0, colon).trim();
      String value = line.substring(colon + 1).trim();
      if (key.equals("physical id")) {
        socket = value;
      } else if (key.equals("core id")) {
        cores.add(socket + "/" + value);
      }
    }
    return cores.size();
  }
}
