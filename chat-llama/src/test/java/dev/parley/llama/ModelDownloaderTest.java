package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads from a model server on loopback, with range requests. */
class ModelDownloaderTest {
  @TempDir Path cache;
  private HttpServer server;
  private byte[] model;
  private final AtomicLong bytesServed = new AtomicLong();
  private final List<String> ranges = new CopyOnWriteArrayList<>();

  @BeforeEach
  void serve() throws IOException {
    model = Files.readAllBytes(TestModels.tiny());
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/models/tiny.gguf", exchange -> {
      String range = exchange.getRequestHeaders().getFirst("Range");
      ranges.add(String.valueOf(range));
      int from = 0;
      if (range != null && range.startsWith("bytes=")) {
        from = Integer.parseInt(range.substring(6, range.indexOf('-')));
        exchange.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (model.length - 1) + "/" + model.length);
        exchange.sendResponseHeaders(206, model.length - from);
      } else {
        exchange.sendResponseHeaders(200, model.length);
      }
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(model, from, model.length - from);
      }
      bytesServed.addAndGet(model.length - from);
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/models/tiny.gguf";
  }

  private String sha() {
    return ModelDownloader.sha256Hex(model);
  }

  @Test
  void downloadsOnceVerifiesAndReportsProgress() {
    ModelDownloader downloader = ModelDownloader.builder().cacheDir(cache).build();
    List<long[]> progress = new CopyOnWriteArrayList<>();
    Path file = downloader.fetch(ModelSource.url(url(), sha()), (bytes, total) -> progress.add(new long[] {bytes, total}));
    assertTrue(Files.isRegularFile(file));
    assertEquals("tiny.gguf", file.getFileName().toString());
    long[] last = progress.get(progress.size() - 1);
    assertEquals(model.length, last[0]);
    assertEquals(model.length, last[1]);

    Path again = downloader.fetch(ModelSource.url(url(), sha()), DownloadProgress.none());
    assertEquals(file, again);
    assertEquals(model.length, bytesServed.get(), "the second fetch is served from the cache");

    try (LlamaChatModel loaded = LlamaChatModel.builder(file).contextSize(256).threads(1).build()) {
      assertEquals(2, loaded.countTokens("Hello world"), "the downloaded model loads and works");
    }
  }

  @Test
  void resumesAPartialDownloadWithARangeRequest() throws IOException {
    ModelDownloader downloader = ModelDownloader.builder().cacheDir(cache).build();
    ModelSource source = ModelSource.url(url(), sha());
    Path target = downloader.cachedPath(source);
    Files.createDirectories(target.getParent());
    int half = model.length / 2;
    Files.write(target.resolveSibling("tiny.gguf.part"), Arrays.copyOf(model, half));

    Path file = downloader.fetch(source, DownloadProgress.none());
    assertArrayEquals(model, Files.readAllBytes(file));
    assertEquals(List.of("bytes=" + half + "-"), ranges);
    assertEquals(model.length - half, bytesServed.get(), "only the missing half was transferred");
  }

  @Test
  void discardsADownloadWithTheWrongChecksum() {
    ModelDownloader downloader = ModelDownloader.builder().cacheDir(cache).build();
    ModelSource source = ModelSource.url(url(), "0".repeat(64));
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> downloader.fetch(source, DownloadProgress.none()));
    assertEquals(ModelLoadException.Reason.CHECKSUM_MISMATCH, e.reason());
    assertTrue(e.getMessage().contains(sha()), e.getMessage());
    assertFalse(Files.exists(downloader.cachedPath(source)));
    assertFalse(Files.exists(downloader.cachedPath(source).resolveSibling("tiny.gguf.part")));
  }

  @Test
  void reportsAnHttpErrorClearly() {
    ModelDownloader downloader = ModelDownloader.builder().cacheDir(cache).build();
    String missing = "http://127.0.0.1:" + server.getAddress().getPort() + "/models/nothing.gguf";
    ModelLoadException e = assertThrows(ModelLoadException.class,
        () -> downloader.fetch(ModelSource.url(missing, null), DownloadProgress.none()));
    assertEquals(ModelLoadException.Reason.DOWNLOAD_FAILED, e.reason());
    assertTrue(e.getMessage().contains("HTTP 404"), e.getMessage());
  }

  @Test
  void parsesHuggingFaceReferences() {
    ModelSource s = ModelSource.huggingFace("owner/repo/sub/model-Q8_0.gguf@v1", null);
    assertEquals("https://huggingface.co/owner/repo/resolve/v1/sub/model-Q8_0.gguf", s.uri().toString());
    assertEquals("model-Q8_0.gguf", s.fileName());
    assertEquals("https://huggingface.co/a/b/resolve/main/c.gguf", ModelSource.huggingFace("a/b/c.gguf", null).uri().toString());
    assertThrows(IllegalArgumentException.class, () -> ModelSource.huggingFace("just-a-name.gguf", null));
    assertThrows(IllegalArgumentException.class, () -> ModelSource.huggingFace("a/../c.gguf", null));
    assertThrows(IllegalArgumentException.class, () -> ModelSource.url("ftp://x/y.gguf", null));
    assertThrows(IllegalArgumentException.class, () -> ModelSource.url("http://x/y.gguf", "abc"));
  }
}
