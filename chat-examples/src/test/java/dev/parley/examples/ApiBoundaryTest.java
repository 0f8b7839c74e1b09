package dev.parley.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.net.URL;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Parley's public API, across every library: what each module descriptor exports, and that no
 * public signature of an API package takes or returns a type that is not API.
 */
class ApiBoundaryTest {
  /** Every library's API packages: what its descriptor exports. */
  private static final Map<String, Set<String>> API = Map.ofEntries(
      Map.entry("dev.parley.core", Set.of("dev.parley.chat", "dev.parley.memory", "dev.parley.sanitize", "dev.parley.cache",
          "dev.parley.resilience")),
      Map.entry("dev.parley.templates", Set.of("dev.parley.templates")),
      Map.entry("dev.parley.testing", Set.of("dev.parley.testing", "dev.parley.testing.contract")),
      Map.entry("dev.parley.ratelimit", Set.of("dev.parley.ratelimit")),
      Map.entry("dev.parley.ratelimit.redis", Set.of("dev.parley.ratelimit.redis")),
      Map.entry("dev.parley.store.jdbc", Set.of("dev.parley.store.jdbc")),
      Map.entry("dev.parley.openai", Set.of("dev.parley.openai")),
      Map.entry("dev.parley.pipeline", Set.of("dev.parley.pipeline")),
      Map.entry("dev.parley.micrometer", Set.of("dev.parley.micrometer")),
      Map.entry("dev.parley.springai", Set.of("dev.parley.springai")),
      Map.entry("dev.parley.llama", Set.of("dev.parley.llama")),
      Map.entry("dev.parley.llama.natives", Set.of()),
      Map.entry("dev.parley.langchain4j", Set.of("dev.parley.langchain4j")),
      Map.entry("dev.parley.spring.boot", Set.of("dev.parley.spring.boot")));

  private static final JavaClasses LIBRARIES = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .withImportOption(location -> !location.contains("/chat-examples/") && !location.contains("parley-examples"))
      .importPackages("dev.parley");

  @Test
  void everyDescriptorExportsExactlyItsApiPackages() throws IOException {
    Map<String, Set<String>> found = new TreeMap<>();
    for (URL url : Collections.list(getClass().getClassLoader().getResources("module-info.class"))) {
      try (InputStream in = url.openStream()) {
        ModuleDescriptor d = ModuleDescriptor.read(in);
        if (d.name().startsWith("dev.parley")) {
          Set<String> open = new TreeSet<>();
          d.exports().stream().filter(e -> !e.isQualified()).forEach(e -> open.add(e.source()));
          found.put(d.name(), open);
          for (String p : d.packages()) {
            assertTrue(open.contains(p) || p.endsWith(".internal"),
                d.name() + " hides " + p + ": a package that is not exported is named .internal");
          }
        }
      }
    }
    assertEquals(new TreeMap<>(API), found, "module descriptors and their unqualified exports");
  }

  @Test
  void publicSignaturesOfApiPackagesUseOnlyApiTypes() {
    Set<String> api = new TreeSet<>();
    API.values().forEach(api::addAll);
    DescribedPredicate<JavaClass> notApi = DescribedPredicate.describe("a Parley type outside the API packages",
        c -> c.getPackageName().startsWith("dev.parley") && !api.contains(c.getPackageName()));
    ArchCondition<JavaCodeUnit> exposeOnlyApi = new ArchCondition<>("take and return only API types") {
      @Override
      public void check(JavaCodeUnit unit, ConditionEvents events) {
        for (JavaClass type : unit.getRawParameterTypes()) {
          if (notApi.test(type)) {
            events.add(SimpleConditionEvent.violated(unit, unit.getFullName() + " takes " + type.getName()));
          }
        }
        if (notApi.test(unit.getRawReturnType())) {
          events.add(SimpleConditionEvent.violated(unit, unit.getFullName() + " returns " + unit.getRawReturnType().getName()));
        }
      }
    };
    ArchRuleDefinition.codeUnits().that().arePublic()
        .and().areDeclaredInClassesThat().arePublic()
        .and().areDeclaredInClassesThat(DescribedPredicate.describe("in an API package", c -> api.contains(c.getPackageName())))
        .should(exposeOnlyApi)
        .because("a type a caller cannot name is an accident in a public signature")
        .check(LIBRARIES);
    ArchRuleDefinition.classes().that(DescribedPredicate.describe("in an API package", c -> api.contains(c.getPackageName())))
        .and().haveModifier(JavaModifier.PUBLIC)
        .should().notBeAssignableTo(DescribedPredicate.describe("a non-API Parley type",
            c -> notApi.test(c)))
        .because("a public class's supertypes are part of its API")
        .check(LIBRARIES);
  }
}
