package dev.parley.llama;

import java.util.List;
import java.util.Map;

/**
 * How many cached tokens a prompt keeps when keeping fewer makes it cheaper. ggml's fused CPU
 * attention computes a micro-batch's queries of one sequence with a tiled kernel when there are at
 * least {@link #TILE} of them, and one query at a time below that, each over the whole history. Over
 * a long enough history a prompt of 48 to 63 new tokens therefore costs more than one of 64:
 * computing again the last few tokens it shares with the cells makes its step shorter and its first
 * token come sooner.
 *
 * <p>How long is long enough depends on the model: what attending over one more token of history
 * costs a query, against the matrix products every token costs ({@link #attentionPerHistoryToken}).
 * The bound is where the extension started to pay on the model it was measured with (a 135M
 * llama-shaped model over 512 tokens); docs/benchmarks.md has the measurements. The engine applies
 * it only where its cells can be cut back at any position (no recurrent state, no sliding window)
 * and the layers run on the CPU with fused attention.
 */
final class TiledPrompt {
  /** Queries of one sequence from which ggml's CPU attention takes its tiled kernel ({@code GGML_FA_TILE_Q}). */
  static final int TILE = 64;
  /**
   * New tokens a prompt is extended to: one more than {@link #TILE}, since beside other sequences'
   * tokens the engine's step computes a prompt's first token in a micro-batch of its own.
   */
  static final int EXTENDED = TILE + 1;
  /** Fewer new tokens cost less one query at a time than {@link #EXTENDED} tiled, over the histories measured. */
  static final int MIN_NEW = 48;
  /**
   * The history's attention, relative to a token's matrix products ({@code history *}
   * {@link #attentionPerHistoryToken}), from which the extension pays.
   */
  static final double MIN_HISTORY_ATTENTION = 0.083;

  private TiledPrompt() {}

  /**
   * The cached tokens to keep of a prompt of {@code length} tokens, given that {@code keep} of them
   * could be kept: fewer, so that {@link #EXTENDED} are computed, when the prompt would compute
   * {@link #MIN_NEW} to {@link #EXTENDED} - 1 over a history whose attention is at least {@link
   * #MIN_HISTORY_ATTENTION}; else {@code keep}.
   *
   * @param attentionPerHistoryToken the model's {@link #attentionPerHistoryToken}
   */
  static int keep(int length, int keep, double attentionPerHistoryToken) {
    int fresh = length - keep;
    return keep * attentionPerHistoryToken >= MIN_HISTORY_ATTENTION && fresh >= MIN_NEW && fresh < EXTENDED
        ? length - EXTENDED : keep;
  }

  /**
   * What one more token of history adds to a new token's attention, relative to the token's matrix
   * products: the query widths of the attention layers over the weights a token multiplies in the
   * layers (of a mixture of experts, the experts it uses). 0 when the file does not say, as for
   * fused query projections: then prompts keep all they can.
   */
  static double attentionPerHistoryToken(GgufFile file) {
    Map<String, Object> meta = file.metadata();
    String arch = file.architecture();
    double expertsUsed = meta.get(arch + ".expert_used_count") instanceof Number u
        && meta.get(arch + ".expert_count") instanceof Number n && n.doubleValue() > 0 ? u.doubleValue() / n.doubleValue() : 1;
    return attentionPerHistoryToken(file.tensors(), expertsUsed);
  }

  static double attentionPerHistoryToken(List<GgufFile.TensorInfo> tensors, double expertsUsed) {
    double queries = 0;
    double weights = 0;
    for (GgufFile.TensorInfo t : tensors) {
      if (!t.name().startsWith("blk.") || !t.name().endsWith(".weight") || t.dims().length < 2) {
        continue; // norms, biases and what lies outside the layers
      }
      weights += t.name().contains("_exps.") ? t.elements() * expertsUsed : t.elements();
      if (t.name().endsWith(".attn_q.weight")) {
        queries += t.dims()[1];
      }
    }
    return weights > 0 ? queries / weights : 0;
  }
}
