package dev.parley.llama;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** chat-llama uses chat-core's API only, and exposes only its API types. */
@AnalyzeClasses(packages = "dev.parley.llama", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  @ArchTest
  static final ArchRule usesNoImplementationPackageOfChatCore =
      noClasses().should().dependOnClassesThat().resideInAnyPackage(
          "dev.parley.core.internal..", "dev.parley.ratelimit..", "dev.parley.examples..");

  @ArchTest
  static final ArchRule onlyTheApiIsPublic =
      classes().that().arePublic().and().areTopLevelClasses()
          .should().haveSimpleNameStartingWith("Llama")
          .orShould().haveSimpleName("ModelLoadException")
          .because("GGUF reading, log routing and the exit guard are implementation details");
}
