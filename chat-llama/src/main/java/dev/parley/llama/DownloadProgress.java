package dev.parley.llama;

import java.io.PrintStream;

/** Told how a model download advances. Called from the downloading thread; must be quick. */
@FunctionalInterface
public interface DownloadProgress {

  /**
   * @param bytes bytes of the file present so far (a resumed download starts above 0)
   * @param totalBytes the file's size, or -1 when the server does not say
   */
  void onProgress(long bytes, long totalBytes);

  /** Ignores progress. */
  static DownloadProgress none() {
    return (bytes, total) -> {};
  }

  /** A one-line text progress bar on {@code out}, redrawn with carriage returns. */
  static DownloadProgress bar(PrintStream out) {
    return new DownloadProgress() {
      private int lastPermille = -1;

      @Override
      public void onProgress(long bytes, long total) {
        if (total <= 0) {
          out.print("\rdownloaded " + bytes / (1024 * 1024) + " MiB");
          return;
        }
        int permille = (int) (bytes * 1000 / total);
        if (permille == lastPermille) {
          return;
        }
        lastPermille = permille;
        int filled = permille * 40 / 1000;
        out.print("\r[" + "#".repeat(filled) + " ".repeat(40 - filled) + "] " + permille / 10 + "."
            + permille % 10 + "% of " + total / (1024 * 1024) + " MiB");
        if (bytes >= total) {
          out.println();
        }
      }
    };
  }
}
