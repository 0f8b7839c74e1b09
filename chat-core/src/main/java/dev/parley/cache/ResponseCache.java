package dev.parley.cache;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import dev.parley.chat.ChatModel;
import dev.parley.chat.ChatRequest;
import dev.parley.chat.ChatResponse;
import dev.parley.chat.FinishReason;
import dev.parley.chat.GenerationCancelledException;
import dev.parley.chat.ParleyException;
import dev.parley.core.internal.Checks;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Replies to repeated requests, kept in memory on Caffeine.
 *
 * <ul>
 *   <li>Keyed by {@link CacheKey}: model id, normalized messages and generation options, hashed.
 *   <li>Bounded by the approximate bytes of the cached replies, and by age since written.
 *   <li>By default only deterministic requests (temperature 0 or a fixed seed) are cached: a
 *       sampled reply is meant to differ each time.
 *   <li>Concurrent identical requests generate once: the first caller generates, the others wait for
 *       its reply (single flight). If that generation fails, every waiter sees the failure and
 *       nothing is cached; if it is cancelled, a waiter generates in its place.
 *   <li>Cancelled (partial) replies are never cached.
 * </ul>
 *
 * <p>Thread-safe; share one per application. Use {@link #decorate(ChatModel)} to put it in front of
 * a model.
 */
public final class ResponseCache {
  /** Bytes counted for an entry beyond its text: key, response object, cache node. */
  static final int ENTRY_OVERHEAD_BYTES = 160;

  private final AsyncCache<CacheKey, Entry> cache;
  private final boolean cacheNonDeterministic;
  private final LongAdder bypasses = new LongAdder();

  private ResponseCache(Builder b) {
    LongSupplier ticker = b.ticker;
    this.cacheNonDeterministic = b.cacheNonDeterministic;
    this.cache =
        Caffeine.newBuilder()
            .maximumWeight(b.maximumWeightBytes)
            .weigher((CacheKey k, Entry v) -> v.response == null ? 0 : weigh(v.response))
            .expireAfterWrite(b.expireAfterWrite)
            .ticker(ticker::getAsLong)
            .executor(Runnable::run)
            .recordStats()
            .buildAsync();
  }

  public static Builder builder() {
    return new Builder();
  }

  static int weigh(ChatResponse response) {
    long bytes = ENTRY_OVERHEAD_BYTES + 2L * response.text().length();
    return (int) Math.min(Integer.MAX_VALUE, bytes);
  }

  /** A request that is not cacheable went past the cache to the model. */
  void bypassed() {
    bypasses.increment();
  }

  /** Whether this cache would keep the reply to {@code request}. */
  public boolean isCacheable(ChatRequest request) {
    return cacheNonDeterministic || request.options().isDeterministic();
  }

  /**
   * The cached reply to {@code request}, or the one {@code generator} makes now (and caches).
   * Requests that are not cacheable go straight to {@code generator}.
   *
   * @throws ParleyException what {@code generator} threw, mapped by {@link ParleyException#from}
   */
  public ChatResponse get(String modelId, ChatRequest request, Function<ChatRequest, ChatResponse> generator) {
    Checks.notNull(modelId, "modelId");
    Checks.notNull(request, "request");
    Checks.notNull(generator, "generator");
    if (!isCacheable(request)) {
      bypassed();
      return generator.apply(request);
    }
    CacheKey key = CacheKey.of(modelId, request);
    while (true) {
      CompletableFuture<Entry> promise = new CompletableFuture<>();
      CompletableFuture<Entry> shared = cache.get(key, (k, executor) -> promise);
      if (shared == promise) {
        return generateInto(key, promise, request, generator);
      }
      Entry entry = await(shared, key);
      if (entry.response != null) {
        return entry.response;
      }
      if (entry.failure != null) {
        throw ParleyException.from(entry.failure);
      }
      // The generation we waited for was cancelled by its caller; generate in its place.
    }
  }

  /**
   * Generates as the single flight's leader. A failed or cancelled generation is removed from the
   * cache before its waiters are told, so a later request starts afresh.
   */
  private ChatResponse generateInto(
      CacheKey key, CompletableFuture<Entry> promise, ChatRequest request, Function<ChatRequest, ChatResponse> generator) {
    ChatResponse response;
    try {
      response = generator.apply(request);
      if (response == null) {
        throw new IllegalStateException("generator returned null for " + key);
      }
    } catch (RuntimeException | Error e) {
      cache.asMap().remove(key, promise);
      promise.complete(new Entry(null, e));
      throw e;
    }
    if (response.finishReason() == FinishReason.CANCELLED) {
      cache.asMap().remove(key, promise);
      promise.complete(Entry.ABANDONED);
    } else {
      promise.complete(new Entry(response, null));
    }
    return response;
  }

  private static Entry await(CompletableFuture<Entry> shared, CacheKey key) {
    try {
      return shared.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GenerationCancelledException("interrupted while waiting for cached reply " + key, e);
    } catch (ExecutionException e) {
      throw ParleyException.from(e.getCause());
    }
  }

  /** The cached reply, if present and complete; never generates. */
  public Optional<ChatResponse> getIfPresent(String modelId, ChatRequest request) {
    CompletableFuture<Entry> f = cache.getIfPresent(CacheKey.of(modelId, request));
    if (f == null || !f.isDone() || f.isCompletedExceptionally()) {
      return Optional.empty();
    }
    return Optional.ofNullable(f.join().response);
  }

  /** Caches {@code response} for {@code request} if the request is cacheable and the reply complete. */
  public void put(String modelId, ChatRequest request, ChatResponse response) {
    Checks.notNull(response, "response");
    if (isCacheable(request) && response.finishReason() != FinishReason.CANCELLED) {
      cache.put(CacheKey.of(modelId, request), CompletableFuture.completedFuture(new Entry(response, null)));
    }
  }

  /** Removes every entry. */
  public void invalidateAll() {
    cache.synchronous().invalidateAll();
  }

  /** Entries held now (an estimate while evictions are pending). */
  public long size() {
    cache.synchronous().cleanUp();
    return cache.synchronous().estimatedSize();
  }

  public CacheStatistics statistics() {
    CacheStats s = cache.synchronous().stats();
    return new CacheStatistics(s.hitCount(), s.missCount(), bypasses.sum(), s.evictionCount());
  }

  /** {@code model} behind this cache: blocking calls single-flight, streamed replies are replayed. */
  public ChatModel decorate(ChatModel model) {
    return new CachingChatModel(Checks.notNull(model, "model"), this);
  }

  /**
   * What a single flight ended with: a reply (cached), or a failure or cancellation (handed to the
   * waiters, never cached: the leader removes it first).
   */
  private static final class Entry {
    static final Entry ABANDONED = new Entry(null, null);

    final @Nullable ChatResponse response;
    final @Nullable Throwable failure;

    Entry(@Nullable ChatResponse response, @Nullable Throwable failure) {
      this.response = response;
      this.failure = failure;
    }
  }

  /** Builds a {@link ResponseCache}. */
  public static final class Builder {
    private long maximumWeightBytes = 64L * 1024 * 1024;
    private Duration expireAfterWrite = Duration.ofHours(1);
    private boolean cacheNonDeterministic;
    private LongSupplier ticker = System::nanoTime;

    private Builder() {}

    /** Approximate bytes of cached replies to keep; 64 MiB by default. */
    public Builder maximumWeightBytes(long bytes) {
      this.maximumWeightBytes = Checks.positive(bytes, "maximumWeightBytes");
      return this;
    }

    /** How long a reply stays cached after it was written; one hour by default. */
    public Builder expireAfterWrite(Duration ttl) {
      this.expireAfterWrite = Checks.positive(ttl, "expireAfterWrite");
      return this;
    }

    /** Cache sampled (non-deterministic) requests too; off by default. */
    public Builder cacheNonDeterministic(boolean cache) {
      this.cacheNonDeterministic = cache;
      return this;
    }

    /** The clock for expiry, in nanoseconds; {@link System#nanoTime()} by default. */
    public Builder ticker(LongSupplier ticker) {
      this.ticker = Checks.notNull(ticker, "ticker");
      return this;
    }

    public ResponseCache build() {
      return new ResponseCache(this);
    }
  }
}
