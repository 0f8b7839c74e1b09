package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivateFoldersTest {
  @TempDir Path tmp;

  /** A process id that was in use and no longer is. */
  private static long endedProcess() throws Exception {
    Process p = new ProcessBuilder("true").start();
    assertTrue(p.waitFor(10, TimeUnit.SECONDS));
    long pid = p.pid();
    assertFalse(ProcessHandle.of(pid).isPresent(), "process " + pid + " has ended");
    return pid;
  }

  @Test
  void onlyTheFoldersOfEndedProcessesAreDeleted() throws Exception {
    long self = ProcessHandle.current().pid();
    long parent = ProcessHandle.current().parent().orElseThrow().pid();
    Path ended = Files.createDirectory(tmp.resolve("p-" + endedProcess() + "-1a"));
    Files.writeString(ended.resolve("libjllama.so"), "left by a killed JVM");
    Path mine = Files.createDirectory(tmp.resolve("p-" + self + "-2b"));
    Path live = Files.createDirectory(tmp.resolve("p-" + parent + "-3c"));
    Path notOurs = Files.createDirectory(tmp.resolve("p-model-4d"));
    Path plainFile = Files.writeString(tmp.resolve("p-" + endedProcess() + "-5e"), "a file, not a folder");
    Path otherPrefix = Files.createDirectory(tmp.resolve("q-" + endedProcess() + "-6f"));

    PrivateFolders.deleteLeftovers(tmp, "p-", self);

    assertFalse(Files.exists(ended), "the ended process's folder and its library are deleted");
    for (Path kept : List.of(mine, live, notOurs, plainFile, otherPrefix)) {
      assertTrue(Files.exists(kept), kept + " is kept");
    }
  }

  @Test
  void aNewFolderIsOwnerOnlyAndNamedForThisProcess() throws Exception {
    String before = System.getProperty("java.io.tmpdir");
    System.setProperty("java.io.tmpdir", tmp.toString());
    try {
      Path a = PrivateFolders.create("parley-test-");
      Path b = PrivateFolders.create("parley-test-");
      assertFalse(a.equals(b));
      assertEquals(tmp, a.getParent());
      assertTrue(a.getFileName().toString().startsWith("parley-test-" + ProcessHandle.current().pid() + "-"), a.toString());
      assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(a)));
    } finally {
      System.setProperty("java.io.tmpdir", before);
    }
  }
}
