package dev.parley.spring.boot;

import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The model an application serves, from {@code parley.model.*}. Give {@code file} (a GGUF file) or
 * {@code url} (downloaded once into {@code cache-folder}, checked against {@code sha256} when given);
 * every other setting has the Parley default when left out.
 *
 * <pre>
 * parley.model.file=/models/qwen3-0.6b-q8_0.gguf
 * parley.model.slots=8
 * parley.model.context-size=8192
 * parley.model.state-cache-size=512MB
 * </pre>
 */
@ConfigurationProperties("parley.model")
public class ParleyProperties {
  /** Unset: each value has its default; Spring Boot binds the properties. */
  public ParleyProperties() {}

  private @Nullable Path file;
  private @Nullable String url;
  private @Nullable String sha256;
  private @Nullable Path cacheFolder;
  private @Nullable String id;
  private int slots = 4;
  private int replicas = 1;
  private @Nullable Integer threads;
  private @Nullable Integer contextSize;
  private @Nullable Integer gpuLayers;
  private @Nullable DataSize stateCacheSize;
  private @Nullable Path stateSpillFolder;
  private @Nullable DataSize stateSpillSize;
  private @Nullable String cpuVariant;
  private @Nullable Path nativeLibraries;
  private @Nullable Duration turnPrimingDelay;
  private @Nullable Boolean fullSlidingWindowCache;
  private int maxQueue = 64;
  private Duration maxWait = Duration.ofSeconds(30);

  /** The GGUF file to load. */
  public @Nullable Path getFile() {
    return file;
  }

  public void setFile(@Nullable Path file) {
    this.file = file;
  }

  /** An http or https address to download the GGUF file from, when no {@code file} is given. */
  public @Nullable String getUrl() {
    return url;
  }

  public void setUrl(@Nullable String url) {
    this.url = url;
  }

  /** The SHA-256 (hex) the downloaded file must have; strongly recommended with {@code url}. */
  public @Nullable String getSha256() {
    return sha256;
  }

  public void setSha256(@Nullable String sha256) {
    this.sha256 = sha256;
  }

  /** Where downloaded models are kept; Parley's user cache by default. */
  public @Nullable Path getCacheFolder() {
    return cacheFolder;
  }

  public void setCacheFolder(@Nullable Path cacheFolder) {
    this.cacheFolder = cacheFolder;
  }

  /** The model's id in responses and meters; the file's name by default. */
  public @Nullable String getId() {
    return id;
  }

  public void setId(@Nullable String id) {
    this.id = id;
  }

  /** Conversations generating at once per replica; 4 by default. */
  public int getSlots() {
    return slots;
  }

  public void setSlots(int slots) {
    this.slots = slots;
  }

  /** Copies of the model to load; 1 by default. */
  public int getReplicas() {
    return replicas;
  }

  public void setReplicas(int replicas) {
    this.replicas = replicas;
  }

  /** Decode threads; the machine's cores shared among the replicas by default. */
  public @Nullable Integer getThreads() {
    return threads;
  }

  public void setThreads(@Nullable Integer threads) {
    this.threads = threads;
  }

  /** Tokens of context, shared by the slots; the model's default when left out. */
  public @Nullable Integer getContextSize() {
    return contextSize;
  }

  public void setContextSize(@Nullable Integer contextSize) {
    this.contextSize = contextSize;
  }

  /** Layers to offload to a GPU, with natives built for one ({@code native-libraries}). */
  public @Nullable Integer getGpuLayers() {
    return gpuLayers;
  }

  public void setGpuLayers(@Nullable Integer gpuLayers) {
    this.gpuLayers = gpuLayers;
  }

  /** Memory for saved conversation states (e.g. {@code 512MB}); Parley's default when left out. */
  public @Nullable DataSize getStateCacheSize() {
    return stateCacheSize;
  }

  public void setStateCacheSize(@Nullable DataSize stateCacheSize) {
    this.stateCacheSize = stateCacheSize;
  }

  /** A folder for conversation states evicted from memory; none by default. */
  public @Nullable Path getStateSpillFolder() {
    return stateSpillFolder;
  }

  public void setStateSpillFolder(@Nullable Path stateSpillFolder) {
    this.stateSpillFolder = stateSpillFolder;
  }

  /** Disk for spilled states; Parley's default when left out. */
  public @Nullable DataSize getStateSpillSize() {
    return stateSpillSize;
  }

  public void setStateSpillSize(@Nullable DataSize stateSpillSize) {
    this.stateSpillSize = stateSpillSize;
  }

  /** The llama.cpp CPU variant to load ({@code haswell}, {@code zen4}, ...); the best that is safe here by default. */
  public @Nullable String getCpuVariant() {
    return cpuVariant;
  }

  public void setCpuVariant(@Nullable String cpuVariant) {
    this.cpuVariant = cpuVariant;
  }

  /** A folder with the user's own llama.cpp build of the same release (CUDA, Vulkan, Metal, ROCm). */
  public @Nullable Path getNativeLibraries() {
    return nativeLibraries;
  }

  public void setNativeLibraries(@Nullable Path nativeLibraries) {
    this.nativeLibraries = nativeLibraries;
  }

  /** How long a conversation stays idle after a reply before its next turn is primed alone; the engine's 50 ms by default. */
  public @Nullable Duration getTurnPrimingDelay() {
    return turnPrimingDelay;
  }

  public void setTurnPrimingDelay(@Nullable Duration turnPrimingDelay) {
    this.turnPrimingDelay = turnPrimingDelay;
  }

  /**
   * Whether sliding-window layers (Gemma 3's) keep a cell for every token of the context (true,
   * the engine's default) or only their window's, a fraction of the KV memory at long contexts;
   * with the window only, a prompt that departs from a sequence's cells before them is computed
   * from its start.
   */
  public @Nullable Boolean getFullSlidingWindowCache() {
    return fullSlidingWindowCache;
  }

  public void setFullSlidingWindowCache(@Nullable Boolean fullSlidingWindowCache) {
    this.fullSlidingWindowCache = fullSlidingWindowCache;
  }

  /** Requests that may wait for a slot; 64 by default. */
  public int getMaxQueue() {
    return maxQueue;
  }

  public void setMaxQueue(int maxQueue) {
    this.maxQueue = maxQueue;
  }

  /** How long a request may wait for a slot; 30 seconds by default. */
  public Duration getMaxWait() {
    return maxWait;
  }

  public void setMaxWait(Duration maxWait) {
    this.maxWait = maxWait;
  }
}
