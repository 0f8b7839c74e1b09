package dev.parley.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** module-info exports the API packages to everyone, and its internal package only to chat-testing's fakes. */
class ModuleDescriptorTest {
  @Test
  void exportsOnlyApiPackages() throws Exception {
    ModuleDescriptor descriptor;
    try (InputStream in = Files.newInputStream(Path.of("target/classes/module-info.class"))) {
      descriptor = ModuleDescriptor.read(in);
    }
    assertEquals("dev.parley.core", descriptor.name());
    Set<String> exported = new TreeSet<>();
    for (ModuleDescriptor.Exports e : descriptor.exports()) {
      if (e.isQualified()) {
        assertEquals("dev.parley.core.internal", e.source(), "the only qualified export");
        assertEquals(Set.of("dev.parley.testing", "dev.parley.llama"), e.targets());
      } else {
        exported.add(e.source());
      }
    }
    assertEquals(
        new TreeSet<>(Set.of("dev.parley.chat", "dev.parley.memory", "dev.parley.sanitize", "dev.parley.cache",
            "dev.parley.resilience")),
        exported);
  }
}
