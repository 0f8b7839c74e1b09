package dev.parley.testing.contract;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** chat-testing reaches chat-core only through its exported API, and exports only its own API. */
class ModuleBoundaryTest {
  @Test
  void usesNoImplementationPackageOfAnotherModule() {
    JavaClasses classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.parley.testing.contract");
    noClasses().should().dependOnClassesThat().resideInAPackage("dev.parley.core.internal..")
        .check(classes);
  }

  @Test
  void exportsOnlyTheContractPackage() throws Exception {
    try (InputStream in = Files.newInputStream(Path.of("target/classes/module-info.class"))) {
      ModuleDescriptor d = ModuleDescriptor.read(in);
      assertEquals(Set.of("dev.parley.testing.contract"),
          d.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()));
    }
  }
}
