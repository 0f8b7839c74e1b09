package dev.parley.llama;

import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * What an engine needs to load a model: the builder's settings, checked.
 *
 * @param template a llama.cpp built-in template name to use instead of the file's own, or null
 * @param addsBos whether prompts start with the beginning-of-sequence token
 * @param kvCells KV cache cells in all; 0 for {@code contextSize * slots} (tests set fewer)
 * @param stateCacheBytes host memory for conversations' saved KV states; 0 keeps none
 * @param flashAttention llama.cpp's fused attention (FFM engine)
 * @param stateSpillFolder where states that no longer fit in memory are written, or null to drop them
 * @param stateSpillBytes the bound on the bytes written there
 * @param calibrateThreads time decode steps at load and keep the fastest thread counts up to
 *     {@code threads} (FFM engine)
 * @param nativesFolder a folder of the user's own llama.cpp build to open instead of
 *     chat-llama-natives', or null (FFM engine)
 * @param cpuVariant the ggml CPU variant to load instead of the best that fits, or null (FFM engine)
 * @param turnPrimingDelay how long a sequence stays idle after a reply before its next turn is primed
 *     (FFM engine)
 * @param fullSlidingWindowCache sliding-window layers keep a cell for every token of the context,
 *     not only their window's (FFM engine)
 * @param format the model's own chat template when Parley renders it, or null for llama.cpp's built-in
 *     formats ({@code template}); the engine finds the text between turns with it
 * @param attentionPerHistoryToken the model's {@link TiledPrompt#attentionPerHistoryToken}; 0 when unknown
 */
record EngineConfig(
    Path modelFile,
    String id,
    int contextSize,
    int slots,
    int threads,
    int batchThreads,
    int gpuLayers,
    @Nullable String template,
    Duration closeTimeout,
    boolean promptCache,
    boolean addsBos,
    int kvCells,
    long stateCacheBytes,
    boolean flashAttention,
    @Nullable Path stateSpillFolder,
    long stateSpillBytes,
    boolean calibrateThreads,
    @Nullable Path nativesFolder,
    @Nullable String cpuVariant,
    Duration turnPrimingDelay,
    boolean fullSlidingWindowCache,
    @Nullable ChatFormat format,
    double attentionPerHistoryToken) {

  int effectiveBatchThreads() {
    return batchThreads > 0 ? batchThreads : threads;
  }

  int effectiveKvCells() {
    return kvCells > 0 ? kvCells : contextSize * slots;
  }
}
