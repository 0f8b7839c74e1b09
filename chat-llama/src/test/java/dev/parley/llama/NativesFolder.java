package dev.parley.llama;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Properties;

/** chat-llama-natives' files for this platform, read from the test class path. */
final class NativesFolder {
  private NativesFolder() {}

  /** The platform folder's name, as the natives jar names it. */
  static String platform() {
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    return "linux-" + (arch.equals("amd64") ? "x86_64" : arch.equals("arm64") ? "aarch64" : arch);
  }

  static String resource(String name) {
    return "/dev/parley/llama/natives/" + platform() + "/" + name;
  }

  static Properties read(String name) throws IOException {
    try (InputStream in = NativesFolder.class.getResourceAsStream(resource(name))) {
      if (in == null) {
        throw new IllegalStateException("no " + resource(name) + " on the test class path (chat-llama-natives)");
      }
      Properties p = new Properties();
      p.load(new StringReader(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
      return p;
    }
  }

  /** Copies every file of the natives (libraries, natives.properties) into {@code target}: a second build folder. */
  static Path copyTo(Path target) throws IOException {
    Files.createDirectories(target);
    Properties built = read("natives.properties");
    for (String name : (built.getProperty("files") + ",natives.properties").split(",")) {
      try (InputStream in = NativesFolder.class.getResourceAsStream(resource(name))) {
        Files.copy(in, target.resolve(name));
      }
    }
    return target;
  }
}
