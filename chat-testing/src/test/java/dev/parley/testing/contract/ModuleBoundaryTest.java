package dev.parley.testing.contract;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * chat-testing exports only its own API; the contract test reaches chat-core only through core's
 * exported API, and only the fakes use core's internal package, which core exports to this module
 * alone.
 */
class ModuleBoundaryTest {
  @Test
  void theContractTestUsesNoImplementationPackageOfAnotherModule() {
    JavaClasses classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.parley.testing.contract");
    noClasses().should().dependOnClassesThat().resideInAPackage("dev.parley.core.internal..")
        .check(classes);
  }

  @Test
  void exportsTheFakesAndTheContractPackage() throws Exception {
    ModuleDescriptor d = descriptor(Path.of("target/classes/module-info.class"));
    assertEquals("dev.parley.testing", d.name());
    assertEquals(Set.of("dev.parley.testing", "dev.parley.testing.contract"),
        d.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()));
    assertEquals(Set.of(ModuleDescriptor.Requires.Modifier.STATIC),
        d.requires().stream().filter(r -> r.name().equals("org.junit.jupiter.api")).findFirst().orElseThrow().modifiers(),
        "the fakes run without JUnit");
  }

  @Test
  void coreExportsItsInternalPackageToThisModuleAndTheLlamaEngineOnly() throws Exception {
    // chat-core's classes folder or jar, wherever the build resolved it from.
    Path coreLocation = Path.of(dev.parley.chat.ChatModel.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    ModuleDescriptor core = ModuleFinder.of(coreLocation).findAll().iterator().next().descriptor();
    assertEquals("dev.parley.core", core.name());
    Map<String, Set<String>> qualified = core.exports().stream().filter(ModuleDescriptor.Exports::isQualified)
        .collect(Collectors.toMap(ModuleDescriptor.Exports::source, ModuleDescriptor.Exports::targets));
    assertEquals(Map.of("dev.parley.core.internal", Set.of("dev.parley.testing", "dev.parley.llama")), qualified);
  }

  private static ModuleDescriptor descriptor(Path file) throws Exception {
    try (InputStream in = Files.newInputStream(file)) {
      return ModuleDescriptor.read(in);
    }
  }
}
