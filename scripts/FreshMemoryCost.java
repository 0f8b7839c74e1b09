// What a saved state's memory costs before the copy: the same state (16 MB by default) copied into
// memory three ways, interleaved, 10 copies a round. Run it with Java 22+:
//
//   java --enable-native-access=ALL-UNNAMED scripts/FreshMemoryCost.java [MEGABYTES] [ROUNDS]
//
// reused:      one block kept and copied into again (chat-llama's StateMemory free list);
// fresh 4 KB:  a new anonymous mapping each time (what a large malloc gets), faulted in page by
//              page by the copy, unmapped after;
// fresh huge:  the same with madvise(MADV_HUGEPAGE) on a 2 MB-aligned range (chat-llama's
//              HugePages), where /sys/kernel/mm/transparent_hugepage/enabled allows it.
// Linux on x86-64 or aarch64 only (the mmap flags). docs/benchmarks.md has the figures.
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

public class FreshMemoryCost {
  static final long HUGE = 2L << 20;

  public static void main(String[] args) throws Throwable {
    long size = (args.length > 0 ? Long.parseLong(args[0]) : 16) << 20;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Linker linker = Linker.nativeLinker();
    var libc = linker.defaultLookup();
    MethodHandle mmap = linker.downcallHandle(libc.find("mmap").orElseThrow(),
        FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    MethodHandle munmap = linker.downcallHandle(libc.find("munmap").orElseThrow(),
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    MethodHandle madvise = linker.downcallHandle(libc.find("madvise").orElseThrow(),
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    MemorySegment state = Arena.global().allocate(size);
    state.fill((byte) 1);
    MemorySegment reused = Arena.global().allocate(size);
    System.out.printf("%d MB a copy, ms (10 copies a round)%n", size >> 20);
    System.out.println("round | reused | fresh 4 KB | fresh huge");
    for (int round = 1; round <= rounds; round++) {
      double[] ms = new double[3];
      for (int way = 0; way < 3; way++) {
        long start = System.nanoTime();
        for (int i = 0; i < 10; i++) {
          if (way == 0) {
            MemorySegment.copy(state, 0, reused, 0, size);
            continue;
          }
          long length = size + HUGE;
          MemorySegment base = (MemorySegment) mmap.invokeExact(MemorySegment.NULL, length, 3, 0x22, -1, 0L);
          MemorySegment block = MemorySegment.ofAddress((base.address() + HUGE - 1) / HUGE * HUGE).reinterpret(size);
          if (way == 2) {
            int ignored = (int) madvise.invokeExact(block, size, 14);
          }
          MemorySegment.copy(state, 0, block, 0, size);
          int ignored = (int) munmap.invokeExact(base.reinterpret(length), length);
        }
        ms[way] = (System.nanoTime() - start) / 10e6;
      }
      System.out.printf("%d | %.2f | %.2f | %.2f%n", round, ms[0], ms[1], ms[2]);
    }
  }
}
