package dev.parley.llama;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Where to download a GGUF model from, and the SHA-256 it must have.
 *
 * @param uri an http or https address
 * @param fileName the name the file gets in the cache
 * @param sha256 the expected SHA-256 in hex, if known; strongly recommended
 */
public record ModelSource(URI uri, String fileName, Optional<String> sha256) {
  private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9._-]+");

  public ModelSource {
    if (uri == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
      throw new IllegalArgumentException("uri must be an http or https address, was " + uri);
    }
    if (fileName == null || !SAFE_NAME.matcher(fileName).matches() || fileName.startsWith(".")) {
      throw new IllegalArgumentException("fileName must be a plain file name, was " + fileName);
    }
    sha256 = sha256.map(h -> h.toLowerCase(Locale.ROOT));
    if (sha256.isPresent() && !HEX64.matcher(sha256.get()).matches()) {
      throw new IllegalArgumentException("sha256 must be 64 hex digits, was " + sha256.get());
    }
  }

  /** A file at {@code url}; its name is the last part of the path. */
  public static ModelSource url(String url, @Nullable String sha256) {
    URI uri = URI.create(url);
    String path = uri.getPath() == null ? "" : uri.getPath();
    String name = path.substring(path.lastIndexOf('/') + 1);
    return new ModelSource(uri, name, Optional.ofNullable(sha256));
  }

  /**
   * A file in a Hugging Face repository: {@code owner/repo/file.gguf}, or {@code
   * owner/repo/file.gguf@revision} (the {@code main} branch by default).
   */
  public static ModelSource huggingFace(String reference, @Nullable String sha256) {
    if (reference == null) {
      throw new NullPointerException("reference must not be null");
    }
    String revision = "main";
    String ref = reference;
    int at = ref.lastIndexOf('@');
    if (at > 0) {
      revision = ref.substring(at + 1);
      ref = ref.substring(0, at);
    }
    String[] parts = ref.split("/");
    if (parts.length < 3 || revision.isBlank()) {
      throw new IllegalArgumentException(
          "reference must look like owner/repo/file.gguf[@revision], was \"" + reference + "\"");
    }
    for (String p : parts) {
      if (p.isBlank() || p.equals("..") || p.equals(".")) {
        throw new IllegalArgumentException("reference has an empty or relative part: \"" + reference + "\"");
      }
    }
    String file = ref.substring(parts[0].length() + parts[1].length() + 2);
    URI uri = URI.create("https://huggingface.co/" + parts[0] + "/" + parts[1] + "/resolve/" + revision + "/" + file);
    return new ModelSource(uri, parts[parts.length - 1], Optional.ofNullable(sha256));
  }
}
