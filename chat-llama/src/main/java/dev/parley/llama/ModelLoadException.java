package dev.parley.llama;

import dev.parley.chat.NonRetriableException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * A model file could not be loaded. {@link #reason()} says why; the message names the file. Not
 * retriable with the same file and settings.
 */
public class ModelLoadException extends NonRetriableException {
  private static final long serialVersionUID = 1L;

  /** Why a model could not be loaded. */
  public enum Reason {
    /** No readable file at the path. */
    NOT_FOUND,
    /** The file does not start like a GGUF file, or its header is malformed. */
    NOT_GGUF,
    /** The file ends before the data its header describes. */
    TRUNCATED,
    /** A setting does not fit the model, such as a context larger than it was trained for. */
    INCOMPATIBLE_SETTINGS,
    /** llama.cpp refused the file for a reason it did not say. */
    LOAD_FAILED,
    /** Downloading the model failed (HTTP error, connection lost); trying again may help. */
    DOWNLOAD_FAILED,
    /** The downloaded file's SHA-256 is not the expected one; the download was discarded. */
    CHECKSUM_MISMATCH
  }

  private final Reason reason;
  private final transient @Nullable Path path;

  public ModelLoadException(Reason reason, @Nullable Path path, String message, @Nullable Throwable cause) {
    super(message, cause);
    this.reason = reason;
    this.path = path;
  }

  public Reason reason() {
    return reason;
  }

  /** The model file, when the failure concerns one. */
  public @Nullable Path path() {
    return path;
  }
}
