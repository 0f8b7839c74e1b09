package dev.parley.llama;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;
import com.tngtech.archunit.lang.ArchRule;

/** chat-llama uses chat-core's API only, and exposes only its API types. */
class ArchitectureTest {
  private static final String STOPS = "dev.parley.core.internal.StopSequenceMatcher";

  static final ArchRule usesNoImplementationPackageOfChatCore =
      noClasses().should().dependOnClassesThat(DescribedPredicate.describe(
          "chat-core's internals but its stop-sequence matcher, the rate limiter or the examples",
          c -> (c.getPackageName().startsWith("dev.parley.core.internal") && !c.getName().startsWith(STOPS))
              || c.getPackageName().startsWith("dev.parley.ratelimit") || c.getPackageName().startsWith("dev.parley.examples")))
          .because("chat-core exports its internals to chat-llama for the one matcher the fakes apply stops with too");

  static final ArchRule onlyTheApiIsPublic =
      classes().that().arePublic().and().areTopLevelClasses()
          .should().haveNameMatching("dev\\.parley\\.llama\\.(LlamaChatModel|ModelPool|PoolStatistics"
              + "|PoolExhaustedException|ModelLoadException|DecodeFailedException|EngineStatistics|ModelSource|ModelDownloader|DownloadProgress)")
          .because("GGUF reading, log routing and the exit guard are implementation details; a new public"
              + " type is a decision to add here");

  private static final JavaClasses CLASSES =
      new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.parley.llama");

  @Test
  void usesNoImplementationPackageOfChatCore() {
    usesNoImplementationPackageOfChatCore.check(CLASSES);
  }

  @Test
  void onlyTheApiIsPublic() {
    onlyTheApiIsPublic.check(CLASSES);
  }
}
