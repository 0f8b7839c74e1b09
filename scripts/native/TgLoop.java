// parley-tg-loop (tg-loop.c) run inside a JVM: its main called through FFM from a Java thread, to
// tell "llama.cpp decodes slower in a JVM process" from "the engine drives it differently". Build
// the loop as a shared library and run this file with Java 22+, with tg-loop's own arguments:
//
//   cc -O2 -shared -fPIC -Dmain=tg_main -I INCLUDE scripts/native/tg-loop.c -o /tmp/libtgloop.so -ldl
//   PARLEY_CPU_VARIANT=libggml-cpu-zen4.so java --enable-native-access=ALL-UNNAMED \
//       scripts/native/TgLoop.java /tmp/libtgloop.so LIB MODEL THREADS TOKENS REPS CONTEXT [FLASH_ATTN]
//
// INCLUDE is the llama.cpp headers' folder of the native build (~/.cache/parley/natives/*/include).
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

public class TgLoop {
  public static void main(String[] args) throws Throwable {
    try (Arena arena = Arena.ofShared()) {
      SymbolLookup lib = SymbolLookup.libraryLookup(Path.of(args[0]), arena);
      MethodHandle main = Linker.nativeLinker().downcallHandle(lib.find("tg_main").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
      MemorySegment argv = arena.allocate(ValueLayout.ADDRESS, args.length + 1);
      argv.setAtIndex(ValueLayout.ADDRESS, 0, arena.allocateFrom("tg-loop"));
      for (int i = 1; i < args.length; i++) {
        argv.setAtIndex(ValueLayout.ADDRESS, i, arena.allocateFrom(args[i]));
      }
      int[] rc = new int[1];
      Thread t = new Thread(() -> { // a Java thread, as the engine's decode thread is
        try {
          rc[0] = (int) main.invokeExact(args.length, argv);
        } catch (Throwable e) {
          throw new IllegalStateException(e);
        }
      }, "tg-loop");
      t.start();
      t.join();
      System.exit(rc[0]);
    }
  }
}
