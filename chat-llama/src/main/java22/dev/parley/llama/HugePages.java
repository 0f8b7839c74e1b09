package dev.parley.llama;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Anonymous memory in transparent huge pages, from libc's {@code mmap} with {@code
 * madvise(MADV_HUGEPAGE)}, on Linux where the kernel grants them to memory that asks ({@code
 * always} or {@code madvise} in {@code /sys/kernel/mm/transparent_hugepage/enabled}). Elsewhere
 * {@link #allocate} answers null and the caller takes the JDK's memory.
 *
 * <p>The first touch of fresh memory faults in every page; with 4 KB pages a 13 MB state costs
 * thousands of faults, with 2 MB pages seven. The memory comes zeroed from the kernel and is
 * unmapped when its arena closes, so a read after that throws instead of touching unmapped pages.
 * This class is the only caller of those libc functions.
 */
final class HugePages {
  /** The huge page size on x86-64 and aarch64 Linux. */
  static final long SIZE = 2L << 20;
  private static final int PROT_READ_WRITE = 0x1 | 0x2;
  private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
  private static final int MADV_HUGEPAGE = 14;
  private static final @Nullable HugePages LIBC = load();

  private final MethodHandle mmap;
  private final MethodHandle munmap;
  private final MethodHandle madvise;

  private HugePages(Linker linker, SymbolLookup libc) {
    this.mmap = linker.downcallHandle(libc.find("mmap").orElseThrow(),
        FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    this.munmap = linker.downcallHandle(libc.find("munmap").orElseThrow(),
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    this.madvise = linker.downcallHandle(libc.find("madvise").orElseThrow(),
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
  }

  private static @Nullable HugePages load() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "");
    if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"))
        || !granted(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"))) {
      return null;
    }
    try {
      return new HugePages(Linker.nativeLinker(), Linker.nativeLinker().defaultLookup());
    } catch (RuntimeException e) {
      return null; // no such symbol: the JDK's memory instead
    }
  }

  /** Whether the kernel's setting in {@code file} gives huge pages to memory that asks for them. */
  static boolean granted(Path file) {
    try {
      String setting = Files.readString(file);
      return setting.contains("[always]") || setting.contains("[madvise]");
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** Whether {@link #allocate} can give huge pages here. */
  static boolean available() {
    return LIBC != null;
  }

  /**
   * {@code bytes} of zeroed memory in huge pages, unmapped when {@code arena} closes; null where
   * there are none to be had (then nothing was mapped).
   */
  static @Nullable MemorySegment allocate(long bytes, Arena arena) {
    HugePages libc = LIBC;
    return libc == null || bytes <= 0 ? null : libc.map(bytes, arena);
  }

  private @Nullable MemorySegment map(long bytes, Arena arena) {
    long pages = (bytes + SIZE - 1) / SIZE * SIZE;
    long length = pages + SIZE; // room to start on a huge page boundary
    MemorySegment base;
    try {
      base = (MemorySegment) mmap.invokeExact(MemorySegment.NULL, length, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1,
          0L);
    } catch (Throwable e) {
      return null;
    }
    if (base.address() == -1L || base.address() == 0L) {
      return null; // MAP_FAILED
    }
    long aligned = (base.address() + SIZE - 1) / SIZE * SIZE;
    MemorySegment start = MemorySegment.ofAddress(aligned);
    try {
      int ignored = (int) madvise.invokeExact(start.reinterpret(pages), pages, MADV_HUGEPAGE); // a hint: 4 KB pages if refused
    } catch (Throwable e) {
      // the same memory, in small pages
    }
    MethodHandle unmap = munmap;
    return start.reinterpret(bytes, arena, s -> {
      try {
        int ignored = (int) unmap.invokeExact(base.reinterpret(length), length);
      } catch (Throwable e) {
        throw new IllegalStateException("munmap failed", e);
      }
    });
  }
}
