package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CpuCoresTest {
  @Test
  void hyperThreadsOfOneCoreCountOnce() {
    // 2 sockets x 2 cores x 2 hyper-threads: 8 processors, 4 physical cores.
    List<String> cpuinfo = new ArrayList<>();
    int processor = 0;
    for (int socket = 0; socket < 2; socket++) {
      for (int thread = 0; thread < 2; thread++) {
        for (int core = 0; core < 2; core++) {
          cpuinfo.add("processor\t: " + processor++);
          cpuinfo.add("physical id\t: " + socket);
          cpuinfo.add("siblings\t: 4");
          cpuinfo.add("core id\t\t: " + core);
          cpuinfo.add("");
        }
      }
    }
    assertEquals(4, CpuCores.physicalCores(cpuinfo));
  }

  @Test
  void unknownWithoutCoreIds() {
    assertEquals(0, CpuCores.physicalCores(List.of("processor\t: 0", "BogoMIPS\t: 100.00", "")));
    assertEquals(0, CpuCores.physicalCores(Path.of("/no/such/cpuinfo")));
  }

  @Test
  void defaultIsAtLeastOneAndAtMostTheJvmsProcessors() {
    int threads = CpuCores.defaultThreads();
    assertTrue(threads >= 1 && threads <= Runtime.getRuntime().availableProcessors(), "threads " + threads);
  }
}
