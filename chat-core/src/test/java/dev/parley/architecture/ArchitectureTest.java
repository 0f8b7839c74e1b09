package dev.parley.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;

/** chat-core's shape, checked on every build. */
class ArchitectureTest {

  static final ArchRule coreDependsOnNoOtherParleyModuleAndNothingNative =
      noClasses()
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "de.kherud..", "dev.parley.llama..", "dev.parley.ratelimit..", "dev.parley.examples..",
              "dev.parley.testing.contract..")
          .because("the core knows no backend (STYLE habit 1)");

  static final ArchRule packagesAreFreeOfCycles =
      slices().matching("dev.parley.(*)..").should().beFreeOfCycles();

  private static final DescribedPredicate<JavaClass> HIDDEN_TYPE =
      DescribedPredicate.describe(
          "an internal, Caffeine or Failsafe type",
          c -> c.getPackageName().startsWith("dev.parley.core.internal")
              || c.getPackageName().startsWith("com.github.benmanes.caffeine")
              || c.getPackageName().startsWith("dev.failsafe"));

  private static final ArchCondition<JavaCodeUnit> EXPOSE_NO_HIDDEN_TYPE =
      new ArchCondition<>("expose no " + HIDDEN_TYPE.getDescription() + " in its signature") {
        @Override
        public void check(JavaCodeUnit unit, ConditionEvents events) {
          for (JavaClass type : unit.getRawParameterTypes()) {
            if (HIDDEN_TYPE.test(type)) {
              events.add(SimpleConditionEvent.violated(unit, unit.getFullName() + " takes " + type.getName()));
            }
          }
          if (HIDDEN_TYPE.test(unit.getRawReturnType())) {
            events.add(SimpleConditionEvent.violated(unit, unit.getFullName() + " returns " + unit.getRawReturnType().getName()));
          }
        }
      };

  static final ArchRule apiSignaturesHideImplementationTypes =
      ArchRuleDefinition.codeUnits()
          .that()
          .arePublic()
          .and()
          .areDeclaredInClassesThat()
          .arePublic()
          .and()
          .areDeclaredInClassesThat()
          .resideOutsideOfPackage("dev.parley.core.internal..")
          .should(EXPOSE_NO_HIDDEN_TYPE)
          .because("implementation types in public signatures are a decision, not an accident (STYLE habit 2)");

  static final ArchRule implementationClassesOfApiPackagesStayPackagePrivate =
      ArchRuleDefinition.classes()
          .that()
          .haveSimpleNameEndingWith("ChatModel")
          .and()
          .doNotHaveSimpleName("ChatModel")
          .should()
          .notHaveModifier(JavaModifier.PUBLIC)
          .because("decorators are reached through their factory methods, not constructed directly");

  private static final JavaClasses CLASSES =
      new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.parley");

  @Test
  void coreDependsOnNoOtherParleyModuleAndNothingNative() {
    coreDependsOnNoOtherParleyModuleAndNothingNative.check(CLASSES);
  }

  @Test
  void packagesAreFreeOfCycles() {
    packagesAreFreeOfCycles.check(CLASSES);
  }

  @Test
  void apiSignaturesHideImplementationTypes() {
    apiSignaturesHideImplementationTypes.check(CLASSES);
  }

  @Test
  void implementationClassesOfApiPackagesStayPackagePrivate() {
    implementationClassesOfApiPackagesStayPackagePrivate.check(CLASSES);
  }
}
