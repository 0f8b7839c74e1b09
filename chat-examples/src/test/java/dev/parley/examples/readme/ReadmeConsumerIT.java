package dev.parley.examples.readme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A project of the README alone: its BOM import and the "In LangChain4j and Spring AI" section's
 * dependencies around a bare pom, its Java as source files, compiled by Maven. It
 * resolves Parley's artifacts from the local repository, where {@code scripts/test.sh} ({@code mvn
 * install}) has put this build's before this module's integration tests run.
 */
class ReadmeConsumerIT {
  private static final String SECTION = "## In LangChain4j and Spring AI";

  @Test
  void theFrameworkSectionCompilesAsAProjectOfItsOwn(@TempDir Path project) throws Exception {
    String readme = Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8);
    int start = readme.indexOf(SECTION);
    assertTrue(start >= 0, "the README has no section '" + SECTION + "'");
    int end = readme.indexOf("\n## ", start + SECTION.length());
    String section = readme.substring(start, end < 0 ? readme.length() : end);

    String bom = blocks(readme, "xml").stream().filter(b -> b.contains("<dependencyManagement>")).findFirst()
        .orElseThrow(() -> new AssertionError("the README imports no BOM"));
    StringBuilder dependencies = new StringBuilder();
    blocks(section, "xml").forEach(b -> dependencies.append(b).append('\n'));
    Files.writeString(project.resolve("pom.xml"), """
        <project xmlns="http://maven.apache.org/POM/4.0.0">
          <modelVersion>4.0.0</modelVersion>
          <groupId>example</groupId>
          <artifactId>readme-consumer</artifactId>
          <version>1</version>
          <properties>
            <maven.compiler.release>17</maven.compiler.release>
            <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
          </properties>
        %s
          <dependencies>
        %s
          </dependencies>
          <build>
            <plugins>
              <plugin>
                <artifactId>maven-compiler-plugin</artifactId>
                <version>3.14.0</version>
              </plugin>
              <plugin>
                <artifactId>maven-resources-plugin</artifactId>
                <version>3.3.1</version>
              </plugin>
            </plugins>
          </build>
        </project>
        """.formatted(bom, dependencies));

    List<String> classes = new ArrayList<>();
    Path sources = Files.createDirectories(project.resolve("src/main/java"));
    for (String java : blocks(section, "java")) {
      Matcher name = Pattern.compile("public class (\\w+)").matcher(java);
      assertTrue(name.find(), "a Java block of the section is not a whole class:\n" + java);
      classes.add(name.group(1));
      Files.writeString(sources.resolve(name.group(1) + ".java"), java);
    }
    assertEquals(List.of("LangChain4jWeather", "SpringAiWeather"), classes);

    Path log = project.resolve("maven.log");
    Process maven = new ProcessBuilder("mvn", "-B", "-nsu", "-f", project.resolve("pom.xml").toString(), "compile")
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertTrue(maven.waitFor(10, TimeUnit.MINUTES), "Maven did not finish in 10 minutes");
    assertEquals(0, maven.exitValue(), "the README's project does not build (did `mvn install` run first?):\n" + tail(log));
    for (String c : classes) {
      assertTrue(Files.exists(project.resolve("target/classes/" + c + ".class")), c + " was not compiled");
    }
  }

  private static List<String> blocks(String markdown, String language) {
    List<String> found = new ArrayList<>();
    Matcher m = Pattern.compile("```" + language + "\\n(.*?)```", Pattern.DOTALL).matcher(markdown);
    while (m.find()) {
      found.add(m.group(1));
    }
    return found;
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
  }
}
