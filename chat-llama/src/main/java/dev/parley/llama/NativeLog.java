package dev.parley.llama;

import de.kherud.llama.LlamaModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import de.kherud.llama.LogLevel;
import de.kherud.llama.args.LogFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends llama.cpp's log to SLF4J (logger {@code dev.parley.llama.native}), never to stdout or
 * stderr.
 *
 * <p>java-llama.cpp 4.2.0 calls llama.cpp's {@code common_init()} on every model load, which
 * replaces any callback set with {@code LlamaModel.setLogger}. So models are loaded with the native
 * server log paused ({@code ModelParameters.disableLog()}) and the callback is installed again
 * after each load.
 */
final class NativeLog {
  static final Logger LOG = LoggerFactory.getLogger("dev.parley.llama.native");

  /** Where java-llama.cpp's loader puts its library (and deletes what it takes for old copies). */
  static final String LOADER_FOLDER = "de.kherud.llama.tmpdir";

  private static boolean loaded;

  private NativeLog() {}

  /**
   * Loads java-llama.cpp's native library. Its loader prints "Extracted '...'" on {@code
   * System.out}; while it runs, {@code System.out} forwards every other line unchanged and that one
   * goes to SLF4J instead.
   */
  static synchronized void loadLibrary() {
    if (loaded) {
      return;
    }
    keepTheLoaderInAFolderOfItsOwn();
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(new OutputStream() {
      private final ByteArrayOutputStream line = new ByteArrayOutputStream();

      @Override
      public synchronized void write(int b) {
        line.write(b);
        if (b == '\n') {
          String text = line.toString(StandardCharsets.UTF_8);
          line.reset();
          if (text.startsWith("Extracted '")) {
            captured.writeBytes(text.getBytes(StandardCharsets.UTF_8));
          } else {
            original.print(text);
          }
        }
      }

      @Override
      public synchronized void flush() {
        original.flush();
      }
    }, true, StandardCharsets.UTF_8));
    try {
      Class.forName(LlamaModel.class.getName(), true, LlamaModel.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("java-llama.cpp is not on the class path", e);
    } finally {
      System.setOut(original);
    }
    loaded = true;
    String extracted = captured.toString(StandardCharsets.UTF_8).strip();
    if (!extracted.isEmpty()) {
      LOG.debug(extracted);
    }
  }

  /**
   * java-llama.cpp's loader extracts its library into {@code de.kherud.llama.tmpdir}, else {@code
   * java.io.tmpdir}, and first deletes every file there whose name starts with "llama" or "jllama"
   * as a stale copy of its own ({@code LlamaLoader.cleanup}): a user's {@code /tmp/llama-2-7b.gguf}
   * would go the first time a model loads. Unless the user named a folder (or a library path), the
   * loader gets a folder of this process's own, deleted at exit, through {@code
   * de.kherud.llama.tmpdir}; the property is read only by that loader.
   */
  private static void keepTheLoaderInAFolderOfItsOwn() {
    if (System.getProperty(LOADER_FOLDER) != null || System.getProperty("de.kherud.llama.lib.path") != null) {
      return;
    }
    try {
      System.setProperty(LOADER_FOLDER, PrivateFolders.create("parley-jllama-").toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make a folder for java-llama.cpp's native library in "
          + System.getProperty("java.io.tmpdir"), e);
    }
  }

  static synchronized void install() {
    LlamaModel.setLogger(LogFormat.TEXT, NativeLog::log);
  }

  private static void log(LogLevel level, String message) {
    String text = message.strip();
    if (text.isEmpty()) {
      return;
    }
    switch (level) {
      case ERROR -> LOG.error(text);
      case WARN -> LOG.warn(text);
      case INFO -> LOG.info(text);
      default -> LOG.debug(text);
    }
  }
}
