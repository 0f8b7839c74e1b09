package dev.parley.examples.server;

import dev.parley.chat.ChatModel;
import dev.parley.chat.Tokenizer;
import dev.parley.llama.DownloadProgress;
import dev.parley.llama.EngineStatistics;
import dev.parley.llama.LlamaChatModel;
import dev.parley.llama.ModelDownloader;
import dev.parley.llama.ModelPool;
import dev.parley.llama.ModelSource;
import dev.parley.llama.PoolStatistics;
import dev.parley.testing.FakeChatModel;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The model the server talks to: a {@link ModelPool} over a GGUF file, or the fake model. */
final class ModelRuntime implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ModelRuntime.class);

  final ChatModel model;
  final Tokenizer tokenizer;
  final boolean fake;
  private final @Nullable ModelPool pool;
  private final @Nullable FakeChatModel fakeModel;
  private final int slots;

  private ModelRuntime(ModelPool pool, int slots) {
    this.model = pool;
    this.tokenizer = pool;
    this.fake = false;
    this.pool = pool;
    this.fakeModel = null;
    this.slots = slots;
  }

  private ModelRuntime(FakeChatModel fake, int slots) {
    this.model = fake;
    this.tokenizer = fake.tokenizer();
    this.fake = true;
    this.pool = null;
    this.fakeModel = fake;
    this.slots = slots;
  }

  /** A runtime over a fake model built elsewhere (tests use it to script failures). */
  static ModelRuntime of(FakeChatModel fake, int slots) {
    return new ModelRuntime(fake, slots);
  }

  /** The fake model: replies with a short markdown note quoting the user's message. */
  static ModelRuntime fake(Duration tokenDelay, int slots) {
    return new ModelRuntime(fakeModel().tokenDelay(tokenDelay).build(), slots);
  }

  /** The fake model's builder, before its token delay (tests add a gate instead). */
  static FakeChatModel.Builder fakeModel() {
    return FakeChatModel.builder()
        .id("parley-fake")
        .responder(r -> "**Fake model.** You said:\n\n> " + r.lastMessage().content().replace("\n", "\n> ")
            + "\n\nStart the server with `--model path/to/model.gguf` for real replies.");
  }

  static ModelRuntime load(Path file, ServerOptions o) {
    LlamaChatModel.Builder model = LlamaChatModel.builder(file).contextSize(o.contextSize);
    if (o.threads > 0) {
      model.threads(o.threads);
    }
    ModelPool pool = ModelPool.builder(model).slots(o.slots).maxQueue(o.slots * 16).maxWait(Duration.ofSeconds(30))
        .build();
    return new ModelRuntime(pool, o.slots);
  }

  /**
   * The model the options ask for: {@code --model} (a file, URL or Hugging Face reference, fetched
   * once), else the first GGUF already in the download cache, else the fake model.
   */
  static ModelRuntime from(ServerOptions o, PrintStream console) {
    if (o.fakeModel) {
      return fake(Duration.ofMillis(o.fakeTokenDelayMs), o.slots);
    }
    Optional<Path> file = resolve(o, console);
    if (file.isEmpty()) {
      return fake(Duration.ofMillis(o.fakeTokenDelayMs), o.slots);
    }
    log.info("loading model {}", file.get());
    return load(file.get(), o);
  }

  private static Optional<Path> resolve(ServerOptions o, PrintStream console) {
    String ref = o.model;
    if (ref == null || ref.isBlank()) {
      return firstCached(ModelDownloader.defaultCacheDir());
    }
    Path local = Path.of(ref);
    if (Files.isRegularFile(local)) {
      return Optional.of(local);
    }
    ModelSource source;
    if (ref.startsWith("https://") || ref.startsWith("http://")) {
      source = ModelSource.url(ref, o.modelSha256);
    } else if (ref.endsWith(".gguf") && ref.chars().filter(c -> c == '/').count() >= 2 && !ref.startsWith("/")
        && !ref.startsWith(".")) {
      source = ModelSource.huggingFace(ref, o.modelSha256);
    } else {
      throw new IllegalArgumentException("--model " + ref + " is not a file, a URL or a Hugging Face owner/repo/file.gguf");
    }
    return Optional.of(ModelDownloader.builder().build().fetch(source, progressBar(console)));
  }

  private static Optional<Path> firstCached(Path dir) {
    if (!Files.isDirectory(dir)) {
      return Optional.empty();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".gguf")).sorted().findFirst();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the model cache " + dir, e);
    }
  }

  private static DownloadProgress progressBar(PrintStream console) {
    return (bytes, total) -> {
      if (total > 0) {
        int width = 40;
        int done = (int) (width * bytes / total);
        console.printf("\r[%s%s] %3d%% %,d / %,d bytes", "#".repeat(done), " ".repeat(width - done),
            100 * bytes / total, bytes, total);
        if (bytes >= total) {
          console.println();
        }
      } else {
        console.printf("\r%,d bytes", bytes);
      }
    };
  }

  /** The pool's statistics; for the fake model, its slots and generations now. */
  PoolStatistics statistics() {
    if (pool != null) {
      return pool.statistics();
    }
    int busy = fakeModel == null ? 0 : fakeModel.activeGenerations();
    return PoolStatistics.builder().loaded(true).slots(slots).busySlots(busy).build();
  }

  /** The engine's statistics, when the model is a pool (not the fake). */
  @Nullable Supplier<EngineStatistics> engineStatistics() {
    ModelPool p = pool;
    return p == null ? null : p::engineStatistics;
  }

  boolean isReady() {
    return pool == null || pool.statistics().loaded();
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.close();
    }
  }
}
