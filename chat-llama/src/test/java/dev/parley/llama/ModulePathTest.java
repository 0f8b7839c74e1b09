package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * chat-llama as a named module: an application module that requires {@code dev.parley.llama},
 * compiled and run on the module path in a child JVM, loads the tiny model and generates with the
 * engine of its JDK. On JDK 22 and later the FFM engine reads its libraries out of the {@code
 * dev.parley.llama.natives} module; on 17 the JNI engine runs java-llama.cpp as the automatic module
 * {@code llama}.
 */
class ModulePathTest {
  /** chat-llama's runtime dependencies, as jars or as another module's target/classes in a reactor build. */
  private static final Pattern RUNTIME = Pattern.compile("(chat-core|chat-templates|chat-llama-natives)(-\\d.*\\.jar)?"
      + "|(llama|caffeine|jackson-core|jackson-databind|jackson-annotations|slf4j-api|jspecify|failsafe)-\\d.*\\.jar");

  @TempDir Path temp;

  @Test
  void anApplicationModuleRequiringDevParleyLlamaGenerates() throws Exception {
    List<String> modulePath = new ArrayList<>(dependencies());
    modulePath.add(chatLlama().toString());
    Path app = temp.resolve("app");
    Path source = Files.createDirectories(temp.resolve("src/probe/app"));
    Files.writeString(temp.resolve("src/probe/module-info.java"), "module probe { requires dev.parley.llama; }\n");
    Files.writeString(source.resolve("Main.java"), """
        package app;

        import dev.parley.chat.ChatRequest;
        import dev.parley.chat.GenerationOptions;
        import dev.parley.chat.Message;
        import dev.parley.llama.LlamaChatModel;
        import java.nio.file.Path;
        import java.util.List;

        public class Main {
          public static void main(String[] args) {
            try (LlamaChatModel model = LlamaChatModel.builder(Path.of(args[0])).contextSize(256).threads(1).build()) {
              var reply = model.generate(new ChatRequest(List.of(Message.user("Hi")),
                  GenerationOptions.builder().temperature(0).maxTokens(4).build()));
              System.out.println("module " + LlamaChatModel.class.getModule().getName() + " engine " + model.engine()
                  + " tokens " + reply.usage().completionTokens());
            }
          }
        }
        """);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int compiled = javac.run(null, null, null, "-d", app.toString(), "--module-path",
        String.join(File.pathSeparator, modulePath), temp.resolve("src/probe/module-info.java").toString(),
        source.resolve("Main.java").toString());
    assertEquals(0, compiled, "the application module does not compile against chat-llama's descriptor");
    modulePath.add(app.toString());

    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    if (Runtime.version().feature() >= 22) {
      command.add("--enable-native-access=dev.parley.llama");
    }
    command.addAll(List.of("--module-path", String.join(File.pathSeparator, modulePath), "-m", "probe/app.Main",
        TestModels.tiny().toString()));
    Path out = temp.resolve("out.txt");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    boolean exited = p.waitFor(120, TimeUnit.SECONDS);
    if (!exited) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    String output = Files.readString(out, StandardCharsets.UTF_8);
    assertTrue(exited, "the child JVM did not finish:\n" + output);
    assertEquals(0, p.exitValue(), String.join(" ", command) + "\n" + output);
    assertTrue(output.contains("module dev.parley.llama engine " + EngineSelectionTest.expectedEngine() + " tokens 4"),
        output);
  }

  /** The jar on JDK 22+ (the FFM engine's classes are in its versioned part); target/classes will do on 17. */
  private static Path chatLlama() throws IOException {
    for (String entry : classPath()) {
      Path p = Path.of(entry);
      if (p.endsWith(Path.of("chat-llama", "target", "classes")) || isChatLlamaJar(p)) {
        if (Files.isRegularFile(p) || Runtime.version().feature() < 22) {
          return p;
        }
        try (Stream<Path> jars = Files.list(p.getParent())) {
          return jars.filter(ModulePathTest::isChatLlamaJar).findFirst()
              .orElseThrow(() -> new AssertionError("no chat-llama jar beside " + p + ": run mvn package first"));
        }
      }
    }
    throw new AssertionError("chat-llama is not on the class path: " + classPath());
  }

  private static boolean isChatLlamaJar(Path p) {
    return p.getFileName().toString().matches("chat-llama-\\d.*(?<!-tests)\\.jar");
  }

  private static List<String> dependencies() {
    List<String> found = new ArrayList<>();
    for (String entry : classPath()) {
      Path p = Path.of(entry);
      String name = p.getFileName().toString();
      if (name.equals("classes") && p.getParent() != null && p.getParent().getParent() != null) {
        name = p.getParent().getParent().getFileName().toString(); // a reactor module's target/classes
      }
      if (RUNTIME.matcher(name).matches() && !name.endsWith("-tests.jar")) {
        found.add(entry);
      }
    }
    return found;
  }

  private static List<String> classPath() {
    return List.of(System.getProperty("java.class.path").split(File.pathSeparator));
  }
}
