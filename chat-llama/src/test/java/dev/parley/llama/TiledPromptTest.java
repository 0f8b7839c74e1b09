package dev.parley.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class TiledPromptTest {
  /** A model whose history pays for the extension from 512 tokens on. */
  private static final double FROM_512 = TiledPrompt.MIN_HISTORY_ATTENTION / 512;

  @Test
  void aShortPromptOverALongHistoryComputesSixtyFiveTokens() {
    assertEquals(1_000 - 65, TiledPrompt.keep(1_000, 1_000 - 48, FROM_512), "48 new tokens over 952");
    assertEquals(1_000 - 65, TiledPrompt.keep(1_000, 1_000 - 64, FROM_512), "64 new tokens over 936");
    assertEquals(512 + 48 - 65, TiledPrompt.keep(512 + 48, 512, FROM_512), "at the shortest history");
  }

  @Test
  void otherPromptsKeepWhatTheyCan() {
    assertEquals(1_000 - 47, TiledPrompt.keep(1_000, 1_000 - 47, FROM_512), "fewer new tokens cost less one at a time");
    assertEquals(1_000 - 65, TiledPrompt.keep(1_000, 1_000 - 65, FROM_512), "already tiled beside other sequences");
    assertEquals(1_000 - 300, TiledPrompt.keep(1_000, 1_000 - 300, FROM_512), "many new tokens");
    assertEquals(511, TiledPrompt.keep(511 + 50, 511, FROM_512), "a history too short to pay");
    assertEquals(0, TiledPrompt.keep(50, 0, FROM_512), "nothing cached");
    assertEquals(1_000 - 50, TiledPrompt.keep(1_000, 1_000 - 50, 0), "a model whose attention is not known");
  }

  /** Query widths over the weights a token multiplies: norms and what lies outside the layers do not count. */
  @Test
  void attentionPerHistoryTokenOfALlamaShapedModel() {
    // Two layers of width 576: 9 query heads of 64, 3 KV heads, a feed-forward of 1,536 (the 135M shape).
    List<GgufFile.TensorInfo> tensors = new java.util.ArrayList<>();
    tensors.add(tensor("token_embd.weight", 576, 49_152));
    for (int layer = 0; layer < 2; layer++) {
      String blk = "blk." + layer + ".";
      tensors.add(tensor(blk + "attn_norm.weight", 576));
      tensors.add(tensor(blk + "attn_q.weight", 576, 576));
      tensors.add(tensor(blk + "attn_k.weight", 576, 192));
      tensors.add(tensor(blk + "attn_v.weight", 576, 192));
      tensors.add(tensor(blk + "attn_output.weight", 576, 576));
      tensors.add(tensor(blk + "ffn_gate.weight", 576, 1_536));
      tensors.add(tensor(blk + "ffn_up.weight", 576, 1_536));
      tensors.add(tensor(blk + "ffn_down.weight", 1_536, 576));
    }
    tensors.add(tensor("output.weight", 576, 49_152));
    double perLayer = 576.0 * 576 * 2 + 576.0 * 192 * 2 + 576.0 * 1_536 * 3;
    assertEquals(576 / perLayer, TiledPrompt.attentionPerHistoryToken(tensors, 1), 1e-12);
    // At this shape the bound is met at about 512 tokens of history, where it was measured.
    assertEquals(512, TiledPrompt.MIN_HISTORY_ATTENTION / (576 / perLayer), 8);
  }

  /** Of a mixture of experts' weights, those of the experts a token uses. */
  @Test
  void attentionPerHistoryTokenOfAMixtureOfExperts() {
    List<GgufFile.TensorInfo> tensors = List.of(tensor("blk.0.attn_q.weight", 256, 512),
        tensor("blk.0.ffn_up_exps.weight", 256, 128, 8), tensor("blk.0.ffn_down_exps.weight", 128, 256, 8));
    double used = 256.0 * 512 + 2 * 256.0 * 128 * 8 / 4;
    assertEquals(512 / used, TiledPrompt.attentionPerHistoryToken(tensors, 2.0 / 8), 1e-12);
  }

  @Test
  void noQueryProjectionNoExtension() {
    assertEquals(0, TiledPrompt.attentionPerHistoryToken(List.of(tensor("blk.0.attn_qkv.weight", 256, 768)), 1));
    assertEquals(0, TiledPrompt.attentionPerHistoryToken(List.of(), 1));
  }

  private static GgufFile.TensorInfo tensor(String name, long... dims) {
    return new GgufFile.TensorInfo(name, dims, 0, 0);
  }
}
