package dev.parley.llama;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Huge-page memory for saved states: when it is asked for, what it gives, and that it goes away with its arena. JDK 22+. */
class FfmHugePagesTest {
  private static final Path SETTING = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
  @TempDir Path temp;

  @Test
  void theKernelsSettingDecides() throws Exception {
    assertTrue(HugePages.granted(write("always [madvise] never\n")));
    assertTrue(HugePages.granted(write("[always] madvise never\n")));
    assertFalse(HugePages.granted(write("always madvise [never]\n")));
    assertFalse(HugePages.granted(temp.resolve("missing")), "no such setting: none asked for");
  }

  @Test
  void onLinuxWithHugePagesGrantedTheyAreUsed() {
    boolean linux = System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("linux");
    assertEquals(linux && HugePages.granted(SETTING), HugePages.available());
  }

  @Test
  void theMemoryIsZeroedWritableAlignedAndGoneWithItsArena() {
    Arena arena = Arena.ofShared();
    long bytes = 3 * HugePages.SIZE + 12345;
    MemorySegment m = HugePages.allocate(bytes, arena);
    if (!HugePages.available()) {
      assertNull(m);
      arena.close();
      return;
    }
    assertNotNull(m);
    assertEquals(bytes, m.byteSize());
    assertEquals(0, m.address() % HugePages.SIZE, "starts on a huge page");
    for (long at = 0; at + 8 <= bytes; at += 4096) {
      assertEquals(0, m.get(JAVA_LONG, at), "zeroed at " + at);
      m.set(JAVA_LONG, at, at + 1);
    }
    assertEquals(HugePages.SIZE + 1, m.get(JAVA_LONG, HugePages.SIZE));
    arena.close();
    assertThrows(IllegalStateException.class, () -> m.get(JAVA_LONG, 0), "unmapped with its arena: a read throws");
  }

  @Test
  void aLargeStatesBlockIsMadeOfHugePagesWhereThereAreAny() {
    long state = 13_000_000;
    assertTrue(state >= StateMemory.HUGE_FROM);
    long capacity = StateMemory.capacityFor(state);
    assertTrue(capacity >= state && capacity - state < HugePages.SIZE, "whole pages, no more: " + capacity);
    if (HugePages.available()) {
      assertEquals(0, capacity % HugePages.SIZE, "whole huge pages: " + capacity);
      try (StateMemory memory = new StateMemory(0)) {
        StateMemory.Block b = memory.take(state);
        assertEquals(0, b.segment().address() % HugePages.SIZE);
        b.give();
      }
    }
  }

  private Path write(String setting) throws Exception {
    Path f = Files.createTempFile(temp, "thp", ".txt");
    Files.writeString(f, setting);
    return f;
  }
}
