package dev.parley.ratelimit;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/** chat-ratelimit stands alone: the JDK, Caffeine and JSpecify, and nothing of Redis or chat. */
class ArchitectureTest {
  private static final JavaClasses CLASSES = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.parley.ratelimit");

  @Test
  void dependsOnlyOnTheJdkCaffeineAndJSpecify() {
    ArchRule rule = classes().should().onlyDependOnClassesThat().resideInAnyPackage(
        "java..", "dev.parley.ratelimit..", "com.github.benmanes.caffeine.cache..",
        "org.jspecify.annotations..");
    rule.check(CLASSES);
  }

  @Test
  void onlyTheApiTypesArePublic() {
    // dev.parley.ratelimit.internal is public for the Redis limiter only, and not exported to anyone else.
    ArchRule rule = classes().that().arePublic().and().resideOutsideOfPackage("dev.parley.ratelimit.internal")
        .should().haveNameMatching("dev\\.parley\\.ratelimit\\.(RateLimiter|Decision|Limit|Limit\\$.*"
            + "|LimitStatus|RateLimitHeaders|TokenBucketRateLimiter|TokenBucketRateLimiter\\$Builder)")
        .because("a new public type is a decision to add here");
    rule.check(CLASSES);
  }
}
