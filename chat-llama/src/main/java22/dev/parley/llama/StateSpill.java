package dev.parley.llama;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The second tier of the {@link StateCache}: states that host memory no longer holds, in files,
 * bounded in bytes, read back when a prompt needs them. Each is filed under the cache's key for it.
 *
 * <p>The decode loop hands a state over ({@link #spill}) and goes on; one writer thread writes it to a
 * file and frees its memory. At most {@link #MAX_PENDING_BYTES} wait for the writer; a state beyond
 * that is dropped rather than held, so a slow disk costs reuse, never memory. Past the byte bound,
 * Caffeine's policy picks the files to delete. The files live in a folder of this engine's own, made
 * inside the configured one at load and deleted at close: a state is valid for the model and context
 * that wrote it, so no other engine or process ever reads one.
 */
final class StateSpill implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StateSpill.class);
  /** States written at most this many bytes behind the loop; more are dropped. */
  static final long MAX_PENDING_BYTES = 64L << 20;
  private static final int CHUNK = 1 << 30;

  private final Path folder;
  private final long maxBytes;
  private final Cache<String, Spilled> index;
  private final ExecutorService writer;
  private final AtomicLong pending = new AtomicLong();
  private final AtomicLong names = new AtomicLong();
  private final AtomicBoolean warned = new AtomicBoolean();
  /** Told of every state dropped (not written, evicted, replaced, unreadable): its key and tokens. */
  private final BiConsumer<String, int[]> onLost;
  /** Where states read back get their memory. */
  private final StateMemory blocks;
  private final LongAdder spilled = new LongAdder();
  private final LongAdder readBack = new LongAdder();
  private final LongAdder lost = new LongAdder();
  private volatile boolean closed;

  /** A state in a file: the tokens its cells hold, kept on the heap to match prompts against. */
  private record Spilled(Path file, int[] tokens, long bytes) {}

  /**
   * Makes this engine's folder inside {@code parent} (creating {@code parent} if needed).
   *
   * @throws IOException if the folder cannot be made
   */
  StateSpill(Path parent, long maxBytes, String name, StateMemory blocks, BiConsumer<String, int[]> onLost)
      throws IOException {
    this.onLost = onLost;
    this.blocks = blocks;
    Files.createDirectories(parent);
    this.folder = Files.createTempDirectory(parent, "parley-states-");
    this.maxBytes = maxBytes;
    this.index = Caffeine.newBuilder()
        .maximumWeight(maxBytes)
        .weigher((String conversation, Spilled s) -> (int) Math.min(Integer.MAX_VALUE, s.bytes()))
        // Removals run where they happen (the writer, or the loop taking a state): a file goes at once.
        .executor(Runnable::run)
        .removalListener((String key, @Nullable Spilled s, RemovalCause cause) -> {
          // EXPLICIT: taken by the loop, which deletes the file once it is read.
          if (s != null && cause != RemovalCause.EXPLICIT) {
            delete(s.file());
            onLost.accept(key, s.tokens());
            if (cause.wasEvicted()) {
              lost.increment();
            }
          }
        })
        .build();
    this.writer = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "parley-spill-" + name);
      t.setDaemon(true);
      return t;
    });
  }

  /** The folder this engine writes in. */
  Path folder() {
    return folder;
  }

  /**
   * Takes {@code state} over, to be written under {@code key}; its memory is freed once it is
   * written, or now if it is not to be.
   */
  void spill(String key, SavedState state) {
    long bytes = state.bytes;
    if (closed || bytes > maxBytes) {
      drop(key, state);
      return;
    }
    long waiting = pending.addAndGet(bytes);
    if (waiting > MAX_PENDING_BYTES && waiting != bytes) { // one state larger than the limit may wait alone
      pending.addAndGet(-bytes);
      drop(key, state);
      return;
    }
    try {
      writer.execute(() -> write(key, state));
    } catch (RejectedExecutionException e) {
      pending.addAndGet(-bytes);
      drop(key, state);
    }
  }

  private void drop(String key, SavedState state) {
    state.free();
    lost.increment();
    onLost.accept(key, state.tokens);
  }

  private void write(String key, SavedState state) {
    Path file = folder.resolve(names.incrementAndGet() + ".kv");
    boolean kept = false;
    try {
      if (closed) {
        return;
      }
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        for (long at = 0; at < state.bytes; ) {
          ByteBuffer chunk = state.data().asSlice(at, Math.min(CHUNK, state.bytes - at)).asByteBuffer();
          while (chunk.hasRemaining()) {
            at += channel.write(chunk);
          }
        }
      }
      if (!closed) {
        index.put(key, new Spilled(file, state.tokens, state.bytes));
        spilled.increment();
        kept = true;
        warned.set(false); // writing works: the next failure is worth a warning again
      }
    } catch (IOException | RuntimeException e) {
      if (warned.compareAndSet(false, true)) {
        LOG.warn("could not write a conversation's state to {}; states that do not fit in memory are dropped"
            + " until writing works again", folder, e);
      }
    } finally {
      state.free();
      pending.addAndGet(-state.bytes);
      if (!kept) {
        delete(file);
        lost.increment();
        onLost.accept(key, state.tokens);
      }
    }
  }

  /**
   * The state written under {@code key}, read back into native memory, or null if there is none (or
   * it cannot be read). Its file is deleted either way. Loop thread.
   */
  @Nullable SavedState take(String key) {
    Spilled s = index.asMap().remove(key);
    if (s == null) {
      return null;
    }
    try {
      return read(key, s);
    } finally {
      delete(s.file());
    }
  }

  /**
   * A copy of the state written under {@code key}, which stays written (another prompt may share
   * part of it), or null if there is none or it cannot be read. Loop thread.
   */
  @Nullable SavedState copy(String key) {
    Spilled s = index.getIfPresent(key);
    if (s == null) {
      return null;
    }
    SavedState state = read(key, s);
    if (state == null) {
      index.asMap().remove(key, s);
      delete(s.file());
    }
    return state;
  }

  private @Nullable SavedState read(String key, Spilled s) {
    StateMemory.Block block = blocks.take(s.bytes());
    try (FileChannel channel = FileChannel.open(s.file(), StandardOpenOption.READ)) {
      MemorySegment data = block.segment();
      for (long at = 0; at < s.bytes(); ) {
        ByteBuffer chunk = data.asSlice(at, Math.min(CHUNK, s.bytes() - at)).asByteBuffer();
        while (chunk.hasRemaining()) {
          int n = channel.read(chunk);
          if (n < 0) {
            throw new IOException("the file ends after " + at + " of " + s.bytes() + " bytes");
          }
          at += n;
        }
      }
      readBack.increment();
      return new SavedState(s.tokens(), block, s.bytes());
    } catch (IOException | RuntimeException e) {
      block.give();
      lost.increment();
      onLost.accept(key, s.tokens());
      LOG.warn("could not read back the state in {}; its prompt is computed again", s.file(), e);
      return null;
    }
  }

  /** Forgets the state written under {@code key}: a newer one is kept in memory, or it is redundant. Loop thread. */
  void discard(String key) {
    Spilled s = index.asMap().remove(key);
    if (s != null) {
      delete(s.file());
    }
  }

  /** States written so far. */
  long spilled() {
    return spilled.sum();
  }

  /** States read back so far. */
  long readBack() {
    return readBack.sum();
  }

  /** States dropped: past the byte bound, not written (too many waiting, a write failed) or unreadable. */
  long lost() {
    return lost.sum();
  }

  /** Bytes the files hold now. */
  long bytes() {
    return index.policy().eviction().orElseThrow().weightedSize().orElse(0);
  }

  long maxBytes() {
    return maxBytes;
  }

  /** Stops the writer (waiting up to {@code timeout} for the state being written) and deletes the folder. */
  void close(java.time.Duration timeout) {
    closed = true;
    writer.shutdown(); // states still waiting see `closed` and are only freed
    try {
      if (!writer.awaitTermination(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS)) {
        writer.shutdownNow();
      }
    } catch (InterruptedException e) {
      writer.shutdownNow();
      Thread.currentThread().interrupt();
    }
    index.asMap().clear();
    if (!Files.isDirectory(folder)) {
      return; // deleted by someone else
    }
    try (Stream<Path> files = Files.list(folder)) {
      files.forEach(StateSpill::delete);
      Files.deleteIfExists(folder);
    } catch (IOException e) {
      LOG.warn("could not delete the conversation states in {}", folder, e);
    }
  }

  @Override
  public void close() {
    close(java.time.Duration.ofSeconds(10));
  }

  private static void delete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.debug("could not delete {}", file, e);
    }
  }
}
