package dev.parley.llama;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads GGUF models once into a cache folder: progress reported as it goes, a partial download
 * resumed with an HTTP range request, the SHA-256 checked before the file is used. Uses the JDK's
 * {@link HttpClient}. Thread-safe for different sources; two processes downloading the same file at
 * once are not coordinated.
 *
 * <p>A file lands in {@code <cacheDir>/<first 16 hex of SHA-256(uri)>/<fileName>}; while downloading
 * it is {@code <fileName>.part} beside it.
 */
public final class ModelDownloader {
  private static final Logger LOG = LoggerFactory.getLogger(ModelDownloader.class);

  private final Path cacheDir;
  private final HttpClient http;
  private final Duration timeout;

  private ModelDownloader(Builder b) {
    this.cacheDir = b.cacheDir;
    this.timeout = b.timeout;
    this.http = HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NORMAL)
        .connectTimeout(b.timeout)
        .build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** {@code $PARLEY_CACHE_DIR/models}, else {@code ~/.cache/parley/models}. */
  public static Path defaultCacheDir() {
    String configured = System.getenv("PARLEY_CACHE_DIR");
    Path base = configured != null && !configured.isBlank()
        ? Path.of(configured)
        : Path.of(System.getProperty("user.home"), ".cache", "parley");
    return base.resolve("models");
  }

  /** Where {@code source} is (or will be) cached. */
  public Path cachedPath(ModelSource source) {
    return cacheDir.resolve(sha256Hex(source.uri().toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16))
        .resolve(source.fileName());
  }

  /**
   * The cached file of {@code source}, downloading (or finishing) it first if needed.
   *
   * @throws ModelLoadException DOWNLOAD_FAILED (retriable in practice: the partial file is kept)
   *     or CHECKSUM_MISMATCH (the download is discarded)
   */
  public Path fetch(ModelSource source, DownloadProgress progress) {
    Path target = cachedPath(source);
    if (Files.isRegularFile(target)) {
      return target;
    }
    Path part = target.resolveSibling(source.fileName() + ".part");
    try {
      Files.createDirectories(target.getParent());
      MessageDigest sha = digest();
      long have = Files.isRegularFile(part) ? Files.size(part) : 0;
      if (have > 0) {
        try (InputStream in = Files.newInputStream(part)) {
          in.transferTo(new DigestOutput(sha));
        }
      }
      HttpRequest.Builder request = HttpRequest.newBuilder(source.uri()).timeout(timeout).GET();
      if (have > 0) {
        request.header("Range", "bytes=" + have + "-");
      }
      HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      int status = response.statusCode();
      boolean append = status == 206 && have > 0;
      if (status == 416 && have > 0) {
        // The partial file is already whole.
        response.body().close();
        return finish(source, part, target, sha);
      }
      if (status != 200 && status != 206) {
        response.body().close();
        throw failed(source, "HTTP " + status, null);
      }
      if (!append) {
        have = 0;
        sha = digest();
      }
      long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
      long total = length < 0 ? -1 : have + length;
      LOG.info("downloading {} to {}{}", source.uri(), target, append ? " (resuming at " + have + " bytes)" : "");
      try (InputStream in = response.body();
          OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
              append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
        byte[] buffer = new byte[1 << 16];
        long done = have;
        progress.onProgress(done, total);
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          out.write(buffer, 0, n);
          sha.update(buffer, 0, n);
          done += n;
          progress.onProgress(done, total);
        }
        if (total >= 0 && done != total) {
          throw failed(source, "connection ended after " + done + " of " + total + " bytes", null);
        }
      }
      return finish(source, part, target, sha);
    } catch (IOException e) {
      throw failed(source, e.toString(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failed(source, "interrupted", e);
    }
  }

  private Path finish(ModelSource source, Path part, Path target, MessageDigest sha) throws IOException {
    String actual = HexFormat.of().formatHex(sha.digest());
    if (source.sha256().isPresent() && !source.sha256().get().equals(actual)) {
      Files.deleteIfExists(part);
      throw new ModelLoadException(ModelLoadException.Reason.CHECKSUM_MISMATCH, target,
          "download of " + source.uri() + " has SHA-256 " + actual + ", expected " + source.sha256().get()
              + "; the file was discarded", null);
    }
    Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    LOG.info("downloaded {} (SHA-256 {})", target, actual);
    return target;
  }

  private static ModelLoadException failed(ModelSource source, String why, Throwable cause) {
    return new ModelLoadException(ModelLoadException.Reason.DOWNLOAD_FAILED, null,
        "download of " + source.uri() + " failed: " + why + "; a partial file is kept and resumed next time", cause);
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  static String sha256Hex(byte[] bytes) {
    return HexFormat.of().formatHex(digest().digest(bytes));
  }

  private static final class DigestOutput extends OutputStream {
    private final MessageDigest sha;

    DigestOutput(MessageDigest sha) {
      this.sha = sha;
    }

    @Override
    public void write(int b) {
      sha.update((byte) b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      sha.update(b, off, len);
    }
  }

  /** Builds a {@link ModelDownloader}. */
  public static final class Builder {
    private Path cacheDir = defaultCacheDir();
    private Duration timeout = Duration.ofSeconds(30);

    private Builder() {}

    public Builder cacheDir(Path dir) {
      this.cacheDir = Checks.notNull(dir, "cacheDir");
      return this;
    }

    /** Connect timeout and the wait for response headers; 30 seconds by default. */
    public Builder timeout(Duration timeout) {
      this.timeout = Checks.positive(timeout, "timeout");
      return this;
    }

    public ModelDownloader build() {
      return new ModelDownloader(this);
    }
  }
}
